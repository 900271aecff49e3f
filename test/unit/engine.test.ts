import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError, PairecError } from '../../src/errors.js';
import { recommendRequest } from '../helpers/request.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { smallConfig } from '../helpers/config.js';

const request = recommendRequest;

describe('engine', () => {
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
  const base = smallConfig();

  before(async () => {
    await engine.reload(base);
  });
  after(() => engine.close());

  it('recommends `size` distinct items, best score first, each with its recall', async () => {
    const { items } = await recommend(engine, request({ size: 10 }));
    assert.equal(items.length, 10);
    assert.equal(new Set(items.map((i) => i.itemId)).size, 10);
    for (let i = 1; i < items.length; i++) assert.ok((items[i - 1]?.score ?? 0) >= (items[i]?.score ?? 0));
    for (const i of items) assert.ok(['vector_recall', 'hot_recall'].includes(i.retrieveId));
  });

  it('personalises: two users get different lists', async () => {
    const a = await recommend(engine, request({ uid: '1', sceneId: 'default_scene' }));
    const b = await recommend(engine, request({ uid: '2', sceneId: 'default_scene' }));
    assert.notDeepEqual(
      a.items.map((i) => i.itemId),
      b.items.map((i) => i.itemId),
    );
  });

  it('falls back to the scene’s other recalls for a user with no embedding', async () => {
    const { items } = await recommend(engine, request({ uid: 'unknown-user' }));
    assert.equal(items.length, 10);
    assert.ok(items.every((i) => i.retrieveId === 'hot_recall'));
  });

  it('traces stages in debug mode', async () => {
    const { trace } = await recommend(engine, request({ debug: true }));
    assert.deepEqual(
      trace?.map((t) => t.stage),
      ['recall', 'filter', 'rank', 'sort'],
    );
    assert.equal(trace?.[0]?.out, 150);
  });

  it('answers an unknown scene with ERR_UNKNOWN_SCENE', async () => {
    await assert.rejects(recommend(engine, request({ sceneId: 'nope' })), (e: unknown) => e instanceof PairecError && e.code === 'ERR_UNKNOWN_SCENE');
  });

  it('on reload rebuilds only the changed algorithm and keeps the catalog and index', async () => {
    const next = structuredClone(base);
    ((next.AlgoConfs as Record<string, Record<string, unknown>>[])[1] as Record<string, Record<string, unknown>>).LookupConf = {
      FieldName: 'recall_score',
    };
    const before = engine.current();
    const result = await engine.reload(next);
    assert.deepEqual(result.built, ['popularity_lookup']);
    assert.deepEqual([...result.kept].sort(), ['item_ann', 'similarity_lookup']);
    assert.equal(engine.current()?.catalog, before?.catalog, 'the catalog object is reused');
    await engine.reload(base);
  });

  it('scores with RankScore, an expression over every rank algorithm’s output', async () => {
    const next = structuredClone(base);
    next.RankConf = {
      default_scene: { RankAlgoList: ['similarity_lookup', 'popularity_lookup'], RankScore: '${popularity_lookup} * 100 + 0 * ${similarity_lookup}' },
    };
    await engine.reload(next);
    const { items } = await recommend(engine, request({ size: 5 }));
    const catalog = engine.current()?.catalog;
    for (const item of items) {
      const pop = catalog?.itemField(catalog.itemIndex(item.itemId) ?? -1, 'popularity');
      assert.ok(typeof pop === 'number' && Math.abs(item.score - pop * 100) < 1e-9, `${item.score} = 100 × ${String(pop)}`);
    }
    await engine.reload(base);
  });

  it('rejects an invalid config and keeps serving the running one', async () => {
    const sig = engine.current()?.signature;
    await assert.rejects(engine.reload({ ...base, AlgoConfs: 'nope' }), (e: unknown) => e instanceof ConfigError);
    assert.equal(engine.current()?.signature, sig);
    const { items } = await recommend(engine, request());
    assert.equal(items.length, 10);
  });
});
