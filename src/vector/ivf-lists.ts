/**
 * An IVF index's rows in list order as a cache file that every serving process on the
 * machine maps (src/native): one copy in the page cache instead of one per process. The
 * file sits in a `lists` folder inside the index's cache folder, written once under the
 * build lock and checked like any cache folder (size and CRC-32) before it is mapped.
 */
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { checkFolder, FolderWriter } from '../cache/cache-folder.js';
import { buildOnce } from '../cache/build-lock.js';
import { nativeAddon } from '../native/addon.js';

/** The rows in list order (`stride` floats each) and each position's weight, as the scan reads them. */
export interface ListRows {
  readonly vectors: Float32Array;
  readonly weights: Float32Array;
}

/** What a cached index's reader is told when the index lives in a cache folder (see loadOrBuildIndex). */
export interface SharedCache {
  readonly key: string;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/** What the list file holds: position p is row `order[p]`; `weight` per row (none for inner product). */
export interface ListSource {
  readonly dim: number;
  readonly stride: number;
  readonly vectors: Float32Array;
  readonly order: Int32Array;
  readonly weight: ((row: Float32Array) => number) | undefined;
}

export const LISTS_FOLDER = 'lists';
const LISTS_FILE = 'lists.f32';
const CHUNK_ROWS = 8192;

let reportedMissing = false;

/**
 * The mapped rows of the index whose file is `indexFile`, written first if no process
 * has; undefined (the caller keeps its rows in memory) without the native addon.
 */
export async function sharedListRows(indexFile: string, source: ListSource, cache: SharedCache): Promise<ListRows | undefined> {
  const native = nativeAddon();
  if (!('addon' in native)) {
    if (!reportedMissing) cache.logger.warn({ reason: native.missing }, 'IVF rows are kept in each process, not shared: no native addon');
    reportedMissing = true;
    return undefined;
  }
  const { addon } = native;
  const dir = join(dirname(indexFile), LISTS_FOLDER);
  const key = `${cache.key}:lists:${source.stride}`;
  const rows = source.order.length;
  const cached = async (): Promise<ListRows | undefined> => {
    // The checksum is taken over the mapping itself: the pages checked are the pages scanned.
    const check = await checkFolder(dir, key, [LISTS_FILE], new Set([LISTS_FILE]), (path) => Promise.resolve(Buffer.from(addon.mapFile(path))));
    if (check.status === 'missing') return undefined;
    if (check.status === 'corrupt') {
      cache.logger.warn({ file: check.file, reason: check.reason }, 'cache file corrupt; rewriting the IVF lists');
      return undefined;
    }
    const file = check.files.get(LISTS_FILE);
    return file ? listRows(file.buffer, rows, source.stride) : undefined;
  };
  return buildOnce(
    dir,
    cached,
    async () => {
      const writer = await FolderWriter.open(dir);
      try {
        await writeListRows(writer.path(LISTS_FILE), source);
        await writer.record(LISTS_FILE);
      } catch (err) {
        await writer.discard();
        throw err;
      }
      const result = await writer.publish(key, cached);
      if (!result.published) return result.existing;
      const rowsNow = await cached();
      if (!rowsNow) throw new Error(`${dir}: the IVF lists just written do not read back`);
      return rowsNow;
    },
    cache.logger,
    cache.signal,
  );
}

function listRows(buffer: ArrayBufferLike, rows: number, stride: number): ListRows | undefined {
  if (buffer.byteLength !== (rows * stride + rows) * 4) return undefined;
  return { vectors: new Float32Array(buffer, 0, rows * stride), weights: new Float32Array(buffer, rows * stride * 4, rows) };
}

/** Writes the rows in list order (zero-padded to the stride), then the weights, a chunk at a time. */
async function writeListRows(file: string, s: ListSource): Promise<void> {
  const rows = s.order.length;
  const handle = await open(file, 'w');
  try {
    const chunk = new Float32Array(CHUNK_ROWS * s.stride);
    for (let p0 = 0; p0 < rows; p0 += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - p0);
      for (let i = 0; i < n; i++) {
        const from = (s.order[p0 + i] as number) * s.dim;
        for (let d = 0, to = i * s.stride; d < s.dim; d++) chunk[to + d] = s.vectors[from + d] as number;
      }
      await handle.write(new Uint8Array(chunk.buffer, 0, n * s.stride * 4));
    }
    const weights = new Float32Array(rows);
    if (s.weight) {
      for (let p = 0; p < rows; p++) {
        const r = s.order[p] as number;
        weights[p] = s.weight(s.vectors.subarray(r * s.dim, (r + 1) * s.dim));
      }
    }
    await handle.write(new Uint8Array(weights.buffer));
  } finally {
    await handle.close();
  }
}
