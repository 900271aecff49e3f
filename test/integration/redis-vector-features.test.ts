import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { encodeFloat32LE } from '../../src/features/vector-value.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { rowRecorderType } from '../helpers/row-recorder.js';
import type { RowLog } from '../helpers/row-recorder.js';

const skip = await skipUnlessInstalled('redis');

const ITEMS = 20;
/** Item k's three vectors, stored comma-separated, space-separated and packed. */
const comma = (k: number): number[] => [k, k + 0.5, -k, 1 / k];
const space = (k: number): number[] => [2 * k, 0.25, k / 7, -3];
const packed = (k: number): number[] => [k / 3, -0.125, 1e-3 * k, 42];
const USER = [0.1, 0.2, 0.3, 0.4, 0.5];
/** Items whose stored value is bad: a garbage token, and a packed vector one float short. */
const BAD_TEXT = 3;
const BAD_BINARY = 4;

function config(port: number): Record<string, unknown> {
  const dao = { AdapterType: 'redis', RedisName: 'main', CacheTime: 0 };
  return {
    CatalogConf: { Demo: { Items: ITEMS, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    RedisConfs: { main: { Port: port, ReadTimeout: 1000 } },
    AlgoConfs: [
      {
        Name: 'model',
        Type: 'ROWS',
        RowsConf: {
          Features: {
            User: [{ Name: 'uvec', Dim: 5 }],
            Item: [{ Name: 'n' }, { Name: 'ec', Dim: 4, Default: -9 }, { Name: 'es', Dim: 4 }, { Name: 'eb', Dim: 4, Default: -8 }],
          },
        },
      },
    ],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: ITEMS }],
    SceneConfs: { s: { default: { RecallNames: ['hot'] } }, cached: { default: { RecallNames: ['hot'] } } },
    FeatureConfs: {
      s: {
        FeatureLoadConfs: [
          // HGETALL, read as buffers because one field is packed. `es` is not declared: the
          // model reads it at Dim 4, so it is parsed as text at that length.
          { FeatureDaoConf: { ...dao, RedisPrefix: 'item:', FeatureStore: 'item', Vectors: { ec: { Dim: 4 }, eb: { Dim: 4, Format: 'float32le' } } } },
          // HMGET of declared Fields, as buffers.
          {
            FeatureDaoConf: { ...dao, RedisPrefix: 'user:', FeatureStore: 'user', Fields: ['uvec', 'age'], Vectors: { uvec: { Dim: 5, Format: 'float32le' } } },
          },
        ],
      },
      // The same item hashes through the local cache.
      cached: {
        FeatureLoadConfs: [
          {
            FeatureDaoConf: {
              ...dao,
              CacheTime: 60,
              RedisPrefix: 'item:',
              FeatureStore: 'item',
              Vectors: { ec: { Dim: 4 }, es: { Dim: 4 }, eb: { Dim: 4, Format: 'float32le' } },
            },
          },
        ],
      },
    },
    RankConf: { s: { RankAlgoList: ['model'] }, cached: { RankAlgoList: ['model'] } },
  };
}

const request: RecommendRequest = { requestId: 'r', uid: '1', size: ITEMS, sceneId: 's', category: 'default', features: {}, debug: true };

describe('vector features from Redis hashes (real redis-server)', { skip }, () => {
  let redis: RedisServer;
  let admin: Redis;
  let engine: Engine;
  let metrics: EngineMetrics;
  const log: RowLog = { rows: [], invalid: 0 };

  before(async () => {
    redis = await RedisServer.start();
    admin = redis.client();
    const p = admin.pipeline();
    for (let k = 1; k <= ITEMS; k++) {
      p.hset(`item:${k}`, {
        n: String(k),
        ec: k === BAD_TEXT ? '1,2,x,4' : comma(k).join(','),
        es: space(k).join(' '),
        eb: k === BAD_BINARY ? encodeFloat32LE(packed(k).slice(0, 3)) : encodeFloat32LE(packed(k)),
      });
    }
    p.hset('user:1', { uvec: encodeFloat32LE(USER), age: '31' });
    await p.exec();
    metrics = testMetrics();
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType(log));
    engine = new Engine({ registry, metrics, logger: silentLogger });
    await engine.reload(config(redis.port));
  });
  after(async () => {
    await engine?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  it('comma, space (undeclared, read by the model) and packed float32 vectors reach the model rows exactly; a bad one is the spec default, counted and named in debug', async () => {
    const { items, trace } = await recommend(engine, request);
    assert.equal(items.length, ITEMS);
    assert.equal(log.rows.length, ITEMS);
    const f32 = (a: readonly number[]): number[] => a.map(Math.fround);
    const seen = new Set<number>();
    for (const row of log.rows) {
      const k = row[5] as number;
      seen.add(k);
      const ec = k === BAD_TEXT ? [-9, -9, -9, -9] : f32(comma(k));
      const eb = k === BAD_BINARY ? [-8, -8, -8, -8] : f32(packed(k));
      assert.deepEqual(Array.from(row), [...f32(USER), k, ...ec, ...f32(space(k)), ...eb], `row of item ${k}`);
    }
    assert.equal(seen.size, ITEMS);
    assert.equal(log.invalid, 0, 'a bad stored vector is left out, not handed to the model as a string');

    const notes = trace?.find((s) => s.stage === 'features')?.errors?.join('\n') ?? '';
    assert.match(notes, /feature "ec" \(item\): malformed: value 2 "x" is not a number; default used for 1 item\(s\), e.g. 3/);
    assert.match(notes, /feature "eb" \(item\): wrong_length: expected 16 bytes \(4 float32\), got 12; default used for 1 item\(s\), e.g. 4/);
    const counts = (await metrics.featureDefaults.get()).values.map((v) => `${v.labels.source} ${v.labels.feature} ${v.labels.reason} ${v.value}`).sort();
    assert.deepEqual(counts, ['redis eb wrong_length 1', 'redis ec malformed 1']);

    // Counted each time the default stands in, not only when first read.
    await recommend(engine, request);
    const again = (await metrics.featureDefaults.get()).values.map((v) => v.value);
    assert.deepEqual(again, [2, 2]);
  });

  it('a bad vector served from the local cache is counted and named each time too', async () => {
    const total = async (): Promise<number> => (await metrics.featureDefaults.get()).values.reduce((n, v) => n + v.value, 0);
    const before = await total();
    for (let i = 0; i < 3; i++) {
      const { trace } = await recommend(engine, { ...request, sceneId: 'cached' });
      assert.match(trace?.find((t) => t.stage === 'features')?.errors?.join('\n') ?? '', /feature "ec" \(item\): malformed/);
    }
    assert.equal((await total()) - before, 6, 'two bad items, three requests (two of them from the cache)');
  });
});
