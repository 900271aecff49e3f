import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BodyReaders } from '../../src/server/body-readers.js';
import type { ExpireReason } from '../../src/server/body-readers.js';

/** Readers with a 1 s timeout (250 ms ticks), swept by hand. */
function readers(maxReaders: number): { r: BodyReaders<number>; cut: [number, ExpireReason][] } {
  const cut: [number, ExpireReason][] = [];
  const r = new BodyReaders<number>({ timeoutMs: 1000, maxReaders, expire: (reply, reason) => void cut.push([reply, reason]) });
  return { r, cut };
}

describe('body readers (the bounds on requests reading a body)', () => {
  it('cuts a body off once the timeout has surely passed, and never one that ended', () => {
    const { r, cut } = readers(100);
    assert.equal(r.intervalMs, 250);
    const a = {};
    const b = {};
    r.begin(a, 1);
    r.begin(b, 2);
    r.end(b);
    for (let i = 0; i < 4; i++) r.sweep();
    assert.equal(cut.length, 0, 'four ticks may be less than 1 s after a began');
    r.sweep();
    assert.deepEqual(cut, [[1, 'timeout']]);
    r.end(a); // its 'close' when the server closes it: nothing more happens
    r.sweep();
    assert.equal(r.size, 0);
    assert.equal(cut.length, 1);
  });

  it('over the count, cuts the one reading longest, but never one that began in the current tick (a pipelined burst)', () => {
    const { r, cut } = readers(2);
    const burst = Array.from({ length: 50 }, () => ({}));
    burst.forEach((k, i) => r.begin(k, i));
    assert.equal(cut.length, 0, 'fifty begun within one tick are all read');
    r.sweep();
    assert.deepEqual(
      cut.map(([i]) => i),
      Array.from({ length: 48 }, (_, i) => i),
      'a tick later, the oldest 48 are cut',
    );
    assert.ok(cut.every(([, reason]) => reason === 'crowded'));
    r.begin({}, 99);
    assert.deepEqual(cut.at(-1), [48, 'crowded'], 'a newcomer pushes out the longest-reading one, not itself');
    assert.equal(r.size, 2);
  });

  it('property: at most maxReaders readers older than a tick; each cut once, only while reading', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'sweep' as const }),
      fc.record({ kind: fc.constant('begin' as const) }),
      fc.record({ kind: fc.constant('end' as const), which: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
        const { r, cut } = readers(max);
        const keys: object[] = [];
        const reading = new Map<number, number>(); // reply → tick it began
        let tick = 0;
        for (const o of ops) {
          if (o.kind === 'begin') {
            keys.push({});
            reading.set(keys.length - 1, tick);
            r.begin(keys[keys.length - 1] as object, keys.length - 1);
          } else if (o.kind === 'end') {
            if (keys.length === 0) continue;
            const i = o.which % keys.length;
            r.end(keys[i] as object);
            reading.delete(i);
          } else {
            tick++;
            r.sweep();
          }
          for (const [i] of cut.splice(0)) {
            assert.ok(reading.delete(i), `reply ${i} cut while reading, once`);
          }
          assert.equal(r.size, reading.size);
          const old = [...reading.values()].filter((t) => t < tick).length;
          assert.ok(old <= max, `${old} readers older than a tick, max ${max}`);
          assert.ok(
            [...reading.values()].every((t) => tick - t <= 4),
            'none left past the timeout',
          );
        }
      }),
      { numRuns: 500 },
    );
  });
  it('sweeps every quarter of the timeout, within 10 ms..1 s, and counts the cut by reason', () => {
    const at = (timeoutMs: number): number => new BodyReaders<number>({ timeoutMs, maxReaders: 1, expire: () => undefined }).intervalMs;
    assert.equal(at(1000), 250);
    assert.equal(at(1003), 250, 'a whole number of ms');
    assert.equal(at(20), 10, 'never faster than 10 ms');
    assert.equal(at(60_000), 1000, 'never slower than 1 s');
    const { r } = readers(1);
    r.begin({}, 1);
    r.begin({}, 2);
    r.sweep();
    assert.deepEqual(r.expired, { timeout: 0, crowded: 1 });
    for (let i = 0; i < 5; i++) r.sweep();
    assert.deepEqual(r.expired, { timeout: 1, crowded: 1 });
    assert.equal(r.size, 0);
  });

  it('counts the timeout from the tick a body began, not from the start', () => {
    const { r, cut } = readers(100);
    for (let i = 0; i < 7; i++) r.sweep();
    r.begin({}, 1);
    for (let i = 0; i < 4; i++) r.sweep();
    assert.equal(cut.length, 0, 'begun at tick 7: not cut before tick 12');
    r.sweep();
    assert.deepEqual(cut, [[1, 'timeout']]);
  });

  it('its timer sweeps once started, and no more once stopped', async () => {
    const cut: number[] = [];
    const r = new BodyReaders<number>({ timeoutMs: 40, maxReaders: 10, expire: (reply) => void cut.push(reply) });
    assert.equal(r.start(), r);
    r.start(); // a second start keeps the one timer
    r.begin({}, 1);
    const deadline = Date.now() + 10_000;
    while (cut.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(cut, [1], 'the timer cut it off');
    r.stop();
    r.begin({}, 2);
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(cut, [1], 'no sweep after stop');
    r.stop();
  });
});
