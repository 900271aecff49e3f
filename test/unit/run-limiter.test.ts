import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { RunLimiter } from '../../src/algorithm/onnx/run-limiter.js';
import type { Release } from '../../src/algorithm/onnx/run-limiter.js';
import { PairecError } from '../../src/errors.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

const never = new AbortController().signal;
const later = (): number => performance.now() + 60_000;
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const code = (c: string) => (err: unknown) => err instanceof PairecError && err.code === c;

describe('RunLimiter (worker pool semantics)', () => {
  it('admits at most N runs; the rest wait and start first come, first served', async () => {
    const lim = new RunLimiter(2, 10, 'm');
    const a = await lim.acquire(never, later());
    const b = await lim.acquire(never, later());
    const started: number[] = [];
    const waits = [0, 1, 2].map((i) => lim.acquire(never, later()).then((r) => (started.push(i), r)));
    await tick();
    assert.equal(lim.running, 2);
    assert.equal(lim.queued, 3);
    assert.deepEqual(started, []);
    a();
    a(); // a second release is harmless
    await tick();
    assert.deepEqual(started, [0]);
    b();
    await tick();
    assert.deepEqual(started, [0, 1]);
    for (const r of await Promise.all(waits.slice(0, 2))) r();
    await tick();
    assert.deepEqual(started, [0, 1, 2]);
    (await waits[2])?.();
    assert.equal(lim.running, 0);
  });

  it('rejects at once with ERR_QUEUE_FULL ("worker pool queue full") when the queue is full', async () => {
    const lim = new RunLimiter(1, 2, 'm');
    await lim.acquire(never, later());
    void lim.acquire(never, later());
    void lim.acquire(never, later());
    const base = await TimingBaseline.measure({ maxSlackMs: 200 });
    const t0 = performance.now();
    await assert.rejects(lim.acquire(never, later()), (err: unknown) => {
      assert.ok(err instanceof PairecError);
      assert.equal(err.code, 'ERR_QUEUE_FULL');
      assert.equal(err.status, 503);
      assert.match(err.message, /worker pool queue full/);
      return true;
    });
    await base.assertWithin(performance.now() - t0, 1, 'rejected without waiting');
    assert.equal(lim.queued, 2);
  });

  it('rejects a queued run when its signal aborts, and frees its place', async () => {
    const lim = new RunLimiter(1, 1, 'm');
    const first = await lim.acquire(never, later());
    const ctl = new AbortController();
    const queued = lim.acquire(ctl.signal, later());
    ctl.abort();
    await assert.rejects(queued, code('ERR_ABORTED'));
    assert.equal(lim.queued, 0);
    const next = lim.acquire(never, later());
    first();
    (await next)();
    assert.equal(lim.running, 0);
  });

  it('does not start a queued run whose deadline passed; the slot goes to the next', async () => {
    const lim = new RunLimiter(1, 5, 'm');
    const first = await lim.acquire(never, later());
    const late = lim.acquire(never, performance.now() + 1);
    const inTime = lim.acquire(never, later());
    await new Promise((r) => setTimeout(r, 5));
    first();
    await assert.rejects(late, code('ERR_DEADLINE_EXCEEDED'));
    (await inTime)();
    await assert.rejects(lim.acquire(never, performance.now() - 1), code('ERR_DEADLINE_EXCEEDED'));
  });

  it('close rejects waiting runs and later acquires; whenIdle waits for running ones', async () => {
    const lim = new RunLimiter(1, 5, 'm');
    const first = await lim.acquire(never, later());
    const waiting = lim.acquire(never, later());
    lim.close();
    await assert.rejects(waiting, code('ERR_ALGORITHM_CLOSED'));
    await assert.rejects(lim.acquire(never, later()), code('ERR_ALGORITHM_CLOSED'));
    let idle = false;
    const done = lim.whenIdle().then(() => (idle = true));
    await tick();
    assert.equal(idle, false);
    first();
    await done;
    assert.equal(idle, true);
  });

  it('property: bounds hold, admission is FIFO, and only a full queue rejects', async () => {
    const op = fc.oneof(
      fc.constant({ t: 'acquire' as const }),
      fc.nat(20).map((k) => ({ t: 'release' as const, k })),
      fc.nat(20).map((k) => ({ t: 'abort' as const, k })),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), async (max, maxQueue, ops) => {
        const lim = new RunLimiter(max, maxQueue, 'p');
        const held: Release[] = [];
        const waiting: { id: number; ctl: AbortController }[] = [];
        const admitted: number[] = [];
        const violations: string[] = [];
        let id = 0;
        for (const o of ops) {
          if (o.t === 'acquire') {
            const me = id++;
            const ctl = new AbortController();
            // Full = no free slot to take at once and no room left in the queue.
            const wasFull = !(lim.running < max && lim.queued === 0) && lim.queued >= maxQueue;
            const entry = { id: me, ctl };
            waiting.push(entry);
            lim.acquire(ctl.signal, later()).then(
              (r) => {
                held.push(r);
                admitted.push(me);
                waiting.splice(waiting.indexOf(entry), 1);
              },
              (err: unknown) => {
                waiting.splice(waiting.indexOf(entry), 1);
                const c = err instanceof PairecError ? err.code : String(err);
                if (!(c === 'ERR_QUEUE_FULL' ? wasFull : c === 'ERR_ABORTED')) violations.push(`${me}: ${c}`);
              },
            );
          } else if (o.t === 'release') {
            if (held.length > 0) held.splice(o.k % held.length, 1)[0]?.();
          } else if (waiting.length > 0) {
            waiting[o.k % waiting.length]?.ctl.abort();
          }
          await tick();
          assert.ok(lim.running <= max, 'at most N running');
          assert.ok(lim.queued <= maxQueue, 'bounded queue');
          assert.equal(lim.running, held.length);
          if (lim.queued > 0) assert.equal(lim.running, max, 'nobody waits while a slot is free');
        }
        assert.deepEqual(violations, [], 'rejected only when full, or when aborted');
        for (let i = 1; i < admitted.length; i++) assert.ok((admitted[i - 1] ?? 0) < (admitted[i] ?? 0), 'FIFO admission');
      }),
      { numRuns: 150 },
    );
  });
});
