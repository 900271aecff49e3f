/**
 * A file or table catalog's embeddings, once parsed, written to the cache and mapped, so
 * that the serving processes of a machine keep one copy (decision 0005) where each would
 * hold its own. The folder is named by a SHA-256 of the embeddings themselves: a process
 * maps only bytes equal to what it parsed, even when the files changed while another
 * process read them. Without the native addon or a cache folder, the parsed copy serves.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { checkFolder, FolderWriter } from '../cache/cache-folder.js';
import { buildOnce } from '../cache/build-lock.js';
import { nativeAddon } from '../native/addon.js';
import type { CatalogData } from './catalog.js';

const FILES = ['items.f32', 'users.f32'] as const;
const bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The embeddings' content key: the folder's name, and what its meta must say. */
function contentKey(data: CatalogData): string {
  const hash = createHash('sha256');
  hash.update(`${data.dim}:${data.itemEmbeddings.length}:${data.userEmbeddings.length}:`);
  hash.update(bytes(data.itemEmbeddings));
  hash.update(':');
  hash.update(bytes(data.userEmbeddings));
  return hash.digest('hex');
}

/** `data` with its embeddings mapped from `<root>/embeddings-<hash>/`, written first if no process has; `data` itself where that cannot be. */
export async function shareEmbeddings(data: CatalogData, root: string | undefined, logger: Logger): Promise<CatalogData> {
  const native = nativeAddon();
  if (root === undefined || !('addon' in native) || data.itemEmbeddings.length === 0) return data;
  const { addon } = native;
  const key = contentKey(data);
  const dir = join(root, `embeddings-${key.slice(0, 24)}`);
  const cached = async (): Promise<CatalogData | undefined> => {
    const check = await checkFolder(dir, key, FILES, new Set(FILES), (path) =>
      path.endsWith('.f32') ? Promise.resolve(Buffer.from(addon.mapFile(path))) : readFile(path),
    );
    if (check.status === 'missing') return undefined;
    if (check.status === 'corrupt') {
      logger.warn({ file: check.file, reason: check.reason }, 'cache file corrupt; writing the catalog embeddings again');
      return undefined;
    }
    const view = (name: string): Float32Array => {
      const b = check.files.get(name) ?? Buffer.alloc(0);
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
    };
    const itemEmbeddings = view('items.f32');
    const userEmbeddings = view('users.f32');
    if (itemEmbeddings.length !== data.itemEmbeddings.length || userEmbeddings.length !== data.userEmbeddings.length) return undefined;
    return { ...data, itemEmbeddings, userEmbeddings, cacheFolder: dir };
  };
  try {
    return await buildOnce(
      dir,
      cached,
      async () => {
        const writer = await FolderWriter.open(dir);
        try {
          await writer.put('items.f32', bytes(data.itemEmbeddings));
          await writer.put('users.f32', bytes(data.userEmbeddings));
        } catch (err) {
          await writer.discard();
          throw err;
        }
        const result = await writer.publish(key, cached);
        return (result.published ? await cached() : result.existing) ?? data;
      },
      logger,
      new AbortController().signal,
    );
  } catch (err) {
    // A full or read-only disk costs the sharing, never the load.
    logger.warn({ dir, err }, 'catalog embeddings could not be shared; this process keeps its own copy');
    return data;
  }
}
