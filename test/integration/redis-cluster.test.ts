import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { ServerProcess } from '../helpers/server-process.js';
import { RedisCluster, haveRedis } from '../helpers/redis.js';
import { assertFeatureRanking, recommend, redisConfig } from '../helpers/redis-config.js';

const skip = !(await haveRedis()) && 'redis-server is not installed (.ci/run installs it)';

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

  it('ranks by item features spread over the cluster nodes', async () => {
    await assertFeatureRanking(server, (k, f, v) => client.hset(k, f, v));
  });

  it('records and filters exposures through the cluster client', async () => {
    const shown = (await recommend(server, 'uc')).items.map((i) => i.item_id);
    await server.post('/api/callback', JSON.stringify({ uid: 'uc', item_list: shown.map((item_id) => ({ item_id })) }));
    assert.equal((await client.zcard('exp:uc')), shown.length);
    const again = (await recommend(server, 'uc')).items.map((i) => i.item_id);
    for (const id of again) assert.ok(!shown.includes(id));
  });
});
