import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { createHash } from 'node:crypto';
import { stableStringify } from '../algorithm/signature.js';
import { PairecError } from '../errors.js';
import { checkFolder, FolderWriter } from '../cache/cache-folder.js';
import { removeStaleTemps } from '../cache/temp-folders.js';
import { nonFiniteRow } from '../vector/finite.js';
import { generateDemo } from './demo.js';
import { nativeAddon } from '../native/addon.js';
import type { DemoColumns, DemoParams, Progress } from './demo.js';

/**
 * Cache folder of one parameter set: a changed parameter never reads a stale file. The
 * name is the one earlier versions used, so their folders (no checksums) are replaced
 * in place rather than left behind.
 */
export function demoCacheDir(root: string, params: DemoParams): string {
  const key = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
  return join(root, `demo-${key}`);
}

const FILES = ['items.f32', 'users.f32', 'popularity.f32', 'category.u16'] as const;
/**
 * The embeddings are mapped (src/native) where the addon is built: every serving process
 * on the machine then reads the one copy in the page cache. Without it, or for the small
 * columns, the checked bytes are kept and copied.
 */
const MAPPED: ReadonlySet<string> = new Set(['items.f32', 'users.f32']);

const f32 = (b: Buffer): Float32Array => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Float columns with their width, by file: what must hold finite values only. */
function floatColumns(cols: DemoColumns): [string, Float32Array, number][] {
  return [
    ['items.f32', cols.itemEmbeddings, cols.params.dim],
    ['users.f32', cols.userEmbeddings, cols.params.dim],
    ['popularity.f32', cols.popularity, 1],
  ];
}

/** The first non-finite value of the columns, naming file and row, or undefined. */
function nonFinite(cols: DemoColumns, dir: string): { file: string; reason: string } | undefined {
  for (const [name, values, dim] of floatColumns(cols)) {
    const where = nonFiniteRow(values, dim);
    if (where) return { file: join(dir, name), reason: where };
  }
  return undefined;
}

type ReadResult = { columns: DemoColumns } | { missing: true } | { file: string; reason: string };

async function readColumns(dir: string, params: DemoParams): Promise<ReadResult> {
  const native = nativeAddon();
  const mapped = 'addon' in native ? native.addon : undefined;
  const read = async (path: string, name: string): Promise<Buffer> => (mapped && MAPPED.has(name) ? Buffer.from(mapped.mapFile(path)) : readFile(path));
  const check = await checkFolder(dir, stableStringify(params), FILES, new Set(FILES), read);
  if (check.status === 'missing') return { missing: true };
  if (check.status === 'corrupt') return check;
  const buf = (name: string): Buffer => check.files.get(name) ?? Buffer.alloc(0);
  // A mapping is used where it lies (checked just now, page by page); read bytes are copied into an aligned array.
  const embeddings = (name: string): Float32Array => {
    const b = buf(name);
    return mapped ? new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2) : f32(b);
  };
  const cat = buf('category.u16');
  const columns: DemoColumns = {
    params,
    itemEmbeddings: embeddings('items.f32'),
    userEmbeddings: embeddings('users.f32'),
    popularity: f32(buf('popularity.f32')),
    category: new Uint16Array(cat.buffer.slice(cat.byteOffset, cat.byteOffset + cat.byteLength)),
  };
  const fits =
    columns.itemEmbeddings.length === params.items * params.dim &&
    columns.userEmbeddings.length === params.users * params.dim &&
    columns.popularity.length === params.items &&
    columns.category.length === params.items;
  if (!fits) return { file: join(dir, 'meta.json'), reason: 'file sizes do not fit the parameters' };
  // A checksum vouches for what was written; this refuses what should never have been.
  return nonFinite(columns, dir) ?? { columns };
}

/** Writes the columns under a temporary name and renames them into place; a valid copy another process wrote first wins. */
async function writeColumns(dir: string, cols: DemoColumns, logger: Logger): Promise<DemoColumns> {
  const writer = await FolderWriter.open(dir);
  try {
    const arrays = [cols.itemEmbeddings, cols.userEmbeddings, cols.popularity, cols.category];
    for (const [i, name] of FILES.entries()) {
      const a = arrays[i];
      if (a) await writer.put(name, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
  } catch (err) {
    await writer.discard();
    throw err;
  }
  const result = await writer.publish(stableStringify(cols.params), async () => {
    const theirs = await readColumns(dir, cols.params);
    if ('columns' in theirs) return theirs.columns;
    if ('file' in theirs) logger.warn({ file: theirs.file, reason: theirs.reason }, 'replacing a corrupt cache folder');
    return undefined;
  });
  if (result.published) {
    logger.info({ dir }, 'demo catalog cached');
    // Read back, this process maps the copy the others will (when the addon is built).
    const ours = await readColumns(dir, cols.params);
    return 'columns' in ours ? ours.columns : cols;
  }
  logger.info({ dir }, 'another process cached the demo catalog first; using its copy');
  return result.existing;
}

/** Loads the demo columns from the cache, generating and caching them on a miss or a corrupt cache. */
export async function loadOrGenerateDemo(
  cacheRoot: string | undefined,
  params: DemoParams,
  logger: Logger,
  progress?: Progress,
): Promise<{ columns: DemoColumns; cached: boolean }> {
  if (cacheRoot === undefined) return { columns: generateChecked(params, progress), cached: false };
  const dir = demoCacheDir(cacheRoot, params);
  for (const { path, reason } of await removeStaleTemps(dir)) logger.info({ path, reason }, 'removed a stale cache temp folder');
  const hit = await readColumns(dir, params);
  if ('columns' in hit) return { columns: hit.columns, cached: true };
  if ('file' in hit) logger.warn({ file: hit.file, reason: hit.reason }, 'cache file corrupt; regenerating the demo catalog');
  const generated = generateChecked(params, progress);
  try {
    return { columns: await writeColumns(dir, generated, logger), cached: false };
  } catch (err) {
    // A read-only or full disk costs a regeneration at the next start, not this start.
    logger.warn({ dir, err }, 'could not cache the demo catalog; it will be generated again next start');
    return { columns: generated, cached: false };
  }
}

/** Generated data with a non-finite value is a bug, not a cache problem: an error. */
function generateChecked(params: DemoParams, progress?: Progress): DemoColumns {
  const cols = generateDemo(params, progress);
  const bad = nonFinite(cols, 'generated demo catalog');
  if (bad) throw new PairecError('ERR_DATA_INVALID', `${bad.file}: ${bad.reason}`);
  return cols;
}
