/**
 * The last good version of each file of a `Source: "file"` catalog, kept in its CacheDir.
 * A damaged export is refused by a running server (the old version keeps serving), but a
 * process that starts afterwards — a serving process killed and restarted by the cluster
 * primary, a redeploy — has no old version in memory: it would fail its first load and
 * restart forever. With the copy it starts on the last version that loaded, and the
 * refresher keeps polling for a good export.
 */
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import type { Catalog } from './catalog.js';
import { fileIdentity, fileIdentityAsync } from './file-identity.js';
import { cacheRoot, loadCatalog } from './load.js';
import type { CatalogLoadOptions } from './load.js';
import { claimTempName, releaseTempName, removeStaleTemps } from '../cache/temp-folders.js';

const FOLDER = 'catalog-last-good';
const SIDES = ['Items', 'Users'] as const;

/** A catalog served from the last good copies, and why: the copies it read and the current files' error. */
export interface LastGoodUse {
  readonly files: readonly string[];
  readonly error: string;
}

const served = new WeakMap<Catalog, LastGoodUse>();
/** How to keep the files of a catalog that loaded, once the engine serves it (keepServedFiles). */
const keepers = new WeakMap<Catalog, () => Promise<void>>();

/**
 * Keeps the files of a catalog the engine now serves as their last good copies: only a
 * version the whole config applied with (not one that read well but that a filter or
 * model then refused) is worth starting on. Off the serving path: a failure costs only
 * the copy, logged.
 */
export function keepServedFiles(catalog: Catalog | undefined, logger: Logger): void {
  const keep = catalog && keepers.get(catalog);
  if (!catalog || !keep) return;
  keepers.delete(catalog);
  keep().catch((err: unknown) => logger.warn({ err }, 'could not keep the last good copy of the catalog files'));
}

/** Whether a catalog was loaded from the last good copies (and which), because the current files failed. */
export function lastGoodOf(catalog: Catalog | undefined): LastGoodUse | undefined {
  return catalog && served.get(catalog);
}

/** Where the last good copy of `path` lives: one name per source path, its extension kept (it decides the reader). */
export function lastGoodPath(root: string, path: string): string {
  const key = createHash('sha256').update(path).digest('hex').slice(0, 16);
  return join(root, FOLDER, `${key}-${basename(path)}`);
}

/** The link or copy, else a copy: the file systems a cache lives on do not all link (another volume, some network mounts). */
export interface LinkFs {
  link(from: string, to: string): Promise<void>;
  copyFile(from: string, to: string): Promise<void>;
}
const NODE_FS: LinkFs = { link, copyFile };

/**
 * Keeps `path` as its last good copy when it is still the version that was loaded
 * (`loaded`: its identity before the read): a hard link (no copy of the bytes; the export
 * is replaced by rename, so the link keeps the old inode), or a copy when linking fails.
 * The copy's own identity goes beside it: a copy changed afterwards (an exporter that
 * rewrites the file in place, which a link would follow) is then not trusted.
 */
export async function keepLastGood(root: string, path: string, loaded: string, fs: LinkFs = NODE_FS): Promise<'linked' | 'copied' | 'changed' | 'kept'> {
  const dest = lastGoodPath(root, path);
  // Every start loads the current version again: a copy of it already kept is not made twice.
  if (keptOf(dest)?.source === loaded && intactCopy(root, path) !== undefined) return 'kept';
  await mkdir(join(root, FOLDER), { recursive: true });
  await removeStaleTemps(dest);
  const tmp = claimTempName(dest);
  const sidecar = claimTempName(`${dest}.identity`);
  try {
    let how: 'linked' | 'copied' = 'linked';
    try {
      await fs.link(path, tmp);
    } catch {
      how = 'copied';
      await fs.copyFile(path, tmp);
    }
    // Replaced while we linked or copied: that is not the version that loaded.
    const own = await fileIdentityAsync(tmp);
    if ((how === 'linked' ? own : await fileIdentityAsync(path)) !== loaded) return 'changed';
    const kept: Kept = { copy: own, source: loaded };
    await writeFile(sidecar, JSON.stringify(kept));
    await rename(tmp, dest);
    await rename(sidecar, `${dest}.identity`);
    return how;
  } finally {
    await Promise.all([rm(tmp, { force: true }), rm(sidecar, { force: true })]);
    releaseTempName(tmp);
    releaseTempName(sidecar);
  }
}

/** What the file beside a copy says: the copy's identity when kept, and the source version's. */
interface Kept {
  readonly copy: string;
  readonly source: string;
}

function keptOf(copy: string): Kept | undefined {
  try {
    const k = JSON.parse(readFileSync(`${copy}.identity`, 'utf8')) as Partial<Kept>;
    return typeof k.copy === 'string' && typeof k.source === 'string' ? { copy: k.copy, source: k.source } : undefined;
  } catch {
    return undefined;
  }
}

/** The last good copy of `path`, when there is one and it is as it was kept. */
function intactCopy(root: string, path: string): string | undefined {
  const copy = lastGoodPath(root, path);
  const kept = keptOf(copy);
  return kept !== undefined && kept.copy !== 'missing' && kept.copy === fileIdentity(copy) ? copy : undefined;
}

/**
 * Loads the catalog. A `Source: "file"` catalog with a CacheDir is marked so that its
 * files become the last good copies once it serves (keepServedFiles). With `fallback` (no
 * catalog serving yet: a start), files that fail to load are replaced by their last good
 * copies, logged at error; the result is marked (lastGoodOf) so the engine counts and
 * shows it. Without a usable copy the first error stands.
 */
export async function loadCatalogOrLastGood(conf: CatalogConf, logger: Logger, fallback: boolean, opts: CatalogLoadOptions = {}): Promise<Catalog> {
  const root = cacheRoot(conf);
  if (conf.Source !== 'file' || root === undefined) return loadCatalog(conf, logger, opts);
  // A file catalog's sides name their Path (catalog/file-conf.ts checks it at load).
  const pathOf = (s: (typeof SIDES)[number]): string | undefined => conf[s]?.Path;
  const paths = SIDES.flatMap((s) => {
    const p = pathOf(s);
    return p === undefined ? [] : [p];
  });
  // Before the read, as the catalog's signature: a file replaced meanwhile is not kept as this version.
  const loaded = paths.map((p) => fileIdentity(p));
  try {
    const catalog = await loadCatalog(conf, logger);
    keepers.set(catalog, async () => {
      for (const [i, path] of paths.entries()) await keepLastGood(root, path, loaded[i] ?? '');
    });
    return catalog;
  } catch (err) {
    if (!fallback) throw err;
    const sides = SIDES.map((s) => {
      const p = pathOf(s);
      return [s, p === undefined ? undefined : intactCopy(root, p)] as const;
    });
    if (!sides.some(([, copy]) => copy !== undefined)) throw err;
    const alt: CatalogConf = { ...conf };
    for (const [s, copy] of sides) if (copy !== undefined && conf[s]) alt[s] = { ...conf[s], Path: copy };
    const files = sides.flatMap(([, copy]) => (copy === undefined ? [] : [copy]));
    let catalog: Catalog;
    try {
      catalog = await loadCatalog(alt, logger);
    } catch (again) {
      logger.error({ err: again, files }, 'the last good copy of the catalog files did not load either');
      throw err;
    }
    const error = err instanceof Error ? err.message : String(err);
    logger.error({ err, files: paths, lastGood: files }, 'catalog files failed to load at start; serving their last good copy until a good version lands');
    served.set(catalog, { files, error });
    return catalog;
  }
}
