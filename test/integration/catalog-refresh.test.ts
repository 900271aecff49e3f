import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ownData, writeJsonLines, writeParquet } from '../helpers/catalog-files.js';
import type { OwnRow } from '../helpers/catalog-files.js';
import { ServerProcess } from '../helpers/server-process.js';

const DIM = 16;
const SIZE = 10;
const REFRESH_S = 1;

interface Answer {
  readonly startedAt: number;
  readonly status: number;
  readonly ids: readonly string[];
}

/** Items `from`..`to` (1-based ids `sku-NNNNN`) of one generated set: the same id keeps its row. */
function slice(all: readonly OwnRow[], from: number, to: number): OwnRow[] {
  return all.slice(from - 1, to);
}

const idNumber = (id: string): number => Number(id.slice(4));

/**
 * A file catalog replaced the way exports land (written aside, renamed over the old one)
 * while a client asks 50 times a second through a real `pairec serve`: the new version
 * serves within RefreshSeconds + its load and build, no id removed by it is served after
 * the first answer from it, no request fails, and a broken file keeps the last version.
 */
describe('file catalog refresh: replaced by rename under load (RefreshSeconds)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-refresh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const all = ownData(2500, 0, DIM, 5).items;
  const user = Array.from({ length: DIM }, (_, i) => (i % 3 === 0 ? 1 : -0.5));

  for (const format of ['jsonl', 'parquet'] as const) {
    it(`${format}: the new version serves within the refresh period, removed items never after, no failed request`, async (t) => {
      const items = join(dir, `items.${format}`);
      const cacheDir = join(dir, `cache-${format}`);
      const write = (rows: readonly OwnRow[], path: string): void => {
        if (format === 'jsonl') writeJsonLines(path, rows);
        else writeParquet(path, rows as unknown as Record<string, unknown>[]);
      };
      // Version A: ids 1..1500; version B: ids 501..2500 (500 removed, 1000 new).
      write(slice(all, 1, 1500), items);
      const config = join(dir, `config-${format}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          CatalogConf: { Source: 'file', Items: { Path: items }, CacheDir: cacheDir, RefreshSeconds: REFRESH_S },
          AlgoConfs: [{ Name: 'item_hnsw', Type: 'ANN', AnnConf: { Index: 'hnsw', Space: 'ip', M: 8, EfConstruction: 40 } }],
          RecallConfs: [{ Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 50, AlgoName: 'item_hnsw', UserEmbedding: { From: 'request' } }],
          SceneConfs: { home: { default: { RecallNames: ['vector_recall'] } } },
        }),
      );
      const server = await ServerProcess.start(config, ['--workers', '1'], dir);
      t.after(() => server.stop('SIGKILL'));
      await server.waitReady(30_000);
      const foldersOfA = readdirSync(cacheDir).filter((n) => n.startsWith('index-'));
      assert.equal(foldersOfA.length, 1, `one index folder for version A: ${foldersOfA.join(', ')}`);
      const embeddingsOfA = readdirSync(cacheDir).filter((n) => n.startsWith('embeddings-'));
      assert.equal(embeddingsOfA.length, 1, `one folder of shared embeddings for version A: ${embeddingsOfA.join(', ')}`);

      const answers: Answer[] = [];
      let stop = false;
      const body = JSON.stringify({ uid: 'nobody', scene_id: 'home', size: SIZE, features: { embedding: user } });
      // One request at a time: an answer that starts after another ended saw the same or a newer snapshot.
      const client = (async () => {
        while (!stop) {
          const startedAt = Date.now();
          const res = await server.post('/api/recommend', body).catch(() => undefined);
          const json = res?.status === 200 ? ((await res.json()) as { items: { item_id: string }[] }) : undefined;
          answers.push({ startedAt, status: res?.status ?? 0, ids: json?.items.map((i) => i.item_id) ?? [] });
          await sleep(Math.max(0, 20 - (Date.now() - startedAt)));
        }
      })();
      try {
        await sleep(1000);
        const tmp = `${items}.tmp`;
        write(slice(all, 501, 2500), tmp);
        const replacedAt = Date.now();
        renameSync(tmp, items);
        const deadline = replacedAt + 30_000;
        while (Date.now() < deadline && !answers.some((a) => a.ids.some((id) => idNumber(id) > 1500))) await sleep(50);
        await sleep(1500);
        stop = true;
        await client;

        assert.ok(answers.length > 50, `${answers.length} answers`);
        const failed = answers.filter((a) => a.status !== 200);
        assert.deepEqual(failed, [], 'every request answered 200');
        assert.ok(
          answers.every((a) => a.ids.length === SIZE),
          'every answer is full',
        );
        const firstNew = answers.findIndex((a) => a.ids.some((id) => idNumber(id) > 1500));
        assert.ok(firstNew > 0, 'version B served');
        const swapMs = (answers[firstNew] as Answer).startedAt - replacedAt;
        t.diagnostic(`${format}: ${answers.length} answers; version B first served ${swapMs} ms after the rename`);
        // RefreshSeconds + the settle wait (1 s) + load and build of 2,000 rows, with room for a busy machine.
        assert.ok(swapMs < REFRESH_S * 1000 + 15_000, `swap took ${swapMs} ms`);
        assert.ok(
          answers.slice(0, firstNew).every((a) => a.ids.every((id) => idNumber(id) <= 1500)),
          'before the swap: version A only',
        );
        const after = answers.slice(firstNew);
        const removed = after.flatMap((a) => a.ids.filter((id) => idNumber(id) <= 500));
        assert.deepEqual(removed, [], 'no removed id after the swap');
        // Version A's index folder is removed once B serves; B's is there.
        const folders = readdirSync(cacheDir).filter((n) => n.startsWith('index-'));
        assert.equal(folders.length, 1, `index folders after the refresh: ${folders.join(', ')}`);
        assert.ok(!existsSync(join(cacheDir, foldersOfA[0] as string)), "version A's index folder removed");
        const embeddings = readdirSync(cacheDir).filter((n) => n.startsWith('embeddings-'));
        assert.equal(embeddings.length, 1, `folders of shared embeddings after the refresh: ${embeddings.join(', ')}`);
        assert.ok(!existsSync(join(cacheDir, embeddingsOfA[0] as string)), "version A's shared embeddings removed");

        const metrics = await (await fetch(`${server.url}/metrics`)).text();
        assert.match(metrics, /^pairec_catalog_refreshes_total\{result="success"\} 2$/m);
        assert.match(metrics, /^pairec_catalog_items 2000$/m);

        // A broken file (a truncated export) is refused: version B keeps serving, the failure is counted.
        const bad = `${items}.bad`;
        writeFileSync(bad, format === 'jsonl' ? '{"id":"sku-9","embedding":[1,2' : 'PAR1 not really parquet');
        renameSync(bad, items);
        const failedBy = Date.now() + 15_000;
        let text = '';
        while (Date.now() < failedBy) {
          text = await (await fetch(`${server.url}/metrics`)).text();
          if (/^pairec_catalog_refreshes_total\{result="failed"\} 1$/m.test(text)) break;
          await sleep(200);
        }
        assert.match(text, /^pairec_catalog_refreshes_total\{result="failed"\} 1$/m);
        const res = await server.post('/api/recommend', body);
        assert.equal(res.status, 200);
        const ids = ((await res.json()) as { items: { item_id: string }[] }).items.map((i) => i.item_id);
        assert.deepEqual(ids, (answers.at(-1) as Answer).ids, 'still version B');
        assert.ok(server.lines.some((l) => l.msg === 'catalog refresh failed; the previous version keeps serving'));
      } finally {
        stop = true;
        await client;
      }
    });
  }
});
