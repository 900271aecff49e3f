import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { generateDemo } from './demo.js';
import type { DemoColumns, DemoParams, Progress } from './demo.js';

/** Cache folder of one parameter set: a changed parameter never reads a stale file. */
export function demoCacheDir(root: string, params: DemoParams): string {
  const key = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  return join(root, `demo-${key}`);
}

const FILES = ['items.f32', 'users.f32', 'popularity.f32', 'category.u16'] as const;

async function readColumns(dir: string, params: DemoParams): Promise<DemoColumns | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { params?: unknown };
    if (JSON.stringify(meta.params) !== JSON.stringify(params)) return undefined;
    const [items, users, pop, cat] = await Promise.all(FILES.map((f) => readFile(join(dir, f))));
    if (!items || !users || !pop || !cat) return undefined;
    const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    const cols: DemoColumns = {
      params,
      itemEmbeddings: f32(items),
      userEmbeddings: f32(users),
      popularity: f32(pop),
      category: new Uint16Array(cat.buffer.slice(cat.byteOffset, cat.byteOffset + cat.byteLength)),
    };
    const ok =
      cols.itemEmbeddings.length === params.items * params.dim &&
      cols.userEmbeddings.length === params.users * params.dim &&
      cols.popularity.length === params.items &&
      cols.category.length === params.items;
    return ok ? cols : undefined;
  } catch {
    return undefined;
  }
}

async function writeColumns(dir: string, cols: DemoColumns): Promise<void> {
  // Write into a temporary folder and rename it, so a crash never leaves half a cache.
  const tmp = `${dir}.tmp-${process.pid}`;
  await mkdir(tmp, { recursive: true });
  const arrays = [cols.itemEmbeddings, cols.userEmbeddings, cols.popularity, cols.category];
  await Promise.all(
    FILES.map((f, i) => {
      const a = arrays[i];
      return a ? writeFile(join(tmp, f), new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) : undefined;
    }),
  );
  await writeFile(join(tmp, 'meta.json'), JSON.stringify({ params: cols.params }));
  await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
    // Another process won the race: its copy is identical.
    if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
  });
}

/** Loads the demo columns from the cache, generating and caching them on a miss. */
export async function loadOrGenerateDemo(
  cacheRoot: string | undefined,
  params: DemoParams,
  progress?: Progress,
): Promise<{ columns: DemoColumns; cached: boolean }> {
  if (cacheRoot === undefined) return { columns: generateDemo(params, progress), cached: false };
  const dir = demoCacheDir(cacheRoot, params);
  const hit = await readColumns(dir, params);
  if (hit) return { columns: hit, cached: true };
  const columns = generateDemo(params, progress);
  await writeColumns(dir, columns).catch(() => undefined); // a read-only disk only costs a regeneration
  return { columns, cached: false };
}
