import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { RedisServer } from '../helpers/redis.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { rowRecorderType } from '../helpers/row-recorder.js';
import type { RowLog } from '../helpers/row-recorder.js';

const skip = await skipUnlessInstalled('redis');

const DIM = 8;
const ITEMS = 600;
/** Every reply of the "slow" Redis is held this long: the user features and the u2i list. */
const DELAY_MS = 150;
const USERS = ['1', '2', '3'];
const userVector = (u: number): number[] => Array.from({ length: DIM }, (_, i) => Math.sin(u * 7 + i));

/** Two scenes alike but for AsynLoadFeature: user features and a u2i list behind a slow Redis, item features on a fast one. */
function config(slowPort: number, fastPort: number): Record<string, unknown> {
  const slow = { AdapterType: 'redis', RedisName: 'slow', CacheTime: 0 };
  const features = (asyn: boolean): Record<string, unknown> => ({
    AsynLoadFeature: asyn,
    FeatureLoadConfs: [
      // HMGET (declared Fields): the test counts these calls as user loads.
      {
        FeatureDaoConf: {
          ...slow,
          RedisPrefix: 'user:',
          FeatureStore: 'user',
          Fields: ['uvec', 'age'],
          Defaults: { age: -1 },
          Vectors: { uvec: { Dim: DIM } },
        },
      },
      // HGETALL: item features, after recall and filters in both scenes.
      { FeatureDaoConf: { AdapterType: 'redis', RedisName: 'fast', CacheTime: 0, RedisPrefix: 'item:', FeatureStore: 'item', Defaults: { boost: 0 } } },
    ],
  });
  const scene = { default: { RecallNames: ['vector', 'u2i', 'hot'] } };
  return {
    CatalogConf: { Source: 'demo', Demo: { Items: ITEMS, Users: 5, Dim: DIM, Clusters: 10, Categories: 3, Seed: 5 }, CacheDir: '' },
    RedisConfs: { slow: { Port: slowPort, ReadTimeout: 2000, ConnectTimeout: 300 }, fast: { Port: fastPort, ReadTimeout: 2000 } },
    AlgoConfs: [
      { Name: 'exact', Type: 'ANN', AnnConf: { Index: 'flat', Space: 'ip' } },
      { Name: 'model', Type: 'ROWS', RowsConf: { Features: { User: [{ Name: 'uvec', Dim: DIM }, { Name: 'age' }], Item: [{ Name: 'boost' }] } } },
    ],
    RecallConfs: [
      // Reads the user's loaded features: with AsynLoadFeature it awaits the stage's load.
      { Name: 'vector', RecallType: 'VectorRecall', RecallCount: 20, AlgoName: 'exact', UserEmbedding: { From: 'features', Field: 'uvec' } },
      // Independent of user features, as slow as them.
      { Name: 'u2i', RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'redis', RedisName: 'slow', RedisPrefix: 'u2i:' } },
      { Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 10 },
    ],
    SceneConfs: { sync: scene, asyn: scene },
    FeatureConfs: { sync: features(false), asyn: features(true) },
    RankConf: { sync: { RankAlgoList: ['model'] }, asyn: { RankAlgoList: ['model'] } },
    performance: { request_timeout_ms: 5000 },
  };
}

const request = (uid: string, sceneId: string): RecommendRequest => ({
  requestId: `r-${sceneId}-${uid}`,
  uid,
  size: 30,
  sceneId,
  category: 'default',
  features: {},
  debug: false,
});
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

