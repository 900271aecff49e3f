/**
 * Damaged cache files against real `pairec serve --workers 2` processes: each start
 * must detect the damage before a native library reads it, rebuild, replace the files
 * and serve what a clean build serves, leaving no temporary folder behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import type { LogLine } from '../helpers/server-process.js';
import { smallConfig } from '../helpers/config.js';
import { demoCacheDir } from '../../src/catalog/demo-cache.js';

const DEMO = { Items: 5000, Users: 300, Dim: 16, Clusters: 50, Categories: 8, Seed: 11 };
const PARAMS = { items: DEMO.Items, users: DEMO.Users, dim: DEMO.Dim, clusters: DEMO.Clusters, categories: DEMO.Categories, seed: DEMO.Seed };
const UIDS = Array.from({ length: 12 }, (_, i) => String(i + 1));
const SCENES = ['default_scene', 'ivf_scene'] as const;

function config(cacheDir: string): Record<string, unknown> {
  const base = smallConfig(cacheDir);
  const list = (key: string): unknown[] => base[key] as unknown[];
  return {
    ...base,
    CatalogConf: { Source: 'demo', Demo: DEMO, CacheDir: cacheDir },
    AlgoConfs: [...list('AlgoConfs'), { Name: 'item_ivf', Type: 'ANN', AnnConf: { Index: 'ivf', Nprobe: 4 } }],
    RecallConfs: [...list('RecallConfs'), { Name: 'ivf_recall', RecallType: 'VectorRecall', RecallCount: 50, AlgoName: 'item_ivf' }],
    SceneConfs: { ...(base.SceneConfs as Record<string, unknown>), ivf_scene: { default: { RecallNames: ['ivf_recall'] } } },
  };
}

/** One request on a connection of its own, so the primary may hand it to either process. */
function recommend(port: number, uid: string, scene: string): Promise<{ status: number; items: string[] }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify({ uid, scene_id: scene, size: 20 });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/recommend',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          const json = JSON.parse(text) as { items?: { item_id: string }[] };
          resolve({ status: res.statusCode ?? 0, items: (json.items ?? []).map((i) => i.item_id) });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    req.end(data);
  });
}

/** Every user of UIDS on every scene, twice (so both processes answer): status 200 each, the item lists by scene and user. */
async function answers(server: ServerProcess): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let round = 0; round < 2; round++) {
    for (const scene of SCENES) {
      for (const uid of UIDS) {
        const res = await recommend(server.port, uid, scene);
        assert.equal(res.status, 200, `${scene} uid ${uid}`);
        const key = `${scene}/${uid}`;
        const seen = out.get(key);
        if (seen) assert.deepEqual(res.items, seen, `both processes answer ${key} alike`);
        else out.set(key, res.items);
      }
    }
  }
  return out;
}

/** The data file of a cached index of `kind` under `root` (a folder or, in earlier layouts, a file). */
function indexFile(root: string, kind: string): string {
  const name = readdirSync(root).find((n) => n.startsWith(`index-${kind}-`) && !n.includes('.tmp-'));
  assert.ok(name, `an ${kind} index is cached under ${root}`);
  const path = join(root, name);
  return statSync(path).isDirectory() ? join(path, 'index.bin') : path;
}

