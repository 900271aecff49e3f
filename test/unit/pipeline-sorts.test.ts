import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SORT_TYPES } from '../../src/pipeline/sort/index.js';
import { diversify } from '../../src/pipeline/sort/diversity.js';
import { mixPositions, sample } from '../../src/pipeline/sort/mix.js';
import type { SortConf } from '../../src/pipeline/sort/index.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { candidatesOf, stageContext, tinyCatalog } from '../helpers/pipeline.js';
import { itemField } from '../../src/pipeline/item-fields.js';

const sortWith = (
  conf: Partial<SortConf> & { SortType: string; readonly [key: string]: unknown },
  cands: Candidate[],
  catalog = tinyCatalog([]),
): Candidate[] => {
  const def = SORT_TYPES.get(conf.SortType);
  assert.ok(def, conf.SortType);
  return def.create({ Name: 's', ...conf } as SortConf)(cands, stageContext(catalog));
};

describe('DiversityRuleSort', () => {
  it('at most FrequencySize per category in any WindowSize in a row, best first', () => {
    const catalog = tinyCatalog(['a', 'a', 'a', 'b', 'b', 'c'].map((category) => ({ category })));
    const out = sortWith(
      { SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 }] },
      candidatesOf(catalog),
      catalog,
    );
    assert.deepEqual(
      out.map((c) => c.itemId),
      ['1', '4', '2', '5', '3', '6'],
    );
  });

  it('property: within the diversified prefix no window exceeds N per category; every item is kept; the prefix is maximal', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (cats, window, n) => {
          const items = cats.map((cat, id) => ({ id, cat }));
          const { order, placed } = diversify(items, [{ key: (x) => String(x.cat), window, frequency: n }]);
          assert.deepEqual(
            order.map((x) => x.id).sort((a, b) => a - b),
            items.map((x) => x.id),
          );
          for (let end = 0; end < placed; end++) {
            const win = order.slice(Math.max(0, end - window + 1), end + 1);
            const same = win.filter((x) => x.cat === order[end]?.cat).length;
            assert.ok(same <= n, `window ending at ${end} has ${same} of category ${String(order[end]?.cat)}`);
          }
          if (placed < order.length) {
            // Nothing left could go next: each remaining category is already at N in the last window.
            const last = order.slice(Math.max(0, placed - window + 1), placed);
            for (const x of order.slice(placed)) assert.ok(last.filter((y) => y.cat === x.cat).length >= n);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: keys from the catalog key column are the keys itemField gives, with loaded features and unknown items too', () => {
    const value = fc.constantFrom<Record<string, string | number | null>>({ category: 'a' }, { category: 'b' }, { category: 1 }, { category: null }, {});
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 12 }),
        fc.array(fc.record({ row: fc.integer({ min: -1, max: 11 }), loaded: fc.option(value, { nil: undefined }) }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 4 }),
        (features, picks, window) => {
          const catalog = tinyCatalog(features);
          const cands = picks.map(({ row, loaded }, i): Candidate => {
            const r = row < features.length ? row : -1;
            const c: Candidate = { itemId: r >= 0 ? String(r + 1) : `x${i}`, row: r, retrieveId: 'r', recallScore: 0, score: 0 };
            if (loaded && Object.keys(loaded).length > 0) c.features = loaded as Record<string, string | number>;
            return c;
          });
          const want = diversify(cands, [{ key: (c) => String(itemField(c, catalog, 'category')), window, frequency: 1 }]).order;
          const got = sortWith(
            {
              SortType: 'DiversityRuleSort',
              DiversitySize: cands.length,
              DiversityRules: [{ Dimensions: ['category'], WindowSize: window, FrequencySize: 1 }],
            },
            [...cands],
            catalog,
          );
          assert.deepEqual(got, want);
        },
      ),
    );
  });

  it('property: the same order as the plain greedy definition, for several rules and any limit', () => {
    type Item = { id: number; a: number; b: number };
    // The definition, written the slow obvious way: recount each window for each test.
    const reference = (items: Item[], rules: { key: (x: Item) => string; window: number; frequency: number }[], limit: number): Item[] => {
      const rest = [...items];
      const out: Item[] = [];
      const fits = (x: Item): boolean =>
        rules.every((r) => out.slice(Math.max(0, out.length - (r.window - 1))).filter((y) => r.key(y) === r.key(x)).length < r.frequency);
      while (out.length < limit) {
        const j = rest.findIndex(fits);
        if (j < 0) break;
        out.push(...rest.splice(j, 1));
      }
      return [...out, ...rest];
    };
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: fc.integer({ min: 0, max: 3 }), b: fc.integer({ min: 0, max: 2 }) }), { maxLength: 50 }),
        fc.array(fc.record({ dim: fc.constantFrom<'a' | 'b'>('a', 'b'), window: fc.integer({ min: 1, max: 6 }), frequency: fc.integer({ min: 1, max: 3 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.integer({ min: 0, max: 60 }),
        (rows, specs, limit) => {
          const items = rows.map((r, id) => ({ id, ...r }));
          const rules = specs.map((s) => ({ key: (x: Item) => String(x[s.dim]), window: s.window, frequency: s.frequency }));
          const got = diversify(items, rules, limit).order.map((x) => x.id);
          assert.deepEqual(
            got,
            reference(items, rules, limit).map((x) => x.id),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('BoostScoreSort', () => {
  it('rewrites the scores of matching items, then orders by score', () => {
    const catalog = tinyCatalog([
      { category: 'a', popularity: 0.1 },
      { category: 'b', popularity: 0.9 },
      { category: 'a', popularity: 0.5 },
    ]);
    const out = sortWith(
      {
        SortType: 'BoostScoreSort',
        BoostScoreConditions: [{ Expression: 'score * 10 + popularity', Conditions: [{ Name: 'category', Operator: 'equal', Value: 'b' }] }],
      },
      candidatesOf(catalog, 'r1', [3, 1, 2]),
      catalog,
    );
    assert.deepEqual(
      out.map((c) => [c.itemId, c.score]),
      [
        ['2', 10.9],
        ['1', 3],
        ['3', 2],
      ],
    );
  });
});

describe('MultiRecallMixSort', () => {
  const mk = (ids: string[], source: string): Candidate[] => ids.map((itemId) => ({ itemId, row: -1, retrieveId: source, recallScore: 0, score: 0 }));
  it('puts items of the named recalls at the given 1-based positions', () => {
    const cands = [...mk(['v1', 'v2', 'v3', 'v4'], 'vector'), ...mk(['h1', 'h2'], 'hot')];
    const out = sortWith({ SortType: 'MultiRecallMixSort', MixSortRules: [{ MixStrategy: 'fix_position', Positions: [2, 4], RecallNames: ['hot'] }] }, cands);
    assert.deepEqual(
      out.map((c) => c.itemId),
      ['v1', 'h1', 'v2', 'h2', 'v3', 'v4'],
    );
  });

  it('property: mixing preserves the multiset of items', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 10 }),
        fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
        (sources, positions, names) => {
          const items = sources.map((s, i) => ({ itemId: String(i % 7), row: -1, retrieveId: s, recallScore: 0, score: 0 }));
          const out = mixPositions(items, positions, new Set(names));
          const key = (c: Candidate): string => `${c.itemId}/${c.retrieveId}`;
          assert.deepEqual(out.map(key).sort(), items.map(key).sort());
          assert.equal(new Set(out).size, items.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  /** mulberry32: a small seeded generator, so a random mix is reproducible in a test. */
  const seeded = (seed: number): (() => number) => {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  };
  const randomMix = (rule: Record<string, unknown>, cands: Candidate[], seed: number, size = 10): Candidate[] => {
    const def = SORT_TYPES.get('MultiRecallMixSort');
    assert.ok(def);
    const conf = { Name: 'mix', SortType: 'MultiRecallMixSort', MixSortRules: [{ MixStrategy: 'random_position', RecallNames: ['hot'], ...rule }] } as SortConf;
    return def.create(conf, { random: seeded(seed) })(cands, stageContext(tinyCatalog([]), 'u1', size));
  };
  const hotAt = (out: Candidate[]): number[] => out.flatMap((c, i) => (c.retrieveId === 'hot' ? [i + 1] : []));

  it('random_position: Number items of the sources at positions drawn from the page with the injected generator', () => {
    const cands = () => [...mk(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11', 'v12'], 'vector'), ...mk(['h1', 'h2', 'h3'], 'hot')];
    const out = randomMix({ Number: 2 }, cands(), 7);
    const want = sample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2, seeded(7)).sort((a, b) => a - b);
    assert.deepEqual(hotAt(out).slice(0, 2), want, 'the first two hot items at the drawn positions');
    assert.deepEqual(
      out.filter((c) => c.retrieveId === 'hot').map((c) => c.itemId),
      ['h1', 'h2', 'h3'],
      'in their own order; the third stays where it was',
    );
    assert.deepEqual(
      randomMix({ Number: 2 }, cands(), 7).map((c) => c.itemId),
      out.map((c) => c.itemId),
      'same seed, same page',
    );
    // Over many seeds every page position is used, and none beyond the page (size 10).
    const seen = new Set<number>();
    for (let seed = 0; seed < 200; seed++) for (const p of hotAt(randomMix({ Number: 2 }, cands(), seed)).slice(0, 2)) seen.add(p);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('random_position: NumberRate of the page, or one position drawn from Positions', () => {
    const cands = () => [...mk(['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10'], 'vector'), ...mk(['h1', 'h2', 'h3', 'h4'], 'hot')];
    for (let seed = 0; seed < 50; seed++) {
      const rate = hotAt(randomMix({ NumberRate: 0.3 }, cands(), seed, 10));
      assert.equal(rate.filter((p) => p <= 10).length, 3, `seed ${seed}: ${rate.join(',')}`);
      const within = hotAt(randomMix({ Positions: [2, 5, 9] }, cands(), seed, 10));
      assert.ok([2, 5, 9].includes(within[0] ?? 0), `seed ${seed}: ${within.join(',')}`);
    }
  });
});

describe('item fields of loaded features (FeatureConfs)', () => {
  const catalog = tinyCatalog([
    { category: 'a', popularity: 0.1 },
    { category: 'a', popularity: 0.9 },
    { category: 'b', popularity: 0.5 },
  ]);
  it('boost and diversity read c.features, which override the catalog', () => {
    const cands = candidatesOf(catalog, 'r1', [3, 2, 1]);
    (cands[2] as Candidate).features = { boost: 10 };
    (cands[0] as Candidate).features = { category: 'b' };
    const boosted = sortWith(
      { SortType: 'BoostScoreSort', BoostScoreConditions: [{ Expression: 'score + boost', Conditions: [{ Name: 'boost', Operator: 'greater', Value: 0 }] }] },
      cands,
      catalog,
    );
    assert.deepEqual(
      boosted.map((c) => [c.itemId, c.score]),
      [
        ['3', 11],
        ['1', 3],
        ['2', 2],
      ],
    );
    // Item 1's loaded category "b" (not the catalog's "a") is what diversity sees.
    const diverse = sortWith(
      { SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['category'], WindowSize: 2, FrequencySize: 1 }] },
      boosted,
      catalog,
    );
    assert.deepEqual(
      diverse.map((c) => c.itemId),
      ['3', '2', '1'],
    );
  });
});
