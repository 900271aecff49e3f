/**
 * A cache folder: data files plus `meta.json`, which records what the folder was built
 * from (`key`) and each file's size and CRC-32. A folder is written under a temporary
 * name and renamed into place whole, and checked file by file before anything reads
 * it, so a torn write, a flipped byte or a stale layout is a miss (and is rebuilt),
 * never data handed to a native library.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stableStringify } from '../algorithm/signature.js';
import { crc32Of, crc32OfFile } from './checksum.js';
import { claimTempName, releaseTempName } from './temp-folders.js';

export const META_FILE = 'meta.json';
const FORMAT = 2;

export interface FileEntry {
  readonly name: string;
  readonly bytes: number;
  readonly crc32: number;
}

interface Meta {
  readonly format: number;
  readonly key: string;
  readonly files: readonly FileEntry[];
}

/** `files` holds the contents of the files asked for in `keep`; the others were checked by streaming. */
export type FolderCheck =
  | { readonly status: 'ok'; readonly files: ReadonlyMap<string, Buffer> }
  | { readonly status: 'missing' }
  | { readonly status: 'corrupt'; readonly file: string; readonly reason: string };

/** The meta file is its own JSON plus a CRC of it: a damaged byte there is caught too. */
function encodeMeta(meta: Meta): string {
  const body = stableStringify(meta);
  return `${body}\n${crc32Of(Buffer.from(body))}\n`;
}

function decodeMeta(text: string): Meta | string {
  const [body, crc, rest] = text.split('\n');
  if (body === undefined || crc === undefined || rest !== '' || String(crc32Of(Buffer.from(body))) !== crc) return 'its checksum does not match';
  const meta = JSON.parse(body) as Partial<Meta>;
  if (meta.format !== FORMAT || typeof meta.key !== 'string' || !Array.isArray(meta.files)) return `another format (${String(meta.format)})`;
  return meta as Meta;
}

const corrupt = (file: string, reason: string): FolderCheck => ({ status: 'corrupt', file, reason });

/**
 * Checks the folder `dir` against `key` and the file names expected in it. The files in
 * `keep` are returned as `read` gives them (readFile by default; a mapping of the file,
 * so the check reads the very pages the caller will, without a copy).
 */
export async function checkFolder(
  dir: string,
  key: string,
  names: readonly string[],
  keep: ReadonlySet<string> = new Set(),
  read: (path: string, name: string) => Promise<Buffer> = (path) => readFile(path),
): Promise<FolderCheck> {
  const metaPath = join(dir, META_FILE);
  let text: string;
  try {
    text = await readFile(metaPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(await stat(dir).catch(() => undefined))) return { status: 'missing' };
    return corrupt(metaPath, `unreadable (${String(code)})`);
  }
  let meta: Meta | string;
  try {
    meta = decodeMeta(text);
  } catch {
    meta = 'not JSON';
  }
  if (typeof meta === 'string') return corrupt(metaPath, meta);
  if (meta.key !== key) return corrupt(metaPath, 'built from other parameters');
  const listed = meta.files.map((f) => f.name);
  if (stableStringify([...listed].sort()) !== stableStringify([...names].sort())) return corrupt(metaPath, `lists ${listed.join(', ')}`);
  const files = new Map<string, Buffer>();
  for (const entry of meta.files) {
    const path = join(dir, entry.name);
    try {
      const size = (await stat(path)).size;
      if (size !== entry.bytes) return corrupt(path, `${size} bytes, ${entry.bytes} written`);
      let crc: number;
      if (keep.has(entry.name)) {
        const data = await read(path, entry.name);
        if (data.byteLength !== entry.bytes) return corrupt(path, `${data.byteLength} bytes read, ${entry.bytes} written`);
        crc = crc32Of(data);
        files.set(entry.name, data);
      } else {
        crc = (await crc32OfFile(path)).crc32;
      }
      if (crc !== entry.crc32) return corrupt(path, `checksum ${crc} does not match ${entry.crc32}`);
    } catch (err) {
      return corrupt(path, `unreadable (${String((err as NodeJS.ErrnoException).code)})`);
    }
  }
  return { status: 'ok', files };
}

/** What publish() did: moved this folder into place, or found a valid one there (another process's) and kept that. */
export type Published<T> = { readonly published: true } | { readonly published: false; readonly existing: T };

/**
 * A cache folder being written under a temporary name next to its target. Files go in
 * with put() (bytes) or record() (a file a native writer made at path()), then
 * publish() renames the folder into place.
 */
export class FolderWriter {
  readonly target: string;
  readonly tmp: string;
  readonly #entries: FileEntry[] = [];

  private constructor(target: string, tmp: string) {
    this.target = target;
    this.tmp = tmp;
  }

  static async open(target: string): Promise<FolderWriter> {
    const tmp = claimTempName(target);
    try {
      await mkdir(tmp, { recursive: true });
    } catch (err) {
      releaseTempName(tmp);
      throw err;
    }
    return new FolderWriter(target, tmp);
  }

  path(name: string): string {
    return join(this.tmp, name);
  }

  async put(name: string, data: Uint8Array): Promise<void> {
    await writeFile(this.path(name), data);
    this.#entries.push({ name, bytes: data.byteLength, crc32: crc32Of(data) });
  }

  /** Records a file written at path(name) by someone else (hnswlib writes its index by path). */
  async record(name: string): Promise<void> {
    const { crc32, bytes } = await crc32OfFile(this.path(name));
    this.#entries.push({ name, bytes, crc32 });
  }

  /**
   * Renames the folder into place. A target that exists already (a sibling process
   * finished the same cache first, or a leftover of an older layout) is checked with
   * `existing`: valid, it is kept and ours removed; not valid, it is moved aside and
   * replaced. Whatever happens, no temporary folder is left.
   */
  async publish<T>(key: string, existing: () => Promise<T | undefined>): Promise<Published<T>> {
    try {
      await writeFile(this.path(META_FILE), encodeMeta({ format: FORMAT, key, files: this.#entries }));
      for (let attempt = 0; attempt < 5; attempt++) {
        if (await renamed(this.tmp, this.target)) return { published: true };
        const theirs = await existing();
        if (theirs !== undefined) return { published: false, existing: theirs };
        // Not valid: move it aside (another process may do the same; whoever renames first wins) and retry.
        const aside = claimTempName(this.target);
        try {
          await rename(this.target, aside).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
          });
        } finally {
          await rm(aside, { recursive: true, force: true });
          releaseTempName(aside);
        }
      }
      throw new Error(`${this.target}: replaced by other processes five times over`);
    } finally {
      await this.discard();
    }
  }

  /** Removes the temporary folder (nothing when it was renamed into place). */
  async discard(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    releaseTempName(this.tmp);
  }
}

/** rename(2) of a folder onto a target: false when the target exists (a non-empty folder, or a file of an older layout). */
async function renamed(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR') return false;
    throw err;
  }
}
