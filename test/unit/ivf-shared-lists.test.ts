import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { generateDemo } from '../../src/catalog/demo.js';
import { INDEX_FILE, indexCacheDir, loadOrBuildIndex } from '../../src/vector/vector-index.js';
import type { IndexSpec, Space } from '../../src/vector/vector-index.js';
import { readIvf } from '../../src/vector/ivf-index.js';
import { LISTS_FOLDER } from '../../src/vector/ivf-lists.js';
import { nativeAddon } from '../../src/native/addon.js';
import { reap } from '../helpers/reaper.js';

const logger = pino({ level: 'silent' });
const live = (): AbortSignal => new AbortController().signal;
const spec = (space: Space, Nlist: number): IndexSpec => ({ kind: 'ivf', space, M: 8, EfConstruction: 40, Nlist, Seed: 7 });
const demo = generateDemo({ items: 3000, users: 60, dim: 16, clusters: 40, categories: 5, seed: 11 });
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
const tempDir = async (): Promise<string> => {
  const d = await mkdtemp(join(tmpdir(), 'ivf-lists-'));
  dirs.push(d);
  return d;
};

describe('IVF lists mapped from the cache folder', () => {
  it('the native addon is built (npm ci builds it; CI skips nothing)', () => {
    const native = nativeAddon();
    assert.ok('addon' in native, 'missing' in native ? native.missing : '');
  });

  it('answer exactly as the rows copied into kernel memory, for ip, cosine and l2, at a full and a padded width', async () => {
    const dir = await tempDir();
    for (const d of [16, 5]) {
      const vectors = demo.itemEmbeddings.subarray(0, 3000 * d);
      for (const space of ['ip', 'cosine', 'l2'] as const) {
        const cache = { dir, key: `${space}-${d}` };
        await loadOrBuildIndex(spec(space, 25), vectors, d, cache, logger, live());
        const mapped = await loadOrBuildIndex(spec(space, 25), vectors, d, cache, logger, live());
        const file = join(indexCacheDir(cache, 'ivf'), INDEX_FILE);
        const inMemory = await readIvf(file, spec(space, 25), vectors, d);
        assert.ok(inMemory);
        const lists = await stat(join(indexCacheDir(cache, 'ivf'), LISTS_FOLDER, 'lists.f32'));
        assert.equal(lists.size, (3000 * 16 + 3000) * 4, 'rows at the padded stride, then a weight per row');
        for (let u = 0; u < 20; u++) {
          const q = demo.userEmbeddings.subarray(u * 16, u * 16 + d);
          for (const nprobe of [1, 4, 25]) assert.deepEqual(mapped.search(q, 40, nprobe), inMemory.search(q, 40, nprobe), `${space} d=${d} nprobe=${nprobe}`);
        }
        if (d === 16) assert.deepEqual(mapped.layout?.()?.data, inMemory.layout?.()?.data);
      }
    }
  });

  it('a damaged list file is caught by its checksum and written again, without rebuilding the index', async () => {
    const dir = await tempDir();
    const cache = { dir, key: 'k' };
    const first = await loadOrBuildIndex(spec('cosine', 25), demo.itemEmbeddings, 16, cache, logger, live());
    const query = (u: number): Float32Array => demo.userEmbeddings.subarray(u * 16, (u + 1) * 16);
    // Read before the damage: a mapping sees a file written in place (the cache only ever replaces files by rename).
    const expected = Array.from({ length: 20 }, (_, u) => first.search(query(u), 40, 5));
    const folder = indexCacheDir(cache, 'ivf');
    const indexBytes = await readFile(join(folder, INDEX_FILE));
    const listsFile = join(folder, LISTS_FOLDER, 'lists.f32');
    const damaged = await readFile(listsFile);
    const at = damaged.length >> 1;
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
    await writeFile(listsFile, damaged);
    const again = await loadOrBuildIndex(spec('cosine', 25), demo.itemEmbeddings, 16, cache, logger, live());
    for (let u = 0; u < 20; u++) assert.deepEqual(again.search(query(u), 40, 5), expected[u]);
    assert.deepEqual(await readFile(join(folder, INDEX_FILE)), indexBytes, 'the index itself was rebuilt');
    assert.notDeepEqual(await readFile(listsFile), damaged);
  });

  it('are one copy per machine: two processes share the file’s pages, and neither holds the rows in private memory', async () => {
    const dir = await tempDir();
    const rows = 400_000;
    const dim = 16;
    const listBytes = (rows * dim + rows) * 4; // 27 MB
    const child = fileURLToPath(new URL('../helpers/ivf-lists-child.js', import.meta.url));
    const start = async (env: NodeJS.ProcessEnv): Promise<ChildProcess> => {
      const p = reap(spawn(process.execPath, [child, dir, String(rows), String(dim)], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] }));
      const [line] = (await once(p.stdout ?? p, 'data')) as [Buffer];
      assert.equal(line.toString().trim(), 'ready');
      return p;
    };
    const memory = async (p: ChildProcess): Promise<Record<string, number>> => {
      const text = await readFile(`/proc/${p.pid ?? 0}/smaps_rollup`, 'utf8');
      const kb: Record<string, number> = {};
      for (const m of text.matchAll(/^(\w+):\s+(\d+) kB$/gm)) kb[m[1] as string] = Number(m[2]) * 1024;
      return kb;
    };
    const stop = async (p: ChildProcess): Promise<void> => {
      p.stdin?.end();
      if (p.exitCode === null) await once(p, 'exit');
    };
    await stop(await start({})); // builds the index and writes the lists
    const a = await start({});
    const b = await start({});
    const copied = await start({ PAIREC_NO_NATIVE: '1' });
    try {
      const [ma, mb, mc] = [await memory(a), await memory(b), await memory(copied)];
      const mib = (n: number | undefined): string => `${((n ?? 0) / 2 ** 20).toFixed(1)} MiB`;
      for (const m of [ma, mb]) {
        // Pages another process maps too: the list file's, beyond what any node process shares.
        const sharedOf = (x: Record<string, number>): number => (x.Shared_Clean ?? 0) + (x.Shared_Dirty ?? 0); // dirty: written, not yet flushed
        const shared = sharedOf(m) - sharedOf(mc);
        assert.ok(shared >= 0.8 * listBytes, `list pages shared with the other process: ${mib(shared)} of ${mib(listBytes)}`);
        const saved = (mc.Anonymous ?? 0) - (m.Anonymous ?? 0);
        assert.ok(saved >= 0.8 * listBytes, `private memory ${mib(m.Anonymous)} against ${mib(mc.Anonymous)} with the rows copied`);
      }
    } finally {
      await Promise.all([stop(a), stop(b), stop(copied)]);
    }
  });
});
