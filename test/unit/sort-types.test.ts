import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SORT_TYPES } from '../../src/pipeline/sort/index.js';
import { diversify } from '../../src/pipeline/sort/diversity.js';
import type { SortConf } from '../../src/pipeline/sort/index.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { candidatesOf, stageContext, tinyCatalog } from '../helpers/pipeline.js';

/**
 * The sort types by their SortConfs entries, on cases small enough to work out by hand:
 * the registry's own types, diversity rules of several dimensions, without a catalog and
 * past the request's size, a boost that yields no number, mix rules that name nothing.
 */
const sortWith = (
  conf: Partial<SortConf> & { SortType: string; readonly [key: string]: unknown },
  cands: Candidate[],
  catalog: Catalog | undefined,
  size = 10,
): Candidate[] => {
  const def = SORT_TYPES.get(conf.SortType);
  assert.ok(def, conf.SortType);
  return def.create({ Name: 's', ...conf } as SortConf)(cands, stageContext(catalog, 'u1', size));
};
const ids = (c: readonly Candidate[]): string[] => c.map((x) => x.itemId);
const loose = (id: string, score: number, features?: Record<string, string | number>): Candidate => ({
  itemId: id,
  row: -1,
  retrieveId: 'r',
  recallScore: score,
  score,
  ...(features ? { features } : {}),
});

describe('sort types', () => {
  it('ItemRankScore orders by score, highest first', () => {
    assert.deepEqual(ids(sortWith({ SortType: 'ItemRankScore' }, [loose('a', 1), loose('b', 3), loose('c', 2)], undefined)), ['b', 'c', 'a']);
  });

  it('diversify: an item passed over stays in line for the next positions, none is lost', () => {
    const rule = { key: (s: string) => s[0] ?? '', window: 2, frequency: 1 };
    assert.deepEqual(diversify(['a1', 'a2', 'b1'], [rule]), { order: ['a1', 'b1', 'a2'], placed: 3 });
    assert.deepEqual(diversify(['a1', 'a2', 'a3', 'b1'], [rule]), { order: ['a1', 'b1', 'a2', 'a3'], placed: 3 });
    assert.deepEqual(diversify(['a1', 'a2', 'b1', 'b2', 'c1'], [rule], 2), { order: ['a1', 'b1', 'a2', 'b2', 'c1'], placed: 2 });
  });

  it('DiversityRuleSort: a rule of several dimensions keys on all of them', () => {
    const catalog = tinyCatalog([
      { category: 'a', brand: 'x' },
      { category: 'a', brand: 'x' },
      { category: 'a', brand: 'y' },
      { category: 'b', brand: 'x' },
    ]);
    const rule = { Dimensions: ['category', 'brand'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [rule] }, candidatesOf(catalog), catalog)), ['1', '3', '2', '4']);
    const byBrand = { Dimensions: ['brand'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [byBrand] }, candidatesOf(catalog), catalog)), ['1', '3', '2', '4']);
    const byCategory = { Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [byCategory] }, candidatesOf(catalog), catalog)), ['1', '4', '2', '3']);
  });

  it('DiversityRuleSort without a catalog, and on a candidate field, reads the candidates’ own values', () => {
    const cands = [loose('1', 3, { c: 'a' }), loose('2', 2, { c: 'a' }), loose('3', 1, { c: 'b' })];
    const rule = { Dimensions: ['c'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [rule] }, cands, undefined)), ['1', '3', '2']);
    const catalog = tinyCatalog([{ category: 'a' }, { category: 'a' }, { category: 'b' }]);
    const two = candidatesOf(catalog).map((c, i) => ({ ...c, retrieveId: i < 2 ? 'hot' : 'vec' }));
    const bySource = { Dimensions: ['retrieve_id'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [bySource] }, two, catalog)), ['1', '3', '2']);
  });

  it('DiversityRuleSort: DiversitySize, when set, is how many positions keep the rules, not the request’s size', () => {
    const catalog = tinyCatalog(['a', 'a', 'a', 'b', 'b', 'b'].map((category) => ({ category })));
    const rule = { Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 };
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [rule], DiversitySize: 4 }, candidatesOf(catalog), catalog, 2)), [
      '1',
      '4',
      '2',
      '5',
      '3',
      '6',
    ]);
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [rule] }, candidatesOf(catalog), catalog, 2)), [
      '1',
      '4',
      '2',
      '3',
      '5',
      '6',
    ]);
    assert.deepEqual(ids(sortWith({ SortType: 'DiversityRuleSort', DiversityRules: [] }, candidatesOf(catalog), catalog, 2)), ['1', '2', '3', '4', '5', '6']);
  });

  it('BoostScoreSort: a result that is not a number keeps the score; a non-number field is NaN; no conditions: by score', () => {
    const catalog = tinyCatalog([{ category: 'a' }, { category: 'b' }, { category: 'c' }]);
    const boost = (Expression: string): number[] =>
      sortWith(
        { SortType: 'BoostScoreSort', BoostScoreConditions: [{ Expression, Conditions: [{ Name: 'category', Operator: 'not_equal', Value: 'b' }] }] },
        candidatesOf(catalog, 'r', [1, 2, 3]),
        catalog,
      ).map((c) => c.score);
    assert.deepEqual(boost('score * 10'), [30, 10, 2]);
    assert.deepEqual(boost('score / 0'), [3, 2, 1]);
    assert.deepEqual(boost('0 / 0'), [3, 2, 1]);
    assert.deepEqual(boost('100 + category'), [3, 2, 1]);
    assert.deepEqual(boost('100 + missing'), [3, 2, 1]);
    assert.deepEqual(ids(sortWith({ SortType: 'BoostScoreSort', BoostScoreConditions: [] }, [loose('a', 1), loose('b', 2)], undefined)), ['b', 'a']);
  });

  it('MultiRecallMixSort: no rules, or a fixed rule without Positions, leaves the order', () => {
    const cands = (): Candidate[] => [loose('v1', 0), { ...loose('h1', 0), retrieveId: 'hot' }, loose('v2', 0)];
    assert.deepEqual(ids(sortWith({ SortType: 'MultiRecallMixSort', MixSortRules: [] }, cands(), undefined)), ['v1', 'h1', 'v2']);
    const rule = { MixStrategy: 'fix_position', RecallNames: ['hot'] };
    assert.deepEqual(ids(sortWith({ SortType: 'MultiRecallMixSort', MixSortRules: [rule] } as unknown as SortConf, cands(), undefined)), ['v1', 'h1', 'v2']);
  });
});
