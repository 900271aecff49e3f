import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FILTER_TYPES } from '../../src/pipeline/filter/index.js';
import type { FilterConf } from '../../src/config/schema.js';
import type { AdjustCountConf } from '../../src/pipeline/filter/priority-adjust-count.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import { parseConfig } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { smallConfig } from '../helpers/config.js';
import { stageContext } from '../helpers/pipeline.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';

const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: 1 << 20 }) };
const candidate = (itemId: string, retrieveId: string, score: number): Candidate => ({ itemId, row: -1, retrieveId, recallScore: score, score });

async function run(conf: Partial<FilterConf> & { FilterType: string; readonly [key: string]: unknown }, cands: Candidate[]): Promise<Candidate[]> {
  const def = FILTER_TYPES.get(conf.FilterType);
  assert.ok(def, conf.FilterType);
  return def.create({ Name: 'f', TimeInterval: 86400, MaxItems: 1000, ...conf } as FilterConf, env)(cands, stageContext(undefined));
}

/** Candidates of recalls r0..r2 with distinct scores (no ties: the order is then fixed). */
const candidatesArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 10_000 }), { maxLength: 60 })
  .chain((scores) => fc.tuple(fc.constant(scores), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: scores.length, maxLength: scores.length })))
  .map(([scores, recalls]) => scores.map((s, i) => candidate(`i${i}`, `r${recalls[i] ?? 0}`, s)));

/** PaiRec's rule, written as a plain walk over each recall's best-first list. */
function reference(cands: readonly Candidate[], entries: readonly AdjustCountConf[]): string[] {
  const out: string[] = [];
  let acc = 0;
  for (const e of entries) {
    const mine = cands.filter((c) => c.retrieveId === e.RecallName).sort((a, b) => b.score - a.score);
    let n = e.Type === 'fix' ? e.Count : e.Count - acc;
    for (const c of mine) {
      if (n <= 0) break;
      out.push(c.itemId);
      n--;
      if (e.Type === 'accumulator') acc++;
    }
  }
  return out;
}

describe('AdjustCountFilter', () => {
  it('ShuffleItem false keeps the first RetainNum in order; fewer pass untouched (property)', async () => {
    await fc.assert(
      fc.asyncProperty(candidatesArb, fc.integer({ min: 1, max: 80 }), async (cands, keep) => {
        const out = await run({ FilterType: 'AdjustCountFilter', RetainNum: keep, ShuffleItem: false }, cands);
        assert.deepEqual(
          out.map((c) => c.itemId),
          cands.slice(0, keep).map((c) => c.itemId),
        );
      }),
    );
  });

  it('by default keeps a uniformly random RetainNum, each candidate once', async () => {
    const cands = Array.from({ length: 10 }, (_, i) => candidate(`i${i}`, 'r0', i));
    const seen = new Map<string, number>();
    const draws = 3000;
    for (let d = 0; d < draws; d++) {
      const out = await run({ FilterType: 'AdjustCountFilter', RetainNum: 3 }, cands);
      assert.equal(new Set(out.map((c) => c.itemId)).size, 3);
      for (const c of out) seen.set(c.itemId, (seen.get(c.itemId) ?? 0) + 1);
    }
    // Each of 10 is kept with probability 0.3: 900 of 3000 draws, σ ≈ 25.
    for (const c of cands) assert.ok(Math.abs((seen.get(c.itemId) ?? 0) - 900) < 150, `${c.itemId}: ${seen.get(c.itemId) ?? 0}`);
    assert.deepEqual(
      cands.map((c) => c.itemId),
      Array.from({ length: 10 }, (_, i) => `i${i}`),
      'the input list is not reordered',
    );
  });
});

