import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';
import { fastConfig } from '../helpers/fast-config.js';

/**
 * One lease per request: a caller that validated a request against the serving config
 * (the route checks `size` against ListenConf.MaxSize) hands its lease to recommend(),
 * which then runs on that snapshot even if a reload swapped another in meanwhile.
 */
describe('recommend() on a lease handed over by its caller', () => {
  it('runs on the leased snapshot after a reload removed its scene; without the lease, on the new one', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(fastConfig({ SceneConfs: { old_scene: { default: { RecallNames: ['hot_recall'] } } }, RankConf: {} }));
      const lease = engine.acquire();
      assert.ok(lease);
      await engine.reload(fastConfig({ SceneConfs: { new_scene: { default: { RecallNames: ['hot_recall'] } } }, RankConf: {} }));
      const request = recommendRequest({ sceneId: 'old_scene', size: 5 });
      const result = await recommend(engine, request, undefined, undefined, lease);
      assert.equal(result.items.length, 5);
      await assert.rejects(recommend(engine, request), (err: { code?: string }) => err.code === 'ERR_UNKNOWN_SCENE');
    } finally {
      await engine.close();
    }
  });

  it('releases the handed-over lease once the request settles: a reload then closes the old algorithms', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(fastConfig());
      const lease = engine.acquire();
      assert.ok(lease);
      const old = lease.snapshot.algorithms;
      await recommend(engine, recommendRequest({ sceneId: 'default_scene', size: 3 }), undefined, undefined, lease);
      // A changed LOOKUP conf rebuilds the algorithm; the old set drains at once since no lease holds it.
      await engine.reload(
        fastConfig({ AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity', DefaultScore: 0.5 } }] }),
      );
      // retire() again returns the drain of the set the reload retired: it settles only when no lease holds it.
      const drained = await Promise.race([old.retire().then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2000))]);
      assert.equal(drained, true, 'the lease was released');
    } finally {
      await engine.close();
    }
  });
});
