import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReplicas } from '../helpers/server-process.js';
import type { ServerProcess } from '../helpers/server-process.js';
import { NginxProcess } from '../helpers/nginx.js';
import { RedisServer } from '../helpers/redis.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { recommend, redisConfig } from '../helpers/redis-config.js';
import type { Body } from '../helpers/redis-config.js';

const skip = await skipUnlessInstalled('redis');

// Each replica is one process, as a pod of the k8s Deployment with one CPU.
process.env.PAIREC_WORKERS = '1';

/**
 * Three stateless replicas behind deploy/nginx/nginx.conf sharing one Redis, as
 * deploy/k8s runs them: an exposure recorded through any replica (nginx picks it) is
 * filtered by every replica, and a feature written to Redis reaches every replica's
 * ranking. With the in-memory exposure store each replica would only know its own.
 */
describe('replicas that share state: 3 replicas behind nginx on one Redis', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-replicas-'));
  const replicas: ServerProcess[] = [];
  let redis: RedisServer | undefined;
  let nginx: NginxProcess | undefined;

  before(async () => {
    redis = await RedisServer.start();
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(redisConfig({ Host: '127.0.0.1', Port: redis.port })));
    await startReplicas(path, 3, replicas);
    nginx = await NginxProcess.start(
      replicas.map((r) => r.port),
      dir,
    );
  });
  after(async () => {
    await nginx?.stop();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const viaNginx = async (path: string, body: object): Promise<Response> =>
    fetch(`${(nginx as NginxProcess).url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('an exposure recorded through one replica is filtered by all three', async () => {
    const uid = 'u-shared';
    const before = await Promise.all(replicas.map((r) => recommend(r, uid)));
    // Every replica serves the same page before any exposure: the same catalog and config.
    for (const page of before)
      assert.deepEqual(
        page.items.map((i) => i.item_id),
        (before[0] as Body).items.map((i) => i.item_id),
      );
    const shown = (before[0] as Body).items.map((i) => i.item_id);
    assert.equal(shown.length, 10);

    // One callback, through nginx: exactly one replica records it.
    const cb = await viaNginx('/api/callback', { uid, item_list: shown.map((item_id) => ({ item_id })) });
    assert.equal(cb.status, 200, await cb.text());

    for (const [i, replica] of replicas.entries()) {
      const page = await recommend(replica, uid);
      assert.equal(page.items.length, 10, `replica ${i + 1} still fills the page`);
      const back = page.items.filter((it) => shown.includes(it.item_id)).map((it) => it.item_id);
      assert.deepEqual(back, [], `replica ${i + 1} served exposed items`);
    }
    // And through nginx, whichever replica answers.
    for (let n = 0; n < 6; n++) {
      const res = await viaNginx('/api/recommend', { uid, size: 10 });
      assert.equal(res.status, 200);
      const ids = ((await res.json()) as Body).items.map((it) => it.item_id);
      assert.deepEqual(
        ids.filter((id) => shown.includes(id)),
        [],
      );
    }
  });

  it('a feature written to Redis reaches every replica (CacheTime 0)', async () => {
    const first = await recommend(replicas[0] as ServerProcess, 'u-feat', 'hot_scene', 20);
    const last = first.items.at(-1)?.item_id ?? '';
    assert.notEqual(first.items[0]?.item_id, last);
    const client = (redis as RedisServer).client();
    try {
      await client.hset(`item:${last}`, 'boost', '100');
    } finally {
      client.disconnect();
    }
    for (const [i, replica] of replicas.entries()) {
      const page = await recommend(replica, 'u-feat', 'hot_scene', 20);
      assert.equal(page.items[0]?.item_id, last, `replica ${i + 1} ranks by the shared feature`);
    }
  });
});
