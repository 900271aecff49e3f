import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { ExplainItem, ExplainReport } from '../../src/pipeline/explain/report.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

/** Two sources that overlap, every filter kind that can say why, two models and two sorts. */
const CONFIG = {
  CatalogConf: { Source: 'demo', Demo: { Items: 400, Users: 20, Dim: 8, Clusters: 10, Categories: 5, Seed: 11 }, CacheDir: '' },
  AlgoConfs: [
    { Name: 'item_ann', Type: 'ANN', AnnConf: { M: 8, EfConstruction: 64, EfSearch: 64 } },
    { Name: 'pop', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } },
    { Name: 'sim', Type: 'LOOKUP', LookupConf: { FieldName: 'recall_score' } },
  ],
  RecallConfs: [
    { Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 60, AlgoName: 'item_ann' },
    { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 40 },
  ],
  FilterConfs: [
    { Name: 'seen', FilterType: 'User2ItemExposureFilter', TimeInterval: 3600 },
    { Name: 'no_cat_1', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'category != "cat_1"' },
    { Name: 'not_cat_2', FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'category', Operator: 'not_equal', Value: 'cat_2' }] },
  ],
  FilterNames: { default_scene: ['UniqueFilter', 'seen', 'no_cat_1', 'not_cat_2'] },
  SortConfs: [{ Name: 'diverse', SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 }] }],
  SortNames: { default_scene: ['ItemRankScore', 'diverse'] },
  SceneConfs: { default_scene: { default: { RecallNames: ['vector_recall', 'hot_recall'] } } },
  RankConf: { default_scene: { RankAlgoList: ['sim', 'pop'] } },
  performance: { request_timeout_ms: 5000 },
};

const request = (uid: string, explain: boolean): RecommendRequest => ({
  requestId: `r-${uid}`,
  uid,
  size: 10,
  sceneId: 'default_scene',
  category: 'default',
  features: {},
  debug: false,
  ...(explain ? { explain: true } : {}),
});

describe('explain: per-item decisions of one request', () => {
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
  const byId = (r: ExplainReport): Map<string, ExplainItem> => new Map(r.items.map((i) => [i.item_id, i]));
  before(async () => {
    await engine.reload(CONFIG);
  });
  after(() => engine.close());

  it('changes nothing in the answer, and the answer is its items in order with their final scores', async () => {
    for (const uid of ['1', '2', '3', '7']) {
      const plain = await recommend(engine, request(uid, false));
      const explained = await recommend(engine, request(uid, true));
      assert.equal(plain.explain, undefined);
      assert.equal(plain.trace, undefined, 'no trace without debug');
      const ex = explained.explain;
      assert.ok(ex);
      assert.deepEqual(
        explained.items.map((c) => [c.itemId, c.score]),
        plain.items.map((c) => [c.itemId, c.score]),
      );
      const answered = ex.items.filter((i) => i.final_position !== null);
      assert.deepEqual(
        answered.map((i) => [i.item_id, i.final_position, i.final_score, i.retrieve_id]),
        plain.items.map((c, k) => [c.itemId, k, c.score, c.retrieveId]),
      );
      assert.equal(ex.served, 'pipeline');
      assert.deepEqual(
        ex.stages.map((s) => s.stage),
        ['recall', 'filter', 'rank', 'sort'],
      );
    }
  });

  it('names every source that found an item with its score, before dedup', async () => {
    const { explain } = await recommend(engine, request('4', true));
    assert.ok(explain);
    const recalled = explain.stages[0]?.out ?? 0;
    assert.equal(
      explain.items.reduce((n, i) => n + i.sources.length, 0),
      recalled,
      'every recalled copy is listed once',
    );
    const both = explain.items.filter((i) => i.sources.length === 2);
    assert.ok(both.length > 0, 'some items are found by both sources');
    for (const i of both) assert.deepEqual(i.sources.map((s) => s.recall).sort(), ['hot_recall', 'vector_recall']);
    for (const i of explain.items.filter((x) => x.final_position !== null)) assert.ok(i.sources.some((s) => s.recall === i.retrieve_id));
  });

  it('says which filter dropped an item and why: exposure, condition, state (the failing param and its value)', async () => {
    const first = await recommend(engine, request('5', false));
    const shown = first.items.slice(0, 3).map((c) => c.itemId);
    await engine.exposures?.add('5', shown, Date.now());
    const { explain } = await recommend(engine, request('5', true));
    assert.ok(explain);
    const items = byId(explain);
    for (const id of shown)
      assert.deepEqual(items.get(id)?.dropped, { by: 'seen', stage: 'filter', reason: 'shown to this user within TimeInterval (3600 s)' });
    const dropped = explain.items.filter((i) => i.dropped?.stage === 'filter');
    const cat1 = dropped.filter((i) => i.dropped?.by === 'no_cat_1');
    const cat2 = dropped.filter((i) => i.dropped?.by === 'not_cat_2');
    assert.ok(cat1.length > 0 && cat2.length > 0);
    for (const i of cat1) assert.equal(i.dropped?.reason, 'FilterEvaluableExpression is false: category != "cat_1"');
    for (const i of cat2) assert.equal(i.dropped?.reason, 'category not_equal "cat_2" (was "cat_2")');
    // Counts agree with the per-filter steps.
    for (const step of explain.filters) {
      if (step.name === 'UniqueFilter') continue;
      assert.equal(dropped.filter((i) => i.dropped?.by === step.name).length, step.in - step.out, step.name);
    }
    assert.deepEqual(
      explain.filters.map((f) => f.name),
      ['UniqueFilter', 'seen', 'no_cat_1', 'not_cat_2'],
    );
    // A dropped item has no score and no place.
    for (const i of dropped) assert.deepEqual([i.final_position, i.rank_score, i.moves.length], [null, undefined, 0]);
  });

  it('keeps each model score and the rank score, and the place before and after each sort', async () => {
    const { explain, items } = await recommend(engine, request('6', true));
    assert.ok(explain);
    const ranked = explain.items.filter((i) => i.rank_score !== undefined);
    assert.equal(ranked.length, explain.stages.find((s) => s.stage === 'rank')?.in);
    for (const i of ranked) {
      assert.deepEqual(Object.keys(i.scores ?? {}).sort(), ['pop', 'sim']);
      assert.equal(i.rank_score, i.scores?.['sim'], 'the first model gives the score');
      assert.deepEqual(
        i.moves.map((m) => m.sort),
        ['ItemRankScore', 'diverse'],
      );
      // One sort's place after is the next one's place before.
      assert.equal(i.moves[0]?.after, i.moves[1]?.before);
    }
    // ItemRankScore orders by rank score.
    const afterFirst = [...ranked].sort((a, b) => (a.moves[0]?.after ?? 0) - (b.moves[0]?.after ?? 0));
    for (let k = 1; k < afterFirst.length; k++) assert.ok((afterFirst[k - 1]?.rank_score ?? 0) >= (afterFirst[k]?.rank_score ?? 0));
    // The answer is the last sort's first `size`; the rest is cut by size.
    for (const i of ranked) {
      const last = i.moves.at(-1)?.after ?? -1;
      if (last < items.length) assert.equal(i.final_position, last, i.item_id);
      else assert.deepEqual([i.final_position, i.dropped?.stage], [null, 'size']);
    }
    assert.deepEqual(
      explain.sorts.map((s) => s.name),
      ['ItemRankScore', 'diverse'],
    );
  });
});
