import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { bucketOf } from '../../src/experiment/buckets.js';
import { recommendRequest } from '../helpers/request.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { smallConfig } from '../helpers/config.js';
import { exp, withExperiments } from '../helpers/experiments.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'pairec-exp-routing-'));
const newEngine = (): Engine => new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });

/** The first catalog user (1..200) whose layer buckets fall in the given halves. */
function uidIn(l1: 'A' | 'B', l2: 'A' | 'B'): string {
  for (let i = 1; i <= 200; i++) {
    const uid = String(i);
    if (bucketOf('L1', uid, 100) < 50 === (l1 === 'A') && bucketOf('L2', uid, 100) < 50 === (l2 === 'A')) return uid;
  }
  throw new Error('no such uid');
}

/** Item ids and scores of a request, to compare two engines' answers exactly. */
async function answer(engine: Engine, uid: string): Promise<{ id: string; items: string }> {
  const r = await recommend(engine, recommendRequest({ uid, size: 20 }));
  return { id: r.experimentId, items: JSON.stringify(r.items.map((c) => [c.itemId, c.retrieveId, c.score])) };
}

describe('experiment routing', () => {
  const withAb = newEngine();
  /** The scene's config with an arm's parameters written into it by hand: what that arm must serve. */
  const popularityRank = newEngine();
  const fewHot = newEngine();
  const plain = newEngine();

  before(async () => {
    await withAb.reload(withExperiments(() => undefined, cacheDir));
    const p = smallConfig(cacheDir);
    p.RankConf = { default_scene: { RankAlgoList: ['popularity_lookup'] } };
    p.RecallConfs = [
      { Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 100, AlgoName: 'item_ann' },
      { Name: 'hot_recall', RecallType: 'UserGlobalHotRecall', RecallCount: 10 },
    ];
    await popularityRank.reload(p);
    const h = smallConfig(cacheDir);
    h.RecallConfs = p.RecallConfs;
    await fewHot.reload(h);
    await plain.reload(smallConfig(cacheDir));
  });
  after(() => Promise.all([withAb, popularityRank, fewHot, plain].map((e) => e.close())));

  it('serves each arm exactly what a config with its parameters written in serves', async () => {
    // E2 (rank by popularity) + E3 (hot_recall 10 items).
    const b = uidIn('B', 'A');
    assert.deepEqual(await answer(withAb, b), { id: 'ER1_L1#EG1#E2_L2#EG2#E3', items: (await answer(popularityRank, b)).items });
    // E1 (the scene's own rank) + E3.
    const a = uidIn('A', 'A');
    assert.deepEqual(await answer(withAb, a), { id: 'ER1_L1#EG1#E1_L2#EG2#E3', items: (await answer(fewHot, a)).items });
    // E1 + E4: no parameters at all, the scene's own pipeline.
    const base = uidIn('A', 'B');
    assert.deepEqual(await answer(withAb, base), { id: 'ER1_L1#EG1#E1_L2#EG2#E4', items: (await answer(plain, base)).items });
    // Layer 1 is for default_scene only; layer 2 (no Scenes) applies to every scene.
    assert.equal((await recommend(withAb, recommendRequest({ uid: a, sceneId: 'hot_scene' }))).experimentId, 'ER1_L2#EG2#E3');
  });

  it('kill switches: a stopped experiment sends its users to the group base; Enabled false turns every experiment off', async () => {
    const engine = newEngine();
    try {
      const b = uidIn('B', 'B');
      await engine.reload(withExperiments((ab) => (exp(ab, 0, 1).Status = 'stopped'), cacheDir));
      assert.deepEqual(await answer(engine, b), { id: 'ER1_L1#EG1_L2#EG2#E4', items: (await answer(plain, b)).items });
      await engine.reload(withExperiments((ab) => (ab.Enabled = false), cacheDir));
      assert.deepEqual(await answer(engine, b), { id: '', items: (await answer(plain, b)).items });
    } finally {
      await engine.close();
    }
  });

  it('a debug uid gets its experiment whatever its bucket; a group filter keeps others out of the layer', async () => {
    const engine = newEngine();
    try {
      const a = uidIn('A', 'A');
      await engine.reload(
        withExperiments((ab) => {
          exp(ab, 0, 1).DebugUsers = [a];
          ((ab.Layers[1] as { ExperimentGroups: Record<string, unknown>[] }).ExperimentGroups[0] as Record<string, unknown>).Filter = 'features.os == "ios"';
        }, cacheDir),
      );
      assert.equal((await answer(engine, a)).id, 'ER1_L1#EG1#E2');
      const ios = await recommend(engine, recommendRequest({ uid: a, features: { os: 'ios' } }));
      assert.equal(ios.experimentId, 'ER1_L1#EG1#E2_L2#EG2#E3');
    } finally {
      await engine.close();
    }
  });
});