describe('FeatureConfs AsynLoadFeature: user features load beside recall (real redis-server behind a slow proxy)', { skip }, () => {
  let redis: RedisServer;
  let proxy: FaultProxy;
  let admin: Redis;
  let engine: Engine;
  let metrics: EngineMetrics;
  const log: RowLog = { rows: [], invalid: 0 };

  /** HMGET calls the server answered since the last reset: the user feature reads. */
  const userReads = async (): Promise<number> => {
    const info = await admin.info('commandstats');
    return Number(/cmdstat_hmget:calls=(\d+)/.exec(info)?.[1] ?? 0);
  };
  /** One request: its answer, the model rows it fed, its duration in ms and its user reads. */
  const run = async (uid: string, sceneId: string): Promise<{ items: string[]; rows: number[][]; ms: number; reads: number }> => {
    await admin.config('RESETSTAT');
    log.rows.length = 0;
    const t = performance.now();
    const res = await recommend(engine, request(uid, sceneId));
    const ms = performance.now() - t;
    return { items: res.items.map((c) => `${c.itemId}/${c.retrieveId}/${c.score}`), rows: log.rows.map((r) => [...r]), ms, reads: await userReads() };
  };

  before(async () => {
    redis = await RedisServer.start();
    proxy = await FaultProxy.start(redis.port);
    proxy.replyDelayMs = DELAY_MS;
    admin = redis.client();
    const p = admin.pipeline();
    for (const u of USERS) {
      p.hset(`user:${u}`, { uvec: userVector(Number(u)).join(','), age: String(20 + Number(u)) });
      p.set(`u2i:${u}`, `${Number(u) * 10}:0.9,${Number(u) * 10 + 1}:0.5`);
    }
    for (let i = 1; i <= ITEMS; i += 3) p.hset(`item:${i}`, { boost: String(i % 7) });
    await p.exec();
    metrics = testMetrics();
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType(log));
    engine = new Engine({ registry, metrics, logger: silentLogger });
    await engine.reload(config(proxy.port, redis.port));
  });
  after(async () => {
    await engine?.close();
    admin?.disconnect();
    await proxy?.close();
    await redis?.stop();
  });

  it('the same answers and model rows; one user read instead of two; the request takes about max(recall, features), not their sum', async () => {
    // Warm-up: connections dialled, the index built, on both scenes.
    await run('1', 'sync');
    await run('1', 'asyn');
    const times = { sync: [] as number[], asyn: [] as number[] };
    for (let round = 0; round < 2; round++) {
      for (const uid of USERS) {
        // Interleaved, so both scenes see the same machine load.
        const a = await run(uid, 'sync');
        const b = await run(uid, 'asyn');
        assert.deepEqual(b.items, a.items, `user ${uid}: the same items, sources and scores`);
        assert.deepEqual(b.rows, a.rows, `user ${uid}: the model sees the same user and item features`);
        assert.equal(a.items.length, 30);
        assert.ok(
          a.items.some((s) => s.endsWith('/vector/1')),
          'the vector recall found the loaded user vector',
        );
        assert.ok(
          a.rows.some((r) => r[DIM] === 20 + Number(uid)),
          'the stored age reached the model',
        );
        assert.ok(
          a.rows.some((r) => (r[DIM + 1] ?? 0) > 0),
          'item features loaded after recall reached the model',
        );
        // The vector recall's own read and the features stage's; with AsynLoadFeature they are one.
        assert.equal(a.reads, 2, 'AsynLoadFeature false: the recall and the features stage each read the user');
        assert.equal(b.reads, 1, "AsynLoadFeature true: the recall awaited the features stage's read");
        times.sync.push(a.ms);
        times.asyn.push(b.ms);
      }
    }
    const [s, a] = [median(times.sync), median(times.asyn)];
    console.log(`AsynLoadFeature false: median ${s.toFixed(1)} ms, true: ${a.toFixed(1)} ms (reply delay ${DELAY_MS} ms), ${times.sync.length} requests each`);
    // Sequential: recall (≥ one delay) then the user load (one more). Overlapped: about one delay.
    assert.ok(s >= 2 * DELAY_MS, `false waits for recall, then the user features: ${s} ms`);
    assert.ok(a < 0.75 * s, `true overlaps them: ${a} ms against ${s} ms`);
  });

  it('a user with no stored features: the same answers (defaults, no user vector) in both modes', async () => {
    const a = await run('nobody', 'sync');
    const b = await run('nobody', 'asyn');
    assert.deepEqual(b.items, a.items);
    assert.deepEqual(b.rows, a.rows);
    assert.ok(
      a.rows.every((r) => r[DIM] === -1),
      'the declared default age',
    );
    assert.ok(!a.items.some((s) => s.includes('/vector/')), 'no user vector, no vector recall');
  });

  it('the slow Redis down: defaults, counted, the same answers in both modes, and nothing left unhandled', async () => {
    const failures = async (): Promise<number> =>
      (await metrics.redisFailures.get()).values.filter((v) => v.labels.redis === 'slow').reduce((n, v) => n + v.value, 0);
    // Closing the listener waits for its connections: they are dropped while it closes.
    const closing = proxy.setMode('refuse');
    proxy.dropAll();
    await closing;
    try {
      const before = await failures();
      const a = await run('2', 'sync');
      const b = await run('2', 'asyn');
      assert.deepEqual(b.items, a.items);
      assert.deepEqual(b.rows, a.rows);
      assert.ok(a.items.length > 0 && a.items.every((s) => s.includes('/hot/')), "the catalog's hot items still serve");
      assert.ok(
        a.rows.every((r) => r[DIM] === -1),
        'user features fell back to the defaults',
      );
      assert.ok((await failures()) > before, 'the failed reads are counted');
    } finally {
      await proxy.setMode('pass');
    }
  });
});
