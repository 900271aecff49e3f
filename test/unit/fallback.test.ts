import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Fallback, FALLBACK_RETRIEVE_ID } from '../../src/pipeline/fallback.js';
import type { Candidate, PipelineContext, StageTrace } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { testMetrics } from '../helpers/context.js';
import { stageContext, tinyCatalog } from '../helpers/pipeline.js';

/**
 * FallbackConfig on its own: the list (by popularity, Size items, copies), what `serve`
 * counts and traces, and `guard`: the pipeline's answer when it comes in time, the list
 * when it fails or is late, the error when the caller went away. Times are tens of ms
 * and only their order is asserted.
 */
const catalog = tinyCatalog([{ popularity: 0.2 }, { popularity: 0.9 }, { popularity: 0.5 }, { popularity: 0.7 }]);
const ids = (c: readonly Candidate[]): string[] => c.map((x) => x.itemId);
const count = async (m: EngineMetrics, reason: string): Promise<number> =>
  (await m.fallbacks.get()).values.find((v) => v.labels.reason === reason && v.labels.scene === 'home')?.value ?? 0;

/** A request that started now, with `timeoutMs` until its deadline. */
function request(timeoutMs: number, size = 10, signal?: AbortSignal): PipelineContext {
  return { ...stageContext(catalog, 'u1', size), deadline: performance.now() + timeoutMs, ...(signal ? { signal } : {}) };
}

describe('Fallback', () => {
  it('holds the Size most popular items; serve copies the request’s size, counts and traces it', async () => {
    const m = testMetrics();
    const f = new Fallback('home', { Size: 3 }, catalog, 1000, m);
    assert.deepEqual(ids(f.items(10)), ['2', '4', '3']);
    assert.deepEqual(ids(f.items(2)), ['2', '4']);
    const trace: StageTrace[] = [];
    const out = f.serve(request(1000, 2), 'rank_failed', trace);
    assert.deepEqual(ids(out), ['2', '4']);
    // retrieve_id "fallback": the client sees the page did not come from the pipeline.
    assert.deepEqual(
      out.map((c) => [c.retrieveId, c.score]),
      [
        ['fallback', 0.9],
        ['fallback', 0.7],
      ],
    );
    assert.equal(FALLBACK_RETRIEVE_ID, 'fallback');
    assert.deepEqual(trace, [{ stage: 'fallback', in: 0, out: 2, ms: 0, errors: ['rank_failed'] }]);
    assert.equal(await count(m, 'rank_failed'), 1);
    // Copies: a caller changing its page does not change the list.
    (out[0] as Candidate).score = -1;
    assert.equal(f.items(1)[0]?.score, 0.9);
    assert.deepEqual(ids(new Fallback('home', { Size: 3 }, undefined, 1000, m).items(5)), []);
  });

  it('guard: the pipeline’s answer when it comes in time; the list, counted, when it fails', async () => {
    const m = testMetrics();
    const f = new Fallback('home', { Size: 2, Timeout: 5000 }, catalog, 10_000, m);
    const mine: Candidate[] = [{ itemId: 'x', row: -1, retrieveId: 'r', recallScore: 1, score: 1 }];
    assert.equal(await f.guard(Promise.resolve(mine), request(10_000), undefined), mine);
    const trace: StageTrace[] = [];
    assert.deepEqual(ids(await f.guard(Promise.reject(new Error('rank down')), request(10_000), trace)), ['2', '4']);
    assert.deepEqual(trace[0]?.errors, ['error']);
    assert.equal(await count(m, 'error'), 1);
    assert.equal(await count(m, 'timeout'), 0);
  });

  it('guard: a caller that went away gets the error, not the list', async () => {
    const m = testMetrics();
    const f = new Fallback('home', { Size: 2, Timeout: 5000 }, catalog, 10_000, m);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(f.guard(Promise.reject(new Error('cancelled')), request(10_000, 10, ac.signal), undefined), /^Error: cancelled$/);
    await assert.rejects(f.guard(Promise.reject('text'), request(10_000, 10, ac.signal), undefined), /^Error: text$/);
    assert.equal(await count(m, 'error'), 0);
  });

  it('guard: Timeout ms after the request started, the list; an answer after that is not used', async () => {
    const m = testMetrics();
    const f = new Fallback('home', { Size: 2, Timeout: 40 }, catalog, 10_000, m);
    const t0 = performance.now();
    let late: (c: Candidate[]) => void = () => undefined;
    const run = new Promise<Candidate[]>((r) => (late = r));
    const out = await f.guard(run, request(10_000), undefined);
    const took = performance.now() - t0;
    late([]);
    assert.deepEqual(ids(out), ['2', '4']);
    assert.ok(took >= 35 && took < 5000, `took ${took} ms`);
    assert.equal(await count(m, 'timeout'), 1);
  });

  it('Timeout defaults to 90 % of the request timeout and never exceeds it', async () => {
    const m = testMetrics();
    const mine: Candidate[] = [{ itemId: 'x', row: -1, retrieveId: 'r', recallScore: 1, score: 1 }];
    const answerIn = (ms: number): Promise<Candidate[]> => new Promise((r) => setTimeout(() => r(mine), ms));
    /** A 10 s request that started `ago` ms ago, its pipeline answering 300 ms from now. */
    const race = (conf: { Size: number; Timeout?: number }, ago: number): Promise<Candidate[]> =>
      new Fallback('home', conf, catalog, 10_000, m).guard(answerIn(300), { ...request(10_000), deadline: performance.now() + 10_000 - ago }, undefined);
    // 90 % of 10 s is 9 s: 9.05 s in, the list at once; 8.5 s in, the pipeline's answer comes first.
    assert.deepEqual(ids(await race({ Size: 1 }, 9_050)), ['2']);
    assert.deepEqual(await race({ Size: 1 }, 8_500), mine);
    // A Timeout past the request timeout is cut to it: 9.96 s in, the list.
    assert.deepEqual(ids(await race({ Size: 1, Timeout: 60_000 }, 9_960)), ['2']);
    assert.deepEqual(await race({ Size: 1, Timeout: 60_000 }, 9_000), mine);
    assert.equal(await count(m, 'timeout'), 2);
  });
});
