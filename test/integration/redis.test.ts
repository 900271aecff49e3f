import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ServerProcess } from '../helpers/server-process.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { TIMEOUT_MS, assertFeatureRanking, recommend, redisConfig } from '../helpers/redis-config.js';

const skip = await skipUnlessInstalled('redis');

describe('Redis exposures and features (real redis-server)', { skip }, () => {
  let redis: RedisServer;
  let server: ServerProcess;

  before(async () => {
    redis = await RedisServer.start();
    const dir = mkdtempSync(join(tmpdir(), 'pairec-redis-it-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(redisConfig({ Host: '127.0.0.1', Port: redis.port, ReadTimeout: 200 })));
    server = await ServerProcess.start(path);
    await server.waitReady();
  });
  after(async () => {
    await server?.stop();
    await redis?.stop();
  });

  it('records callback exposures in a Redis sorted set and filters them', async () => {
    const first = await recommend(server, 'u1');
    const shown = first.items.map((i) => i.item_id);
    const cb = await server.post('/api/callback', JSON.stringify({ uid: 'u1', item_list: shown.map((item_id) => ({ item_id })) }));
    assert.equal(cb.status, 200);
    const client = redis.client();
    try {
      assert.deepEqual(new Set(await client.zrange('exp:u1', 0, -1)), new Set(shown));
      assert.ok((await client.ttl('exp:u1')) > 3000);
      const again = await recommend(server, 'u1');
      for (const i of again.items) assert.ok(!shown.includes(i.item_id), `${i.item_id} came back`);
      // Written by another instance straight into Redis: filtered as well.
      const next = again.items.slice(0, 3).map((i) => i.item_id);
      await client.zadd('exp:u1', ...next.flatMap((id) => [Date.now(), id]));
      const third = await recommend(server, 'u1');
      for (const i of third.items) assert.ok(![...shown, ...next].includes(i.item_id));
    } finally {
      client.disconnect();
    }
  });

  it('ranks by an item feature read from a Redis hash', async () => {
    const client = redis.client();
    try {
      await assertFeatureRanking(server, (k, f, v) => client.hset(k, f, v));
    } finally {
      client.disconnect();
    }
  });

  it('answers 200 within the deadline while Redis is killed, counts failures, recovers when it returns', async (t) => {
    const latencies: number[] = [];
    const statuses: number[] = [];
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const t = performance.now();
        const scene = n % 2 === 0 ? 'default_scene' : 'hot_scene';
        const res = await server.post('/api/recommend', JSON.stringify({ uid: `load-${w}`, size: 10, scene_id: scene }));
        await res.arrayBuffer();
        statuses.push(res.status);
        latencies.push(performance.now() - t);
      }
    };
    const load = Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(worker));
    await new Promise((r) => setTimeout(r, 500));
    await redis.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await load;
    assert.ok(statuses.length > 50, `only ${statuses.length} requests`);
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.ok(Math.max(...latencies) < TIMEOUT_MS, `slowest ${Math.max(...latencies).toFixed(0)} ms`);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const failures = (op: string): number =>
      Number(new RegExp(`pairec_redis_failures_total\\{redis="main",operation="${op}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    assert.ok(
      failures('exposure_seen') > 0,
      metrics
        .split('\n')
        .filter((l) => l.includes('redis'))
        .join('\n'),
    );
    assert.ok(failures('features') > 0);
    t.diagnostic(
      `${statuses.length} requests, slowest ${Math.max(...latencies).toFixed(1)} ms; failures counted: ` +
        `exposure_seen ${failures('exposure_seen')}, features ${failures('features')}`,
    );

    // Back on the same port (empty: no persistence): exposures are recorded and filtered again.
    await redis.restart();
    const until = Date.now() + 10_000;
    for (;;) {
      const items = (await recommend(server, 'u-back')).items.map((i) => i.item_id);
      await server.post('/api/callback', JSON.stringify({ uid: 'u-back', item_list: items.map((item_id) => ({ item_id })) }));
      const again = (await recommend(server, 'u-back')).items.map((i) => i.item_id);
      if (again.every((id) => !items.includes(id))) break;
      assert.ok(Date.now() < until, 'no recovery within 10 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
