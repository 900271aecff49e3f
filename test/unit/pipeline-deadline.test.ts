import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { Algorithm } from '../../src/algorithm/contract.js';
import { PairecError } from '../../src/errors.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { recommendRequest } from '../helpers/request.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { smallConfig } from '../helpers/config.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

const request = (over: Partial<RecommendRequest> = {}): RecommendRequest => recommendRequest({ debug: true, ...over });

/** A retrieval backend that never answers and ignores its abort signal: the worst case. */
const hanging: Algorithm<'retrieval'> = {
  name: 'hang_ann',
  type: 'HANG',
  kind: 'retrieval',
  run: () => new Promise(() => undefined),
  close: () => Promise.resolve(),
};
const broken: Algorithm<'score'> = {
  name: 'broken_rank',
  type: 'BROKEN',
  kind: 'score',
  run: () => Promise.reject(new Error('model down')),
  close: () => Promise.resolve(),
};
const stuck: Algorithm<'score'> = {
  name: 'stuck_rank',
  type: 'STUCK',
  kind: 'score',
  run: () => new Promise(() => undefined),
  close: () => Promise.resolve(),
};

describe('recall timeouts and fallback', () => {
  const metrics = testMetrics();
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  const cacheDir = (smallConfig().CatalogConf as { CacheDir: string }).CacheDir;
  const config = (change: (c: Record<string, unknown>) => void): Record<string, unknown> => {
    const c = smallConfig(cacheDir);
    change(c);
    return c;
  };
  const counter = async (name: 'recallFailures' | 'fallbacks', labels: Record<string, string>): Promise<number> => {
    const { values } = await metrics[name].get();
    return values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, string | number | undefined>)[k] === x))?.value ?? 0;
  };
  const withHangingRecall =
    (timeout: number | undefined, requestMs: number) =>
    (c: Record<string, unknown>): void => {
      (c.RecallConfs as Record<string, unknown>[]).push({
        Name: 'hang_recall',
        RecallType: 'VectorRecall',
        AlgoName: 'hang_ann',
        ...(timeout ? { Timeout: timeout } : {}),
      });
      c.SceneConfs = { default_scene: { default: { RecallNames: ['vector_recall', 'hang_recall', 'hot_recall'] } } };
      c.performance = { request_timeout_ms: requestMs };
    };

  before(() => {
    engine.registerAlgorithm(hanging);
    engine.registerAlgorithm(broken);
    engine.registerAlgorithm(stuck);
  });
  after(() => engine.close());

  it('a hanging source with a Timeout: the answer comes at its timeout with the other sources’ items', async () => {
    await engine.reload(config(withHangingRecall(100, 3000)));
    const base = await TimingBaseline.measure({ maxSlackMs: 900 });
    const t0 = performance.now();
    const { items, trace } = await recommend(engine, request());
    const ms = performance.now() - t0;
    await base.assertWithin(ms, 100, 'answered at the source Timeout of 100 ms');
    assert.equal(items.length, 10);
    assert.ok(items.some((i) => i.retrieveId === 'vector_recall'));
    assert.ok(items.every((i) => i.retrieveId !== 'hang_recall'));
    assert.match(trace?.[0]?.errors?.join() ?? '', /hang_recall: timeout/);
    assert.equal(await counter('recallFailures', { scene: 'default_scene', recall_name: 'hang_recall', reason: 'timeout' }), 1);
  });

  it('a hanging source without a Timeout: the recall budget ends it, the answer arrives within the deadline', async () => {
    await engine.reload(config(withHangingRecall(undefined, 800)));
    // At most 350 ms of slack: the 800 ms deadline must not be what answered.
    const base = await TimingBaseline.measure({ maxSlackMs: 350 });
    const t0 = performance.now();
    const { items } = await recommend(engine, request({ debug: false }));
    const ms = performance.now() - t0;
    assert.ok(ms >= 350, `answered in ${ms} ms: not before the 400 ms budget`);
    await base.assertWithin(ms, 400, 'answered at the 400 ms recall budget, before the 800 ms deadline');
    assert.equal(items.length, 10);
    assert.ok(items.every((i) => i.retrieveId === 'vector_recall' || i.retrieveId === 'hot_recall'));
  });

  const popular = (n: number): string[] => {
    const catalog = engine.current()?.catalog;
    assert.ok(catalog);
    const pop = (row: number): number => Number(catalog.itemField(row, 'popularity') ?? 0);
    return catalog.itemIds
      .map((_, i) => i)
      .sort((a, b) => pop(b) - pop(a))
      .slice(0, n)
      .map((i) => catalog.itemIds[i] ?? '');
  };

  it('rank throws: the fallback popular list is served, counted and marked in debug output', async () => {
    await engine.reload(
      config((c) => {
        c.SceneConfs = { default_scene: { default: { RecallNames: ['vector_recall'], FallbackConfig: { Size: 100 } } } };
        c.RankConf = { default_scene: { RankAlgoList: ['broken_rank'] } };
      }),
    );
    const { items, trace } = await recommend(engine, request({ size: 5 }));
    assert.deepEqual(
      items.map((i) => i.itemId),
      popular(5),
    );
    assert.ok(items.every((i) => i.retrieveId === 'fallback'));
    assert.deepEqual(trace?.at(-1), { stage: 'fallback', in: 0, out: 5, ms: 0, errors: ['rank_failed'] });
    assert.equal(await counter('fallbacks', { scene: 'default_scene', reason: 'rank_failed' }), 1);
  });

  it('rank never answers: the fallback list is served at FallbackConfig.Timeout, before the deadline', async () => {
    await engine.reload(
      config((c) => {
        c.SceneConfs = { default_scene: { default: { RecallNames: ['vector_recall'], FallbackConfig: { Timeout: 150 } } } };
        c.RankConf = { default_scene: { RankAlgoList: ['stuck_rank'] } };
        c.performance = { request_timeout_ms: 2000 };
      }),
    );
    const base = await TimingBaseline.measure({ maxSlackMs: 850 });
    const t0 = performance.now();
    const { items } = await recommend(engine, request({ size: 3 }));
    const ms = performance.now() - t0;
    assert.ok(ms >= 140, `served in ${ms} ms: not before the fallback's 150 ms`);
    await base.assertWithin(ms, 150, 'served at the fallback Timeout of 150 ms, not at the 2000 ms deadline');
    assert.deepEqual(
      items.map((i) => i.itemId),
      popular(3),
    );
    assert.equal(await counter('fallbacks', { scene: 'default_scene', reason: 'timeout' }), 1);
  });

  it('without FallbackConfig a failing rank is still an error', async () => {
    await engine.reload(config((c) => (c.RankConf = { default_scene: { RankAlgoList: ['broken_rank'] } })));
    await assert.rejects(recommend(engine, request()), (e: unknown) => e instanceof Error && /model down/.test(e.message));
    assert.equal(await counter('fallbacks', { scene: 'default_scene', reason: 'error' }), 0);
  });

  it('a stage never starts with less than min_stage_ms left', async () => {
    await engine.reload(
      config((c) => {
        withHangingRecall(undefined, 1000)(c);
        c.performance = { request_timeout_ms: 1000, recall_timeout_ms: 700, min_stage_ms: 400 };
      }),
    );
    // Refused when recall ends (700 ms), at most 250 ms later: not at the 1000 ms deadline.
    const base = await TimingBaseline.measure({ maxSlackMs: 250 });
    const t0 = performance.now();
    await assert.rejects(
      recommend(engine, request()),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_DEADLINE_EXCEEDED' && /too little time left/.test(e.message),
    );
    await base.assertWithin(performance.now() - t0, 700, 'refused at once after the 700 ms recall, not at the deadline');
  });
});
