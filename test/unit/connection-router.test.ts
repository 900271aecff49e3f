import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import type { Worker } from 'node:cluster';
import pino from 'pino';
import { ConnectionRouter } from '../../src/server/cluster/connection-router.js';
import type { ToWorker } from '../../src/server/cluster/messages.js';

/** A serving process as the router sees it: records what it was handed. */
function fakeWorker(id: number): { worker: Worker; handed: { id: number; socket: Socket }[]; connected: boolean } {
  const state = { handed: [] as { id: number; socket: Socket }[], connected: true };
  const worker = {
    id,
    isConnected: () => state.connected,
    send: (m: ToWorker, socket: Socket) => {
      if (m.pairec === 'connection') state.handed.push({ id: m.id, socket });
      return true;
    },
  } as unknown as Worker;
  return Object.assign(state, { worker });
}

const logger = pino({ level: 'silent' });

describe('ConnectionRouter: connections go to ready processes and are never left open', () => {
  it('hands to ready processes only, round robin; to loading ones only while none is ready; never to starting ones', () => {
    const router = new ConnectionRouter({ logger });
    const [a, b, c] = [fakeWorker(1), fakeWorker(2), fakeWorker(3)];
    router.setState(a.worker, 'loading');
    router.setState(b.worker, 'starting');
    router.route(new Socket());
    assert.equal(a.handed.length, 1, 'first start: a loading process answers /health and /ready 503');
    router.setState(c.worker, 'ready');
    router.setState(b.worker, 'ready');
    for (let i = 0; i < 4; i++) router.route(new Socket());
    assert.deepEqual([a.handed.length, b.handed.length, c.handed.length], [1, 2, 2]);
    router.close();
  });

  it('closes its copy on acknowledgement; a refusal or a death before it sends the connection elsewhere', () => {
    const router = new ConnectionRouter({ logger });
    const [a, b] = [fakeWorker(1), fakeWorker(2)];
    router.setState(a.worker, 'ready');
    router.setState(b.worker, 'ready');
    const s1 = new Socket();
    router.route(s1);
    const first = a.handed[0] ?? b.handed[0];
    assert.ok(first);
    const [taker, other] = a.handed.length === 1 ? [a, b] : [b, a];
    router.acknowledged(taker.worker, first.id, true);
    assert.equal(s1.destroyed, true);

    const s2 = new Socket();
    router.route(s2); // round robin: to `other`
    const second = other.handed[0];
    assert.ok(second);
    router.acknowledged(other.worker, second.id, false); // closing
    assert.equal(taker.handed.at(-1)?.socket, s2, 'refused: handed to the sibling');
    assert.equal(s2.destroyed, false);

    const s3 = new Socket();
    router.route(s3); // `other` is closing: to `taker`
    assert.equal(taker.handed.at(-1)?.socket, s3);
    router.remove(taker.worker); // died before acknowledging s2 and s3
    assert.equal(router.pending, 0);
    assert.equal(s3.destroyed, false, 'held until a process can take it');
    const c = fakeWorker(3);
    router.setState(c.worker, 'loading');
    assert.deepEqual(
      c.handed.map((h) => h.socket),
      [s2, s3],
    );
    router.close();
  });

  it('a connection no process can take waits holdMs, then is closed', async () => {
    const router = new ConnectionRouter({ logger, holdMs: 50 });
    const s = new Socket();
    router.route(s);
    assert.equal(s.destroyed, false);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(s.destroyed, true);
    router.close();
  });
});
