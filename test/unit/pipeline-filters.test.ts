import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FILTER_TYPES } from '../../src/pipeline/filter/index.js';
import type { FilterConf } from '../../src/config/schema.js';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { candidatesOf, stageContext, tinyCatalog } from '../helpers/pipeline.js';

const catalog = tinyCatalog([
  { category: 'shoes', stock: 3, status: 'on_sale' },
  { category: 'shoes', stock: 0, status: 'on_sale' },
  { category: 'hats', stock: 7, status: 'withdrawn' },
  { category: 'bags', stock: 1, status: 'on_sale' },
]);
const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: 1 << 20 }) };

async function run(
  conf: Partial<FilterConf> & { FilterType: string; readonly [key: string]: unknown },
  cands: Candidate[] = candidatesOf(catalog),
  uid = 'u1',
): Promise<string[]> {
  const def = FILTER_TYPES.get(conf.FilterType);
  assert.ok(def, conf.FilterType);
  const filter = def.create({ Name: 'f', TimeInterval: 86400, ...conf } as FilterConf, env);
  return (await filter(cands, stageContext(catalog, uid))).map((c) => c.itemId);
}

describe('ItemStateFilter', () => {
  it('keeps items whose state meets every FilterParams entry', async () => {
    const ids = await run({
      FilterType: 'ItemStateFilter',
      FilterParams: [
        { Name: 'status', Operator: 'equal', Value: 'on_sale' },
        { Name: 'stock', Operator: 'greater', Value: 0 },
      ],
    });
    assert.deepEqual(ids, ['1', '4']);
  });

  it('supports in / not_in / lessThan / is_null, and drops items the catalog does not hold', async () => {
    const extra: Candidate = { itemId: 'ghost', row: -1, retrieveId: 'r1', recallScore: 0, score: 0 };
    assert.deepEqual(
      await run({ FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'category', Operator: 'in', Value: ['hats', 'bags'] }] }, [
        ...candidatesOf(catalog),
        extra,
      ]),
      ['3', '4'],
    );
    assert.deepEqual(await run({ FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'category', Operator: 'not_in', Value: ['shoes'] }] }), ['3', '4']);
    assert.deepEqual(await run({ FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'stock', Operator: 'lessThan', Value: 1 }] }), ['2', '4']);
    assert.deepEqual(await run({ FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'colour', Operator: 'is_null' }] }), ['1', '2', '3', '4']);
  });

  it('reads loaded features for items the catalog does not hold (and they win over the catalog)', async () => {
    const loaded = (itemId: string, status: string): Candidate => ({ itemId, row: -1, retrieveId: 'r1', recallScore: 0, score: 0, features: { status } });
    const relisted: Candidate = { ...candidatesOf(catalog)[2]!, features: { status: 'on_sale' } };
    const cands = [
      loaded('sku-1', 'on_sale'),
      loaded('sku-2', 'off_shelf'),
      relisted,
      { itemId: 'ghost', row: -1, retrieveId: 'r1', recallScore: 0, score: 0 },
    ];
    assert.deepEqual(await run({ FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'status', Operator: 'equal', Value: 'on_sale' }] }, cands), [
      'sku-1',
      '3',
    ]);
  });
});

describe('ConditionFilter', () => {
  it('keeps the items for which FilterEvaluableExpression holds', async () => {
    assert.deepEqual(await run({ FilterType: 'ConditionFilter', FilterEvaluableExpression: 'category == "shoes" && stock > 0 || item_id in ["3"]' }), [
      '1',
      '3',
    ]);
    assert.deepEqual(await run({ FilterType: 'ConditionFilter', FilterEvaluableExpression: '!(status == "withdrawn") && retrieve_id == "r1"' }), [
      '1',
      '2',
      '4',
    ]);
  });
});

describe('User2ItemCustomFilter (user blacklist)', () => {
  const conf = { FilterType: 'User2ItemCustomFilter', UserBlacklist: { u1: ['1', '3'], '*': ['4'] } };
  it("drops the user's blacklisted items and everyone's", async () => {
    assert.deepEqual(await run(conf), ['2']);
    assert.deepEqual(await run(conf, candidatesOf(catalog), 'u2'), ['1', '2', '3']);
  });
});

describe('ConditionFilter over loaded features', () => {
  it('reads c.features before the catalog', async () => {
    const def = FILTER_TYPES.get('ConditionFilter');
    assert.ok(def);
    const conf = { Name: 'in_stock', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'stock > 0', TimeInterval: 1, MaxItems: 1 };
    const f = def.create(conf, env);
    const cands = candidatesOf(catalog);
    cands.forEach((c, i) => (c.features = { stock: i % 2 }));
    const out = await f(cands, stageContext(catalog));
    assert.deepEqual(
      out.map((c) => c.itemId),
      cands.filter((_, i) => i % 2 === 1).map((c) => c.itemId),
    );
    assert.ok(out.length > 0);
  });
});
