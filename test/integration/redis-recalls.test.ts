import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { RECALL_TYPES } from '../../src/pipeline/recall/index.js';
import type { RecallConf } from '../../src/config/schema.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { freePort } from '../helpers/ports.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { stageContext } from '../helpers/pipeline.js';
import { recommendRequest } from '../helpers/request.js';

const skip = await skipUnlessInstalled('redis');

const request = (uid: string, sceneId: string, features: Record<string, string> = {}): RecommendRequest =>
  recommendRequest({ uid, size: 20, sceneId, features, debug: true });

function config(port: number, deadPort: number): Record<string, unknown> {
  const redis = (name: string) => ({ AdapterType: 'redis', RedisName: name });
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    RedisConfs: { main: { Port: port, ReadTimeout: 1000 }, dead: { Port: deadPort, ConnectTimeout: 200 } },
    RecallConfs: [
      { Name: 'custom', RecallType: 'UserCustomRecall', DaoConf: { ...redis('main'), RedisPrefix: 'u2i:' } },
      { Name: 'custom_dead', RecallType: 'UserCustomRecall', DaoConf: { ...redis('dead'), RedisPrefix: 'u2i:' } },
      {
        Name: 'icf',
        RecallType: 'UserCollaborativeFilterRecall',
        Timeout: 200,
        UserCollaborativeDaoConf: { ...redis('main'), User2ItemTable: 'hist:', Item2ItemTable: 'i2i:', Normalization: 'off' },
      },
      { Name: 'group', RecallType: 'UserGroupHotRecall', RecallCount: 5, DaoConf: { ...redis('main'), RedisPrefix: 'grp:', RedisDataType: 'zset' } },
      { Name: 'group_mem', RecallType: 'UserGroupHotRecall', RecallCount: 5 },
    ],
    SceneConfs: {
      s_custom: { default: { RecallNames: ['custom', 'group_mem'] } },
      s_icf: { default: { RecallNames: ['icf', 'group_mem'] } },
      s_group: { default: { RecallNames: ['group'] } },
      s_dead: { default: { RecallNames: ['custom_dead', 'group_mem'] } },
      s_feat: { default: { RecallNames: ['group_mem'] } },
    },
    // Redis item features, and a condition over one of them: it runs after the features stage.
    FeatureConfs: {
      s_feat: {
        FeatureLoadConfs: [
          { FeatureDaoConf: { ...redis('main'), RedisPrefix: 'feat:', FeatureStore: 'item', Fields: ['stock'], Defaults: { stock: 1 }, CacheTime: 0 } },
        ],
      },
    },
    FilterConfs: [{ Name: 'in_stock', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'stock > 0' }],
    FilterNames: { s_feat: ['in_stock'] },
    performance: { request_timeout_ms: 3000 },
  };
}

