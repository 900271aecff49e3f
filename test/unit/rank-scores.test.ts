import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRankStage } from '../../src/pipeline/rank.js';
import type { UserVectorChecks } from '../../src/pipeline/rank.js';
import type { AlgorithmSet } from '../../src/algorithm/algorithm-set.js';
import type { AlgoResponse, FeatureMap, ScoreInput } from '../../src/algorithm/contract.js';
import type { UserVectorFault } from '../../src/features/vector-checks.js';
import type { Candidate, PipelineContext } from '../../src/pipeline/context.js';
import { PairecError } from '../../src/errors.js';
import { stageContext } from '../helpers/pipeline.js';

/**
 * Rank's scores: which algorithm's score becomes the item's, what goes into the score map,
 * RankScore over it, batches put back in order, a wrong count refused, and the user
 * vectors left out before the models see them. Scores are computed from the item ids by
 * the fake models, so every expected value is worked out by hand.
 */
type Model = (item: FeatureMap) => AlgoResponse;

function context(models: Record<string, Model>, calls: ScoreInput[] = [], user: FeatureMap = {}): PipelineContext {
  const get = (name: string) => ({
    name,
    run: (input: ScoreInput) => {
      calls.push(input);
      const model = models[name] as Model;
      return Promise.resolve(input.items.map(model));
    },
  });
  return {
    ...stageContext(undefined),
    algorithms: { get } as unknown as AlgorithmSet,
    itemFeatures: (c) => ({ item_id: c.itemId, n: Number(c.itemId) }),
    userFeatures: user,
  };
}
const cands = (n: number): Candidate[] => Array.from({ length: n }, (_, i) => ({ itemId: String(i + 1), row: -1, retrieveId: 'r', recallScore: 0, score: 0 }));
const n = (m: FeatureMap): number => m.n as number;