describe('PriorityAdjustCountFilter', () => {
  const entryArb = fc.record({
    RecallName: fc.constantFrom('r0', 'r1', 'r2'),
    Count: fc.integer({ min: 1, max: 30 }),
    Type: fc.constantFrom<'fix' | 'accumulator'>('fix', 'accumulator'),
  });
  const entriesArb = fc.uniqueArray(entryArb, { minLength: 1, maxLength: 3, selector: (e) => e.RecallName });

  it('fix and accumulator entries take what PaiRec takes, best first per recall (property)', async () => {
    await fc.assert(
      fc.asyncProperty(candidatesArb, entriesArb, async (cands, entries) => {
        const out = await run({ FilterType: 'PriorityAdjustCountFilter', AdjustCountConfs: entries }, cands);
        assert.deepEqual(
          out.map((c) => c.itemId),
          reference(cands, entries),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('an accumulator counts only accumulator entries; a recall no entry names is dropped', async () => {
    const cands = [
      ...[9, 8, 7, 6].map((s, i) => candidate(`a${i}`, 'a', s)),
      ...[5, 4, 3].map((s, i) => candidate(`b${i}`, 'b', s)),
      ...[10, 1].map((s, i) => candidate(`c${i}`, 'c', s)),
      candidate('z', 'other', 100),
    ];
    const entries: AdjustCountConf[] = [
      { RecallName: 'c', Count: 1, Type: 'fix' },
      { RecallName: 'a', Count: 2, Type: 'accumulator' },
      { RecallName: 'b', Count: 4, Type: 'accumulator' },
    ];
    const out = await run({ FilterType: 'PriorityAdjustCountFilter', AdjustCountConfs: entries }, cands);
    assert.deepEqual(
      out.map((c) => c.itemId),
      ['c0', 'a0', 'a1', 'b0', 'b1'],
    );
  });
});

describe('count filters at config load', () => {
  const vocab = builtinVocabulary(createDefaultRegistry());
  const withFilters = (filters: unknown[]): unknown => ({ ...smallConfig('/tmp/x'), FilterConfs: filters });
  const pathsOf = (raw: unknown): string[] => {
    try {
      parseConfig(raw, vocab);
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.problems.map((p) => p.path ?? '');
    }
    return [];
  };

  it('accepts PaiRec’s keys and names each problem by path', () => {
    assert.deepEqual(
      pathsOf(
        withFilters([
          { Name: 'keep', FilterType: 'AdjustCountFilter', RetainNum: 200, ShuffleItem: false },
          {
            Name: 'prio',
            FilterType: 'PriorityAdjustCountFilter',
            AdjustCountConfs: [
              { RecallName: 'vector_recall', Count: 50, Type: 'fix' },
              { RecallName: 'hot_recall', Count: 100 },
            ],
          },
        ]),
      ),
      [],
    );
    assert.deepEqual(
      pathsOf(
        withFilters([
          { Name: 'keep', FilterType: 'AdjustCountFilter' },
          {
            Name: 'prio',
            FilterType: 'PriorityAdjustCountFilter',
            EnsureDiversity: true,
            AdjustCountConfs: [
              { RecallName: 'nope', Count: 5 },
              { RecallName: 'hot_recall', Count: 5 },
              { RecallName: 'hot_recall', Count: 5 },
            ],
          },
        ]),
      ),
      [
        '$.FilterConfs[0].RetainNum',
        '$.FilterConfs[1].EnsureDiversity',
        '$.FilterConfs[1].AdjustCountConfs[0].RecallName',
        '$.FilterConfs[1].AdjustCountConfs[2].RecallName',
      ],
    );
  });
});

describe('MockRecall through a scene', () => {
  it('serves RecallCount made-up items per request, new ones each time; PriorityAdjustCountFilter caps them', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload({
        RecallConfs: [
          { Name: 'mock_a', RecallType: 'MockRecall', RecallCount: 30 },
          { Name: 'mock_b', RecallType: 'MockRecall', RecallCount: 30 },
        ],
        FilterConfs: [
          {
            Name: 'quota',
            FilterType: 'PriorityAdjustCountFilter',
            AdjustCountConfs: [
              { RecallName: 'mock_a', Count: 5, Type: 'fix' },
              { RecallName: 'mock_b', Count: 8 },
            ],
          },
        ],
        FilterNames: { s: ['quota'] },
        SceneConfs: { s: { default: { RecallNames: ['mock_a', 'mock_b'] } } },
        SortNames: { s: ['ItemRankScore'] },
      });
      const first = await recommend(engine, recommendRequest({ uid: 'u1', sceneId: 's', size: 50 }));
      const second = await recommend(engine, recommendRequest({ uid: 'u1', sceneId: 's', size: 50 }));
      for (const { items } of [first, second]) {
        assert.equal(items.filter((c) => c.retrieveId === 'mock_a').length, 5);
        assert.equal(items.filter((c) => c.retrieveId === 'mock_b').length, 8);
        for (const c of items) {
          assert.match(c.itemId, /^\d+$/);
          assert.ok(Number(c.itemId) < 2 ** 32 && c.score >= 0 && c.score < 1);
        }
      }
      const again = new Set(first.items.map((c) => c.itemId));
      assert.ok(second.items.filter((c) => again.has(c.itemId)).length < 3, 'new items each request');
    } finally {
      await engine.close();
    }
  });
});
