import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRankStage } from '../../src/pipeline/rank.js';
import type { AlgorithmSet } from '../../src/algorithm/algorithm-set.js';
import { scoreInputSize } from '../../src/algorithm/contract.js';
import type { FeatureMap, ScoreInput } from '../../src/algorithm/contract.js';
import type { PipelineContext } from '../../src/pipeline/context.js';
import { candidatesOf, stageContext, tinyCatalog } from '../helpers/pipeline.js';

/** A rank context whose one score algorithm records the item maps it was given. */
function recordingContext(seen: FeatureMap[][], rowsSeen?: number[][]): PipelineContext {
  const catalog = tinyCatalog([{ category: 'a' }, { category: 'b' }, { category: 'c' }]);
  const algo = {
    name: 'm',
    run: (input: ScoreInput) => {
      seen.push([...input.items]);
      if (input.rows) rowsSeen?.push([...input.rows.rows]);
      return Promise.resolve(Array.from({ length: scoreInputSize(input) }, (_, i) => ({ score: i })));
    },
  };
  return {
    ...stageContext(catalog),
    algorithms: { get: () => algo } as unknown as AlgorithmSet,
    itemFeatures: (c) => ({ ...catalog.itemFeatureMap(c.row), recall_score: c.recallScore, ...c.features }),
  };
}

describe('rank: item feature maps', () => {
  const conf = { RankAlgoList: ['m'], BatchCount: 100 };

  it('hands the catalog’s shared per-row maps to an algorithm that declares it reads catalog features only', async () => {
    const seen: FeatureMap[][] = [];
    const ctx = recordingContext(seen);
    const cands = candidatesOf(ctx.catalog ?? tinyCatalog([]));
    await createRankStage(conf, () => ({ features: ['embedding', 'category'], rows: false }))(cands, ctx);
    seen[0]?.forEach((m, i) => assert.equal(m, ctx.catalog?.itemFeatureMap(i)));
    assert.equal(seen[0]?.[1]?.category, 'b');
  });

  it('builds a map per candidate when the algorithm reads recall_score, declares nothing, or the candidate has request features', async () => {
    for (const reads of [() => ({ features: ['embedding', 'recall_score'], rows: true }), () => undefined]) {
      const seen: FeatureMap[][] = [];
      const ctx = recordingContext(seen);
      await createRankStage(conf, reads)(candidatesOf(ctx.catalog ?? tinyCatalog([]), 'r', [7, 8, 9]), ctx);
      assert.deepEqual(
        seen[0]?.map((m) => m.recall_score),
        [7, 8, 9],
      );
    }
    const seen: FeatureMap[][] = [];
    const ctx = recordingContext(seen);
    const cands = candidatesOf(ctx.catalog ?? tinyCatalog([]));
    const first = cands[0];
    if (first) first.features = { category: 'from-redis' };
    await createRankStage(conf, () => ({ features: ['category'], rows: true }))(cands, ctx);
    assert.equal(seen[0]?.[0]?.category, 'from-redis');
    assert.equal(seen[0]?.[1], ctx.catalog?.itemFeatureMap(1));
  });

  it('hands plain catalog candidates as rows to an algorithm that reads rows, in batches, and scores them in order', async () => {
    const seen: FeatureMap[][] = [];
    const rowsSeen: number[][] = [];
    const ctx = recordingContext(seen, rowsSeen);
    const cands = candidatesOf(ctx.catalog ?? tinyCatalog([])).reverse();
    await createRankStage({ RankAlgoList: ['m'], BatchCount: 2 }, () => ({ features: ['embedding'], rows: true }))(cands, ctx);
    assert.deepEqual(rowsSeen, [[2, 1], [0]]);
    assert.deepEqual(seen, [[], []]);
    assert.deepEqual(
      cands.map((c) => c.score),
      [0, 1, 0],
    );
  });
});

describe('rank: maps or rows, per algorithm and candidate', () => {
  it('an algorithm that declares nothing gets per-candidate maps even when another declares catalog features', async () => {
    const seen: FeatureMap[][] = [];
    const ctx = recordingContext(seen);
    const cands = candidatesOf(ctx.catalog ?? tinyCatalog([]), 'r', [7, 8, 9]);
    await createRankStage({ RankAlgoList: ['a', 'b'], BatchCount: 100 }, (n) => (n === 'a' ? { features: ['category'], rows: false } : undefined))(cands, ctx);
    assert.deepEqual(
      seen.map((maps) => maps.map((m) => m.recall_score)),
      [
        [7, 8, 9],
        [7, 8, 9],
      ],
    );
  });

  it('a candidate outside the catalog, or a context without one, is ranked on maps, never as a row', async () => {
    const seen: FeatureMap[][] = [];
    const rowsSeen: number[][] = [];
    const ctx = recordingContext(seen, rowsSeen);
    const cands = [...candidatesOf(ctx.catalog ?? tinyCatalog([])), { itemId: 'ext', row: -1, retrieveId: 'r', recallScore: 5, score: 5 }];
    const rank = createRankStage({ RankAlgoList: ['m'], BatchCount: 100 }, () => ({ features: ['category'], rows: true }));
    await rank(cands, ctx);
    assert.deepEqual(rowsSeen, []);
    assert.deepEqual(
      seen[0]?.map((m) => m.recall_score),
      [undefined, undefined, undefined, 5],
    );
    seen.length = 0;
    await rank(candidatesOf(ctx.catalog ?? tinyCatalog([])), { ...ctx, catalog: undefined });
    assert.deepEqual(rowsSeen, []);
    assert.equal(seen[0]?.length, 3);
  });

  it('rows in batches: as many calls as batches, no empty one', async () => {
    const seen: FeatureMap[][] = [];
    const rowsSeen: number[][] = [];
    const ctx = recordingContext(seen, rowsSeen);
    const cands = candidatesOf(ctx.catalog ?? tinyCatalog([])).slice(0, 2);
    await createRankStage({ RankAlgoList: ['m'], BatchCount: 2 }, () => ({ features: [], rows: true }))(cands, ctx);
    assert.deepEqual(rowsSeen, [[0, 1]]);
  });
});
