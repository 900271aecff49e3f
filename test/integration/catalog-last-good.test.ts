import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownData, writeJsonLines } from '../helpers/catalog-files.js';
import { ServerProcess } from '../helpers/server-process.js';

const DIM = 8;
const SIZE = 10;

const metric = (text: string, name: string, labels = ''): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : `{${labels}}`}`));
  return Number(line?.split(' ').pop() ?? NaN);
};

/**
 * A damaged export lands while `pairec serve` runs two serving processes: both refuse it
 * and keep the version they hold. One of them is then killed (-9); the one the primary
 * starts in its place has only the files to load from. Before the last good copy it
 * failed its first load and was restarted with backoff for as long as the damaged file
 * stayed; now it serves the last version that loaded, counted, and a good export replaces it.
 */
describe('a damaged catalog export and a serving process restarted: the last good copy serves (real processes)', () => {
  it('kill -9 after a damaged export: the new process serves the last good version, counted and shown; a good export then serves everywhere', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'pairec-last-good-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const items = join(dir, 'items.jsonl');
    const cacheDir = join(dir, 'cache');
    const all = ownData(600, 0, DIM, 3).items;
    writeJsonLines(items, all.slice(0, 300));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        CatalogConf: { Source: 'file', Items: { Path: items }, CacheDir: cacheDir, RefreshSeconds: 1 },
        AlgoConfs: [{ Name: 'exact', Type: 'ANN', AnnConf: { Index: 'flat', Space: 'ip' } }],
        RecallConfs: [{ Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 50, AlgoName: 'exact', UserEmbedding: { From: 'request' } }],
        SceneConfs: { home: { default: { RecallNames: ['vector_recall'] } } },
      }),
    );
    const server = await ServerProcess.start(config, ['--no-watch'], dir, { PAIREC_WORKERS: '2' });
    const workerPids = (from = 0): number[] => [
      ...new Set(server.since(from, (l) => typeof l.pid === 'number' && l.pid !== server.proc.pid).map((l) => Number(l.pid))),
    ];
    t.after(async () => {
      for (const pid of workerPids()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      if (server.proc.exitCode === null && server.proc.signalCode === null) {
        server.proc.kill('SIGKILL');
        await once(server.proc, 'exit');
      }
    });
    await server.waitReady(60_000);
    const scrape = async (): Promise<string> => (await fetch(`${server.url}/metrics`)).text();
    const t0 = Date.now();
    const until = async (what: string, ok: () => Promise<boolean>, ms = 20_000): Promise<void> => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        if (await ok()) return void t.diagnostic(`${what}: ${Date.now() - t0} ms`);
        await sleep(200);
      }
      assert.fail(`${what} within ${ms} ms`);
    };
    const body = JSON.stringify({
      uid: 'nobody',
      scene_id: 'home',
      size: SIZE,
      features: { embedding: Array.from({ length: DIM }, (_, i) => (i % 2 === 0 ? 1 : -0.5)) },
    });
    const ask = async (): Promise<string[]> => {
      const res = await server.post('/api/recommend', body, { 'content-type': 'application/json', connection: 'close' });
      assert.equal(res.status, 200);
      return ((await res.json()) as { items: { item_id: string }[] }).items.map((i) => i.item_id);
    };
    await until('both processes serve', async () => workerPids().length === 2 && (await scrape()).includes('pairec_catalog_items 300'));
    const versionA = await ask();
    assert.equal(versionA.length, SIZE);
    await until('the last good copy kept', () =>
      Promise.resolve(readdirSync(join(cacheDir, 'catalog-last-good')).some((n) => n.endsWith('items.jsonl.identity'))),
    );

    // A truncated export lands by rename: both processes refuse it and keep version A.
    writeFileSync(`${items}.bad`, '{"id":"sku-00001","embedding":[1,2');
    renameSync(`${items}.bad`, items);
    await until('both processes refused the damaged file', async () => metric(await scrape(), 'pairec_catalog_refreshes_total', 'result="failed"') >= 2);
    assert.deepEqual(await ask(), versionA);

    const [victim] = workerPids();
    const mark = server.lines.length;
    process.kill(victim ?? 0, 'SIGKILL');
    // The replacement logs its start and its applied config under a new pid.
    const replacement = await server.waitFor(
      (l) => l.msg === 'config applied' && typeof l.pid === 'number' && l.pid !== victim && l.pid !== server.proc.pid && server.lines.indexOf(l) >= mark,
      30_000,
    );
    const fallbackLog = server.since(mark, (l) => l.pid === replacement.pid && l.level === 50 && /last good copy/.test(l.msg ?? ''));
    assert.equal(fallbackLog.length, 1, 'one error line names the fallback');
    await until('the replacement is ready', async () => metric(await scrape(), 'pairec_catalog_serving_last_good') === 1);
    const text = await scrape();
    assert.equal(metric(text, 'pairec_catalog_fallback_total'), 1);
    t.diagnostic(
      `replacement pid ${String(replacement.pid)} serves the last good copy; refreshes failed ${metric(text, 'pairec_catalog_refreshes_total', 'result="failed"')}`,
    );
    // Every answer, from either process, is version A: the replacement is not serving anything else.
    for (let i = 0; i < 12; i++) assert.deepEqual(await ask(), versionA);
    assert.ok(workerPids(mark).includes(Number(replacement.pid)));

    // A good export lands: every process serves it, the last-good gauge drops to 0.
    writeJsonLines(`${items}.tmp`, all.slice(300, 600));
    renameSync(`${items}.tmp`, items);
    await until(
      'version B everywhere',
      async () => {
        const m = await scrape();
        return metric(m, 'pairec_catalog_serving_last_good') === 0 && metric(m, 'pairec_catalog_refreshes_total', 'result="success"') >= 4;
      },
      30_000,
    );
    const versionB = await ask();
    assert.ok(
      versionB.every((id) => Number(id.slice(4)) > 300),
      `version B served: ${versionB.join(',')}`,
    );
    // Counters of live processes: the survivor refused the damaged version once; the replacement never retried it.
    assert.equal(metric(await scrape(), 'pairec_catalog_refreshes_total', 'result="failed"'), 1);
  });
});
