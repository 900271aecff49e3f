import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { sendSafely } from '../../src/server/cluster/ipc.js';

/**
 * A real serving process that died an instant ago, its exit not yet seen by the primary:
 * the moment of a SIGTERM drain in which both processes exit together, when the first
 * exit makes the primary tell the other that the cluster is no longer ready.
 */
/** Not events.once: it rejects on the 'error' event these tests look for. */
const exited = (w: Worker): Promise<void> => new Promise((resolve) => w.once('exit', () => resolve()));

async function justDied(): Promise<Worker> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('../helpers/idle-cluster-worker.js', import.meta.url)) });
  const w = cluster.fork();
  await once(w, 'message');
  w.process.kill('SIGKILL');
  // Block the event loop: the process is dead, but its exit and the closed channel are not processed yet.
  const end = Date.now() + 300;
  while (Date.now() < end);
  assert.equal(w.isConnected(), true, 'the primary has not yet seen the exit');
  return w;
}

describe('cluster primary: messages to a process that is going away', () => {
  it('a plain send to a process that just died raises an EPIPE error event (what killed the primary)', async () => {
    const w = await justDied();
    const errors: Error[] = [];
    w.on('error', (err: Error) => errors.push(err)); // the old primary had no listener: an uncaught exception, exit 1
    w.send({ pairec: 'cluster-ready', ready: false });
    await exited(w);
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as NodeJS.ErrnoException).code), /EPIPE|ECONNRESET/);
  });

  it('sendSafely hands the error to its callback: no error event, nothing thrown', async () => {
    const w = await justDied();
    const events: unknown[] = [];
    w.on('error', (err: unknown) => events.push(err));
    const handed: Error[] = [];
    sendSafely(w, { pairec: 'cluster-ready', ready: false }, (err) => handed.push(err));
    await exited(w);
    assert.equal(events.length, 0);
    assert.equal(handed.length, 1);
  });
});
