import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { smallConfig } from '../helpers/config.js';
import { itemIds, post, recommendFromEach, servingPids } from '../helpers/cluster-exposures.js';

/** ExposureConf.SnapshotFile: in-memory exposures outlive a restart of the whole service. */
describe('exposures saved to a file outlive a full restart of a two-process cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-exposure-file-'));
  const file = join(dir, 'config.json');
  const saved = join(dir, 'exposures.jsonl');
  const started: ServerProcess[] = [];
  after(async () => {
    for (const s of started) await s.stop('SIGKILL');
  });

  const start = async (): Promise<ServerProcess> => {
    const server = await ServerProcess.start(file, ['--no-watch', '--workers', '2']);
    started.push(server);
    await server.waitReady(90_000);
    return server;
  };

  it('a callback acknowledged before SIGTERM is filtered by both processes after the service starts again', async () => {
    const config = smallConfig(join(dir, 'cache'));
    writeFileSync(file, JSON.stringify({ ...config, ExposureConf: { SnapshotFile: saved, SnapshotIntervalS: 3600 } }));
    const first = await start();
    const uid = 'file-1';
    const shown = itemIds((await post(first.port, '/api/recommend', { uid, size: 10 })).json);
    assert.equal(shown.length, 10);
    assert.equal((await post(first.port, '/api/callback', { uid, item_list: shown.map((item_id) => ({ item_id })) })).status, 200);
    assert.equal(await first.stop('SIGTERM'), 0);
    assert.ok(existsSync(saved), 'no exposure file was written at exit');

    const second = await start();
    const loaded = second.since(0, (l) => l.msg === 'exposures loaded from file');
    assert.equal(loaded[0]?.users, 1);
    const answers = await recommendFromEach(second, uid, servingPids(second), 2);
    for (const [pid, lists] of answers)
      for (const items of lists)
        assert.deepEqual(
          items.filter((i) => shown.includes(i)),
          [],
          `process ${pid} recommended exposed items`,
        );
  });
});
