import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlotLedger } from '../../src/server/admission-slots.js';
import type { Slot } from '../../src/server/admission-slots.js';

/** The terminal events of an admitted request; `socket-close` ends every request on that socket. */
const EVENTS = ['response-finish', 'response-close', 'request-close', 'socket-close'] as const;
type SlotEvent = (typeof EVENTS)[number];

/** Requests spread over sockets (their socket's index), and a random interleaving of their events. */
const scenario = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 30 })).chain(([sockets, requests]) =>
  fc.record({
    sockets: fc.constant(sockets),
    socketOf: fc.array(fc.nat({ max: sockets - 1 }), { minLength: requests, maxLength: requests }),
    events: fc.array(fc.tuple(fc.nat({ max: requests - 1 }), fc.constantFrom(...EVENTS)), { maxLength: 120 }),
  }),
);

describe('admission slot ledger', () => {
  it('property: whatever the interleaving of response finish/close, request close and socket close, each slot is released exactly once, never below zero', () => {
    fc.assert(
      fc.property(scenario, ({ sockets, socketOf, events }) => {
        const ledger = new SlotLedger<object>();
        const socketObjects = Array.from({ length: sockets }, () => ({}));
        const watched = new Set<object>();
        const closeListeners = new Map<object, () => void>();
        const slots: Slot[] = socketOf.map((s) => {
          const socket = socketObjects[s] as object;
          return ledger.acquire(socket, (o) => {
            assert.ok(!watched.has(o), 'an owner is watched once');
            watched.add(o);
            closeListeners.set(o, () => ledger.releaseOwner(o));
          });
        });
        assert.equal(ledger.held, socketOf.length);
        assert.equal(watched.size, new Set(socketOf).size, 'every socket holding a slot is watched');
        /** The model: a request is over once any of its own events, or its socket's close, happened. */
        const over = new Set<number>();
        let releases = 0;
        for (const [req, event] of events as [number, SlotEvent][]) {
          const socket = socketObjects[socketOf[req] as number] as object;
          if (event === 'socket-close') {
            releases += ledger.releaseOwner(socket);
            socketOf.forEach((s, i) => s === socketOf[req] && over.add(i));
          } else {
            if (ledger.release(slots[req] as Slot)) releases++;
            over.add(req);
          }
          assert.ok(ledger.held >= 0, 'never negative');
          assert.equal(releases, over.size, 'released exactly the requests that are over, once each');
          assert.equal(ledger.held, socketOf.length - over.size);
          slots.forEach((slot, i) => assert.equal(ledger.holds(slot), !over.has(i), `request ${i} held until it is over`));
        }
        // Every socket closes in the end: nothing stays held, and nothing is released twice.
        for (const close of closeListeners.values()) close();
        for (const slot of slots) assert.equal(ledger.release(slot), false, 'a released slot releases nothing');
        assert.equal(ledger.held, 0);
      }),
      { numRuns: 2000 },
    );
  });

  it('a socket that closes releases only its own slots, and a later acquire on another socket is watched afresh', () => {
    const ledger = new SlotLedger<object>();
    const a = {};
    const b = {};
    const seen: object[] = [];
    const watch = (o: object): void => void seen.push(o);
    const [a1, a2, b1] = [ledger.acquire(a, watch), ledger.acquire(a, watch), ledger.acquire(b, watch)];
    assert.deepEqual(seen, [a, b]);
    assert.equal(ledger.release(a1), true);
    assert.equal(ledger.releaseOwner(a), 1, 'only the slot a still held');
    assert.equal(ledger.holds(a2), false);
    assert.equal(ledger.holds(b1), true);
    assert.equal(ledger.held, 1);
    assert.equal(ledger.releaseOwner(a), 0, 'a second close releases nothing');
    assert.equal(ledger.release(b1), true);
    assert.equal(ledger.held, 0);
  });
});