describe('rank scores', () => {
  it('no candidates: no call', async () => {
    const calls: ScoreInput[] = [];
    assert.deepEqual(await createRankStage({ RankAlgoList: ['a'], BatchCount: 10 })([], context({ a: () => ({ score: 1 }) }, calls)), []);
    assert.equal(calls.length, 0);
  });

  it('one algorithm: its score, in batches of BatchCount put back in order, no score map', async () => {
    const calls: ScoreInput[] = [];
    const cs = cands(5);
    await createRankStage({ RankAlgoList: ['a'], BatchCount: 2 })(cs, context({ a: (m) => ({ score: n(m) * 10 }) }, calls));
    assert.deepEqual(
      cs.map((c) => c.score),
      [10, 20, 30, 40, 50],
    );
    assert.deepEqual(
      calls.map((c) => c.items.map(n)),
      [[1, 2], [3, 4], [5]],
    );
    assert.ok(cs.every((c) => c.scoreMap === undefined));
    const one = cands(2);
    await createRankStage({ RankAlgoList: ['a'], BatchCount: 2 })(one, context({ a: (m) => ({ score: n(m) }) }, calls));
    assert.deepEqual(
      one.map((c) => c.score),
      [1, 2],
    );
  });

  it('several algorithms: the first one’s score; each one’s score and sub-scores in the map', async () => {
    const cs = cands(3);
    const models = { a: (m: FeatureMap) => ({ score: n(m) }), b: (m: FeatureMap) => ({ score: -n(m), scoreMap: { ctr: n(m) / 10 } }) };
    await createRankStage({ RankAlgoList: ['a', 'b'], BatchCount: 2 })(cs, context(models));
    assert.deepEqual(
      cs.map((c) => c.score),
      [1, 2, 3],
    );
    assert.deepEqual(cs[2]?.scoreMap, { a: 3, b: -3, 'b.ctr': 0.3 });
    const single = cands(1);
    await createRankStage({ RankAlgoList: ['b'], BatchCount: 2 })(single, context(models));
    assert.deepEqual(single[0]?.scoreMap, { b: -1, 'b.ctr': 0.1 });
  });

  it('RankScore combines the map; a missing entry or a non-finite result scores 0', async () => {
    const cs = cands(3);
    const models = {
      a: (m: FeatureMap) => ({ score: n(m) }),
      b: (m: FeatureMap) => ({ score: n(m) === 2 ? Number.NaN : 0.5, ...(n(m) === 3 ? {} : { scoreMap: { x: 4 } }) }),
    };
    await createRankStage({ RankAlgoList: ['a', 'b'], BatchCount: 10, RankScore: 'a * 2 + b + b.x' })(cs, context(models));
    assert.deepEqual(
      cs.map((c) => c.score),
      [2 + 0.5 + 4, 0, 0],
    );
    const alone = cands(2);
    await createRankStage({ RankAlgoList: ['a'], BatchCount: 10, RankScore: 'a * a' })(alone, context(models));
    assert.deepEqual(
      alone.map((c) => [c.score, c.scoreMap]),
      [
        [1, { a: 1 }],
        [4, { a: 2 }],
      ],
    );
  });

  it('a model that returns another number of scores than items is an error naming it', async () => {
    const short = { get: () => ({ run: () => Promise.resolve([{ score: 1 }]) }) } as unknown as AlgorithmSet;
    const ctx = { ...context({}), algorithms: short };
    await assert.rejects(
      createRankStage({ RankAlgoList: ['m'], BatchCount: 10 })(cands(3), ctx),
      (e: unknown) => e instanceof PairecError && e.code === 'ERR_ALGORITHM_INPUT' && e.message === '"m" returned 1 scores for 3 items',
    );
    const twice = { get: () => ({ run: () => Promise.resolve([{ score: 1 }, { score: 2 }]) }) } as unknown as AlgorithmSet;
    await assert.rejects(
      createRankStage({ RankAlgoList: ['m'], BatchCount: 1 })(cands(3), { ...ctx, algorithms: twice }),
      /^PairecError: "m" returned 6 scores for 3 items$|"m" returned 6 scores for 3 items/,
    );
  });

  it('a user vector of the wrong length is left out, counted and noted; a good one is passed as is', async () => {
    const faults: UserVectorFault[] = [];
    const vectors: UserVectorChecks = { dimsOf: (a) => (a === 'a' ? new Map([['emb', 3]]) : undefined), count: (f) => faults.push(f) };
    const calls: ScoreInput[] = [];
    const user = { emb: Float32Array.of(1, 2), age: 3 };
    const ctx = context({ a: () => ({ score: 1 }), b: () => ({ score: 2 }) }, calls, user);
    const notes = await createRankStage({ RankAlgoList: ['a', 'b'], BatchCount: 10 }, undefined, vectors)(cands(1), ctx);
    assert.deepEqual(
      calls.map((c) => c.user),
      [{ age: 3 }, { age: 3 }],
    );
    assert.deepEqual(
      faults.map((f) => [f.feature, f.source, f.reason]),
      [['emb', 'stored', 'wrong_length']],
    );
    assert.deepEqual(notes, ['user feature "emb" (stored): wrong_length: expected 3 values, got 2; the model\'s default used']);
    const good = { emb: Float32Array.of(1, 2, 3) };
    const calls2: ScoreInput[] = [];
    assert.deepEqual(
      await createRankStage({ RankAlgoList: ['a'], BatchCount: 10 }, undefined, vectors)(cands(1), context({ a: () => ({ score: 1 }) }, calls2, good)),
      [],
    );
    assert.equal(calls2[0]?.user, good);
    // No model reads a vector: the user's features go through untouched.
    const none: UserVectorChecks = { dimsOf: () => undefined, count: () => assert.fail('nothing to count') };
    const calls3: ScoreInput[] = [];
    await createRankStage({ RankAlgoList: ['a'], BatchCount: 10 }, undefined, none)(cands(1), context({ a: () => ({ score: 1 }) }, calls3, user));
    assert.equal(calls3[0]?.user, user);
  });
});