describe('Redis recall sources (real redis-server)', { skip }, () => {
  let redis: RedisServer;
  let admin: Redis;
  let engine: Engine;
  let metrics: EngineMetrics;

  before(async () => {
    redis = await RedisServer.start();
    admin = redis.client();
    metrics = testMetrics();
    engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    await engine.reload(config(redis.port, await freePort()));
  });
  after(async () => {
    await engine?.close();
    admin?.disconnect();
    await redis?.stop();
  });

  const bySource = (items: readonly { itemId: string; retrieveId: string; recallScore: number }[], name: string) =>
    items.filter((c) => c.retrieveId === name).map((c) => [c.itemId, c.recallScore]);

  it('UserCustomRecall: the user\'s "item:score,…" string, in stored order; a user without a key adds nothing', async () => {
    await admin.set('u2i:u1', '3:0.9,1:0.5,x9');
    const res = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.deepEqual(bySource(res.items, 'custom'), [
      ['3', 0.9],
      ['1', 0.5],
      ['x9', 0],
    ]);
    assert.equal(bySource(res.items, 'group_mem').length, 5, 'the other source still answers');
    const none = await recommend(engine, request('nobody', 's_custom', { category: 'cat_1' }));
    assert.deepEqual(bySource(none.items, 'custom'), []);
    assert.equal(none.trace?.[0]?.errors, undefined, 'a missing user is not an error');
  });

  it('UserCollaborativeFilterRecall: neighbours of the recent items, weights × similarities summed, history left out', async () => {
    await admin.del('hist:u2');
    await admin.lpush('hist:u2', '10', '20:2'); // newest first: 20 (weight 2), then 10
    await admin.set('i2i:10', '11:0.9,12:0.5,20:1');
    await admin.set('i2i:20', '12:0.4,13:0.1');
    const res = await recommend(engine, request('u2', 's_icf'));
    const got = bySource(res.items, 'icf');
    assert.deepEqual(
      got.map(([id]) => id),
      ['12', '11', '13'],
    );
    assert.ok(Math.abs(Number(got[0]?.[1]) - 1.3) < 1e-9 && Math.abs(Number(got[2]?.[1]) - 0.2) < 1e-9, JSON.stringify(got));
  });

  it('UserCollaborativeFilterRecall reads the neighbours of all history items in one pipeline (two round trips in all)', async () => {
    const history = Array.from({ length: 8 }, (_, i) => String(30 + i));
    await admin.del('hist:u3');
    await admin.rpush('hist:u3', ...history);
    for (const h of history) await admin.set(`i2i:${h}`, `${Number(h) + 10}:1`);
    const client = redis.client();
    await client.ping(); // connected: the handshake's commands are not counted
    const calls: string[] = [];
    const pipeline = client.pipeline.bind(client);
    client.pipeline = ((...a: Parameters<typeof client.pipeline>) => {
      calls.push('pipeline');
      return pipeline(...a);
    }) as typeof client.pipeline;
    client.sendCommand = ((orig) =>
      ((cmd: Parameters<typeof orig>[0], ...rest: unknown[]) => {
        calls.push(cmd.name);
        return (orig as (...a: unknown[]) => unknown)(cmd, ...rest);
      }) as typeof orig)(client.sendCommand.bind(client));
    try {
      const def = RECALL_TYPES.get('UserCollaborativeFilterRecall');
      assert.ok(def);
      const conf = {
        Name: 'icf',
        RecallType: 'UserCollaborativeFilterRecall',
        RecallCount: 50,
        UserCollaborativeDaoConf: {
          AdapterType: 'redis',
          RedisName: 'main',
          User2ItemTable: 'hist:',
          Item2ItemTable: 'i2i:',
          User2ItemDataType: 'list',
          Item2ItemDataType: 'string',
          TriggerCount: 20,
          Normalization: 'on',
        },
      } as RecallConf;
      const src = def.create(conf, { catalog: undefined, redis: () => client });
      const out = await src.recall(stageContext(undefined, 'u3'));
      assert.equal(out.length, 8);
      assert.deepEqual(calls.filter((c) => c === 'pipeline').length, 2);
      // The pipelines' commands go out together: one lrange, then eight gets in the second pipeline.
      assert.deepEqual(
        calls.filter((c) => c !== 'pipeline'),
        ['lrange', ...history.map(() => 'get')],
      );
    } finally {
      client.disconnect();
    }
  });

  it('UserGroupHotRecall from a Redis sorted set per group, highest score first', async () => {
    await admin.zadd('grp:cat_1', 5, '7', 3, '8', 9, '9');
    const res = await recommend(engine, request('u4', 's_group', { category: 'cat_1' }));
    assert.deepEqual(bySource(res.items, 'group'), [
      ['9', 9],
      ['7', 5],
      ['8', 3],
    ]);
  });

  it('a ConditionFilter sees item features loaded from Redis (it runs after the features stage)', async () => {
    const first = await recommend(engine, request('u5', 's_feat', { category: 'cat_1' }));
    assert.equal(first.items.length, 5);
    const gone = first.items[0]?.itemId ?? '';
    await admin.hset(`feat:${gone}`, 'stock', '0');
    const second = await recommend(engine, request('u5', 's_feat', { category: 'cat_1' }));
    assert.deepEqual(
      second.items.map((c) => c.itemId),
      first.items.slice(1).map((c) => c.itemId),
    );
    assert.deepEqual(
      second.trace?.map((s) => [s.stage, s.in, s.out]),
      [
        ['recall', 1, 5],
        ['filter', 5, 5],
        ['features', 5, 5],
        ['filter', 5, 4],
        ['sort', 4, 4],
      ],
    );
  });

  it('a source whose Redis is down fails alone: reported in debug and counted, the other source answers', async () => {
    const res = await recommend(engine, request('u1', 's_dead', { category: 'cat_0' }));
    assert.equal(bySource(res.items, 'group_mem').length, 5);
    assert.match(String(res.trace?.[0]?.errors?.[0]), /^custom_dead: error: /);
    const failed = (await metrics.recallFailures.get()).values.find((v) => v.labels.recall_name === 'custom_dead');
    assert.equal(failed?.labels.reason, 'error');
    const redisFailed = (await metrics.redisFailures.get()).values.find((v) => v.labels.redis === 'dead');
    assert.equal(redisFailed?.labels.operation, 'recall');
  });

  it('a source later than its Timeout is cut off at it, reported as a timeout, the other source answers', async () => {
    await admin.call('CLIENT', 'PAUSE', '1000', 'ALL');
    // Slack relative to this run's timer lateness, at most 600 ms: Redis is paused 1000 ms.
    const base = await TimingBaseline.measure({ maxSlackMs: 600 });
    const t = Date.now();
    const res = await recommend(engine, request('u2', 's_icf', { category: 'cat_0' }));
    const took = Date.now() - t;
    await base.assertWithin(took, 200, 'answered within the 200 ms source Timeout');
    assert.equal(bySource(res.items, 'group_mem').length, 5);
    assert.deepEqual(bySource(res.items, 'icf'), []);
    assert.match(String(res.trace?.[0]?.errors?.[0]), /^icf: timeout: /);
    await new Promise((r) => setTimeout(r, 1100)); // the pause ends by itself
  });
});
