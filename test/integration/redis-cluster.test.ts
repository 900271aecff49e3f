import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { ServerProcess } from '../helpers/server-process.js';
import { RedisCluster } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { recommend, redisConfig } from '../helpers/redis-config.js';

const skip = await skipUnlessInstalled('redis');

describe('Redis Cluster (3 local nodes)', { skip }, () => {
  let cluster: RedisCluster;
  let server: ServerProcess;
  let client: Cluster;

  before(async () => {
    cluster = await RedisCluster.start();
    const nodes = cluster.nodes.map((n) => ({ Host: '127.0.0.1', Port: n.port }));
    const dir = mkdtempSync(join(tmpdir(), 'pairec-cluster-it-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(redisConfig({ Cluster: nodes, ReadTimeout: 300 })));
    server = await ServerProcess.start(path);
    await server.waitReady();
    client = new Cluster(nodes.map((n) => ({ host: n.Host, port: n.Port })));
  });
  after(async () => {
    client?.disconnect();
    await server?.stop();
    await cluster?.stop();
  });

  /** Which node holds each of `keys`: each node is asked directly, not through the cluster client. */
  async function holders(keys: readonly string[]): Promise<Map<string, number>> {
    const where = new Map<string, number>();
    for (const [i, node] of cluster.nodes.entries()) {
      const direct = new Redis({ host: '127.0.0.1', port: node.port, lazyConnect: true });
      try {
        await direct.connect();
        // A node answers MOVED for a key of another node's slot.
        for (const key of keys) if ((await direct.exists(key).catch(() => 0)) === 1) where.set(key, i);
      } finally {
        direct.disconnect();
      }
    }
    return where;
  }

  it('ranks by item features whose keys are spread over every node of the cluster', async () => {
    const page = (await recommend(server, 'u-feat', 'hot_scene', 20)).items.map((i) => i.item_id);
    assert.equal(page.length, 20);
    // A distinct boost per item, the reverse of today's order: the ranking must read every key.
    const boost = new Map(page.map((id, i) => [id, 10 + i]));
    for (const [id, b] of boost) await client.hset(`item:${id}`, 'boost', String(b));
    const keys = page.map((id) => `item:${id}`);
    const where = await holders(keys);
    assert.equal(where.size, keys.length, 'each key is held by exactly one node');
    const perNode = cluster.nodes.map((_, i) => [...where.values()].filter((n) => n === i).length);
    assert.ok(
      perNode.every((n) => n > 0),
      `keys on every node: ${JSON.stringify(perNode)}`,
    );
    const slots = new Set(await Promise.all(keys.map((k) => client.cluster('KEYSLOT', k))));
    assert.ok(slots.size > 3, `keys in ${slots.size} slots`);

    const ranked = (await recommend(server, 'u-feat', 'hot_scene', 20)).items;
    assert.deepEqual(
      ranked.map((i) => i.item_id),
      [...page].reverse(),
      'ordered by the boost read from each node',
    );
    for (const item of ranked) assert.equal(item.score, boost.get(item.item_id), `${item.item_id}: its own boost`);
  });

  it('records and filters exposures through the cluster client', async () => {
    const shown = (await recommend(server, 'uc')).items.map((i) => i.item_id);
    await server.post('/api/callback', JSON.stringify({ uid: 'uc', item_list: shown.map((item_id) => ({ item_id })) }));
    assert.equal(await client.zcard('exp:uc'), shown.length);
    const again = (await recommend(server, 'uc')).items.map((i) => i.item_id);
    for (const id of again) assert.ok(!shown.includes(id));
  });
});
