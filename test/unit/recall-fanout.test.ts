import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fanOutRecalls } from '../../src/pipeline/recall/fan-out.js';
import type { TimedRecall } from '../../src/pipeline/recall/fan-out.js';
import { NoUserVector } from '../../src/pipeline/recall/user-vector.js';
import type { Candidate, PipelineContext } from '../../src/pipeline/context.js';
import { PairecError } from '../../src/errors.js';
import { stageContext } from '../helpers/pipeline.js';

/**
 * The recall fan-out on its own: which sources' candidates are kept and in what order,
 * how each failure is reported, which limit ends a late source (its Timeout, the budget
 * or the request's deadline), and what becomes of the signals the sources were given.
 * Limits are tens of ms; the only time bounds asserted are "not before the limit" and
 * "well before the longer one" (seconds apart), which hold on a loaded machine.
 */
const cand = (id: string, retrieveId: string): Candidate => ({ itemId: id, row: -1, retrieveId, recallScore: 1, score: 1 });

/** A source that answers `ids` after `ms`, or with `fail`; records the context it was given. */
function source(
  name: string,
  opts: { ids?: string[]; ms?: number; fail?: unknown; hang?: boolean; timeoutMs?: number },
): TimedRecall & { seen: PipelineContext[] } {
  const seen: PipelineContext[] = [];
  return {
    seen,
    timeoutMs: opts.timeoutMs,
    source: {
      name,
      recall: async (ctx) => {
        seen.push(ctx);
        if (opts.hang) return new Promise<never>(() => undefined);
        if (opts.ms) await sleep(opts.ms);
        if (opts.fail !== undefined) throw opts.fail;
        return (opts.ids ?? []).map((id) => cand(id, name));
      },
    },
  };
}

const context = (deadlineMs = 20_000, signal?: AbortSignal): PipelineContext => ({
  ...stageContext(undefined),
  deadline: performance.now() + deadlineMs,
  signal: signal ?? new AbortController().signal,
});
const ids = (c: readonly Candidate[]): string[] => c.map((x) => `${x.retrieveId}:${x.itemId}`);

