import assert from 'node:assert/strict';
import { smallConfig } from './config.js';
import type { ServerProcess } from './server-process.js';

/** Shared by the single-node and cluster Redis tests. */
export interface Body {
  items: { item_id: string; score: number }[];
}

export const TIMEOUT_MS = 1000;

/** The small config on one Redis: Redis exposures for default_scene, Redis item features for hot_scene. */
export function redisConfig(redis: Record<string, unknown>): Record<string, unknown> {
  const base = smallConfig();
  return {
    ...base,
    AlgoConfs: [...(base.AlgoConfs as unknown[]), { Name: 'boost_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'boost' } }],
    RedisConfs: { main: redis },
    FilterConfs: [
      {
        Name: 'redis_exposure',
        FilterType: 'User2ItemExposureFilter',
        TimeInterval: 3600,
        MaxItems: 500,
        DaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'exp:' },
      },
    ],
    FilterNames: { default_scene: ['UniqueFilter', 'redis_exposure'] },
    FeatureConfs: {
      hot_scene: {
        FeatureLoadConfs: [
          // CacheTime 0: the test changes Redis and wants the next request to see it.
          { FeatureDaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'item:', FeatureStore: 'item', Defaults: { boost: 0 }, CacheTime: 0 } },
          { FeatureDaoConf: { AdapterType: 'redis', RedisName: 'main', RedisPrefix: 'user:', FeatureStore: 'user', CacheTime: 0 } },
        ],
      },
    },
    RankConf: {
      default_scene: { RankAlgoList: ['similarity_lookup', 'popularity_lookup'] },
      hot_scene: { RankAlgoList: ['boost_lookup'] },
    },
    performance: { request_timeout_ms: TIMEOUT_MS },
  };
}

export async function recommend(server: ServerProcess, uid: string, scene = 'default_scene', size = 10): Promise<Body> {
  const res = await server.post('/api/recommend', JSON.stringify({ uid, size, scene_id: scene }));
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Body;
}

/** A hot_scene item boosted in Redis comes first; the rest keep their default boost 0. */
export async function assertFeatureRanking(server: ServerProcess, hset: (key: string, field: string, value: string) => Promise<unknown>): Promise<void> {
  const first = await recommend(server, 'u-feat', 'hot_scene', 20);
  assert.equal(first.items.length, 20);
  const last = first.items.at(-1)?.item_id ?? '';
  assert.notEqual(first.items[0]?.item_id, last);
  await hset(`item:${last}`, 'boost', '100');
  const second = await recommend(server, 'u-feat', 'hot_scene', 20);
  assert.equal(second.items[0]?.item_id, last);
  assert.equal(second.items[0]?.score, 100);
}