/** Inverts `count` bytes at `at` of a file, keeping its size. */
function flip(file: string, at: number, count: number): void {
  const bytes = readFileSync(file);
  for (let i = at; i < at + count; i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  writeFileSync(file, bytes);
}

const temps = (root: string): string[] => readdirSync(root).filter((n) => n.includes('.tmp-'));

describe('corrupt cache files against real processes (pairec serve --workers 2)', () => {
  const work = mkdtempSync(join(tmpdir(), 'pairec-cache-fault-'));
  let root = join(work, 'cache');
  const file = join(work, 'config.json');
  let server: ServerProcess | undefined;
  let clean: Map<string, string[]>;

  async function start(): Promise<{ server: ServerProcess; ms: number }> {
    writeFileSync(file, JSON.stringify(config(root)));
    const started = Date.now();
    server = await ServerProcess.start(file, ['--no-watch', '--workers', '2']);
    await server.waitReady(90_000);
    return { server, ms: Date.now() - started };
  }
  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    await s?.stop('SIGTERM');
  }
  const lines = (s: ServerProcess, msg: string): LogLine[] => s.since(0, (l) => l.msg === msg);
  const noCrash = (s: ServerProcess): void => {
    assert.deepEqual(lines(s, 'serving process exited; restarting'), [], 'no serving process died');
    assert.equal(s.proc.exitCode, null);
  };

  let raced = '';
  let builtOnce = { built: 0, cached: 0, loaded: 0 };
  before(async () => {
    // An empty cache: both processes generate and build the same files at once.
    const { server: s, ms } = await start();
    clean = await answers(s);
    const count = (msg: string): number => lines(s, msg).length;
    builtOnce = { built: count('vector index built'), cached: count('vector index cached'), loaded: count('vector index loaded from cache') };
    raced = `clean start ${ms} ms; demo catalog: ${count('demo catalog cached')} published, ${count('another process cached the demo catalog first; using its copy')} took the other's copy; indexes: ${count('vector index cached')} published, ${count('another process cached the vector index first; using its copy')} took the other's copy`;
    await stop();
  });
  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('two processes building the same cache at once leave one valid copy and no temporary folder', async (t) => {
    t.diagnostic(raced);
    // Once per machine: one process builds each index under the build lock, the other waits and loads its folder.
    assert.equal(builtOnce.built, 2, 'each of the two indexes built once, not once per process');
    assert.deepEqual({ cached: builtOnce.cached, loaded: builtOnce.loaded }, { cached: 2, loaded: 2 });
    assert.deepEqual(temps(root), []);
    assert.equal(readdirSync(root).filter((n) => n.startsWith('demo-')).length, 1);
    const { server: s } = await start();
    try {
      const ready = lines(s, 'demo catalog ready');
      assert.equal(ready.length, 2);
      for (const l of ready) assert.equal(l.cached, true, 'the copy left on disk loads');
      assert.deepEqual(lines(s, 'vector index built'), [], 'so do both indexes');
      assert.deepEqual(await answers(s), clean);
    } finally {
      await stop();
    }
  });

  it('an HNSW index damaged in its middle (same size) is detected, rebuilt and replaced: no segfault, the same answers', async (t) => {
    const index = indexFile(root, 'hnsw');
    const size = statSync(index).size;
    flip(index, Math.floor(size / 2), 512);
    const { server: s, ms } = await start();
    t.diagnostic(`start with a damaged ${size}-byte HNSW index: ${ms} ms to /ready 200`);
    try {
      assert.deepEqual(await answers(s), clean);
      noCrash(s);
      const warned = lines(s, 'cache file corrupt; rebuilding the vector index');
      assert.ok(
        warned.some((l) => String(l.file).includes('index-hnsw-')),
        'the log names the damaged file',
      );
      assert.equal(statSync(indexFile(root, 'hnsw')).size, size);
      assert.deepEqual(temps(root), []);
    } finally {
      await stop();
    }
  });

  it('an IVF index with damaged centroids is detected and rebuilt: the same answers', async () => {
    const index = indexFile(root, 'ivf');
    flip(index, 20 + 64, 256); // past the header, inside the centroids
    const { server: s } = await start();
    try {
      assert.deepEqual(await answers(s), clean);
      noCrash(s);
      const warned = lines(s, 'cache file corrupt; rebuilding the vector index');
      assert.ok(warned.some((l) => String(l.file).includes('index-ivf-')));
      assert.ok(!warned.some((l) => String(l.file).includes('index-hnsw-')), 'the HNSW index replaced at the previous start is valid');
    } finally {
      await stop();
    }
  });

  it('NaN in a cached user embedding is detected and regenerated: that user gets 200 and the clean answer', async () => {
    const users = join(demoCacheDir(root, PARAMS), 'users.f32');
    const bytes = readFileSync(users);
    bytes.writeFloatLE(NaN, 4 * (4 * DEMO.Dim + 3)); // uid "5" is row 4
    writeFileSync(users, bytes);
    const { server: s } = await start();
    try {
      assert.deepEqual(await answers(s), clean);
      noCrash(s);
      assert.ok(lines(s, 'cache file corrupt; regenerating the demo catalog').some((l) => l.file === users));
    } finally {
      await stop();
    }
  });

  it('a leftover temp folder and a stale target folder: replaced once, no regeneration at the next start, no temp folder left', async () => {
    const dir = demoCacheDir(root, PARAMS);
    rmSync(dir, { recursive: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ params: { stale: true } }));
    writeFileSync(join(dir, 'items.f32'), Buffer.alloc(1000));
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const leftover = `${dir}.tmp-${child.stdout}`; // a crashed start's, its process gone
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'items.f32'), Buffer.alloc(100_000));
    const first = await start();
    try {
      await answers(first.server);
      assert.deepEqual(temps(root), [], 'no temporary folder after the start');
    } finally {
      await stop();
    }
    const second = await start();
    try {
      const ready = lines(second.server, 'demo catalog ready');
      assert.equal(ready.length, 2);
      for (const l of ready) assert.equal(l.cached, true, 'loaded, not regenerated');
      assert.deepEqual(temps(root), []);
    } finally {
      await stop();
    }
  });

  it('two processes generating a larger catalog at once (200,000 items): one copy, no temporary folder', async (t) => {
    const cache = join(work, 'race');
    const base = smallConfig(cache);
    // No index: the demo files alone, large enough that both processes write them at the same time.
    const conf = {
      ...base,
      CatalogConf: { Source: 'demo', Demo: { ...DEMO, Items: 200_000 }, CacheDir: cache },
      AlgoConfs: (base.AlgoConfs as { Type: string }[]).filter((a) => a.Type !== 'ANN'),
      RecallConfs: (base.RecallConfs as { RecallType: string }[]).filter((r) => r.RecallType !== 'VectorRecall'),
      SceneConfs: { default_scene: { default: { RecallNames: ['hot_recall'] } } },
    };
    const raceFile = join(work, 'race.json');
    writeFileSync(raceFile, JSON.stringify(conf));
    server = await ServerProcess.start(raceFile, ['--no-watch', '--workers', '2']);
    try {
      await server.waitReady(90_000);
      const took = lines(server, 'another process cached the demo catalog first; using its copy').length;
      t.diagnostic(`${took} of 2 processes took the other's copy`);
      assert.deepEqual(temps(cache), [], 'no temporary folder after the start');
      const [folder, ...others] = readdirSync(cache);
      assert.deepEqual(others, [], 'one copy');
      const sizes = Object.fromEntries(readdirSync(join(cache, folder ?? '')).map((n) => [n, statSync(join(cache, folder ?? '', n)).size]));
      assert.equal(sizes['items.f32'], 200_000 * DEMO.Dim * 4, 'whole');
      assert.equal((await recommend(server.port, '3', 'default_scene')).status, 200);
    } finally {
      await stop();
    }
  });

  it('the cache moved to another CacheDir path is loaded, not rebuilt', async (t) => {
    const moved = join(work, 'moved', 'elsewhere');
    mkdirSync(join(work, 'moved'));
    renameSync(root, moved);
    root = moved;
    const { server: s, ms } = await start();
    t.diagnostic(`start from the moved cache: ${ms} ms to /ready 200`);
    try {
      assert.equal(lines(s, 'vector index loaded from cache').length, 4, 'two indexes in each of two processes');
      assert.deepEqual(lines(s, 'vector index built'), []);
      for (const l of lines(s, 'demo catalog ready')) assert.equal(l.cached, true);
      assert.deepEqual(await answers(s), clean);
    } finally {
      await stop();
    }
  });
});