describe('recall fan-out', () => {
  it('keeps every source’s candidates in configured order, whatever order they answer in', async () => {
    const slow = source('a', { ids: ['1', '2'], ms: 30 });
    const fast = source('b', { ids: ['3'] });
    const empty = source('c', { ids: [] });
    const r = await fanOutRecalls([slow, fast, empty], context(), 10_000);
    assert.deepEqual(ids(r.candidates), ['a:1', 'a:2', 'b:3']);
    assert.deepEqual(r.failures, []);
    // Every answer came: nothing is left to cancel, the shared signal is not aborted,
    // not later by the budget's timer, nor by the request's abort once the fan-out is over.
    assert.equal(fast.seen[0]?.signal.aborted, false);
  });

  it('reports each failure by name and kind; the other sources still count', async () => {
    const r = await fanOutRecalls(
      [
        source('err', { fail: new Error('redis down') }),
        source('str', { fail: 'plain string' }),
        source('nouser', { fail: new NoUserVector('embedding') }),
        source('bad', { fail: new PairecError('ERR_INVALID_FIELD', 'vector of 3 for 4') }),
        source('internal', { fail: new PairecError('ERR_INTERNAL', 'bug') }),
        source('ok', { ids: ['9'] }),
      ],
      context(),
      10_000,
    );
    assert.deepEqual(ids(r.candidates), ['ok:9']);
    assert.deepEqual(
      r.failures.map((f) => [f.name, f.reason, f.message, f.error?.code]),
      [
        ['err', 'error', 'redis down', undefined],
        ['str', 'error', 'plain string', undefined],
        ['nouser', 'no_user_vector', 'no user vector (tried embedding)', undefined],
        ['bad', 'invalid', 'vector of 3 for 4', 'ERR_INVALID_FIELD'],
        ['internal', 'error', 'bug', undefined],
      ],
    );
  });

  it('a source’s own Timeout ends it (its own signal aborted), the others answer', async () => {
    const late = source('late', { hang: true, timeoutMs: 30 });
    const t0 = performance.now();
    const r = await fanOutRecalls([late, source('ok', { ids: ['1'] })], context(), 10_000);
    const took = performance.now() - t0;
    assert.ok(took >= 25 && took < 5000, `took ${took} ms`);
    assert.deepEqual(ids(r.candidates), ['ok:1']);
    assert.deepEqual(r.failures, [{ name: 'late', reason: 'timeout', message: 'no answer within 30 ms' }]);
    const sub = late.seen[0];
    assert.ok(sub && sub.deadline - t0 <= 30 + 50 && sub.deadline - t0 >= 25, `sub deadline ${(sub?.deadline ?? 0) - t0}`);
    assert.equal(sub.signal.aborted, true);
    assert.equal((sub.signal.reason as PairecError).code, 'ERR_DEADLINE_EXCEEDED');
  });

  it('without a shorter Timeout the budget ends a late source; a Timeout past the budget changes nothing', async () => {
    for (const timeoutMs of [undefined, 5000]) {
      const late = source('late', { hang: true, timeoutMs });
      const t0 = performance.now();
      const r = await fanOutRecalls([late], context(), 40);
      const took = performance.now() - t0;
      assert.ok(took >= 35 && took < 4000, `took ${took} ms`);
      assert.deepEqual(r.failures, [{ name: 'late', reason: 'timeout', message: 'no answer within 40 ms' }]);
      assert.ok((late.seen[0]?.deadline ?? 0) - t0 <= 40 + 50);
    }
  });

  it('the request’s deadline ends the stage when it comes before the budget', async () => {
    const late = source('late', { hang: true });
    const t0 = performance.now();
    const r = await fanOutRecalls([late], context(40), 10_000);
    assert.ok(performance.now() - t0 < 4000);
    assert.deepEqual(
      r.failures.map((f) => [f.reason, f.message]),
      [['timeout', 'no answer within 40 ms']],
    );
  });

  it('the request’s abort ends late sources at once, before or during the fan-out', async () => {
    const ac = new AbortController();
    const late = source('late', { hang: true });
    const own = source('own', { hang: true, timeoutMs: 5000 });
    setTimeout(() => ac.abort(new PairecError('ERR_ABORTED', 'client went away')), 20);
    const t0 = performance.now();
    const r = await fanOutRecalls([late, own], context(20_000, ac.signal), 10_000);
    assert.ok(performance.now() - t0 < 4000);
    assert.deepEqual(
      r.failures.map((f) => [f.name, f.reason, f.message]),
      [
        ['late', 'timeout', 'client went away'],
        ['own', 'timeout', 'client went away'],
      ],
    );
    const gone = await fanOutRecalls([source('late', { hang: true, timeoutMs: 5000 }), source('x', { hang: true })], context(20_000, ac.signal), 10_000);
    assert.deepEqual(
      gone.failures.map((f) => f.message),
      ['client went away', 'client went away'],
    );
  });

  it('a failure leaves the shared signal aborted ("recall finished") for work still running; an answer does not', async () => {
    const failing = source('failing', { fail: new Error('x') });
    const answered = source('answered', { ids: ['1'], ms: 10 });
    const ownOk = source('ownOk', { ids: ['2'], timeoutMs: 50 });
    const ownFail = source('ownFail', { fail: new Error('y'), timeoutMs: 50 });
    const ac = new AbortController();
    await fanOutRecalls([failing, answered, ownOk, ownFail], context(20_000, ac.signal), 10_000);
    const shared = answered.seen[0]?.signal;
    assert.equal(shared?.aborted, true);
    assert.equal((shared?.reason as PairecError).message, 'recall finished');
    assert.equal(ownFail.seen[0]?.signal.aborted, true);
    assert.equal((ownFail.seen[0]?.signal.reason as PairecError).message, 'recall finished');
    // The answered source's own limit is over: no timer or listener aborts it later.
    ac.abort(new Error('late abort'));
    await sleep(100);
    assert.equal(ownOk.seen[0]?.signal.aborted, false);

    const ac2 = new AbortController();
    const all = source('all', { ids: ['1'] });
    await fanOutRecalls([all], context(20_000, ac2.signal), 30);
    ac2.abort(new Error('after'));
    await sleep(80);
    assert.equal(all.seen[0]?.signal.aborted, false, 'neither the budget timer nor the request abort reaches a finished stage');
  });
});
