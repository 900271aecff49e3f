import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { MemoryExposureStore, UserExposures } from './exposure-store.js';

/**
 * The in-memory exposures saved to a file (`ExposureConf.SnapshotFile`), so they can
 * outlive a restart of the whole service: loaded at start, written every
 * `SnapshotIntervalS` and when the process exits. JSON lines: a header, then one user per
 * line `[uid, [items…], [times…]]`, least recently shown first. Always written to a
 * temporary name and renamed: a crash mid-write leaves the previous file whole.
 */
const HEADER = 'pairec_exposures';
const VERSION = 1;
/** Lines per write call. */
const BATCH = 500;

const line = (u: UserExposures): string => JSON.stringify([u.uid, u.items, u.times]);
const headerLine = (): string => JSON.stringify({ [HEADER]: VERSION, saved_at: Date.now() });

const isUser = (v: unknown): v is [string, string[], number[]] =>
  Array.isArray(v) &&
  v.length === 3 &&
  typeof v[0] === 'string' &&
  Array.isArray(v[1]) &&
  Array.isArray(v[2]) &&
  v[1].length === v[2].length &&
  (v[1] as unknown[]).every((i) => typeof i === 'string') &&
  (v[2] as unknown[]).every((t) => typeof t === 'number' && Number.isFinite(t));

/**
 * Merges the file into `store`; a missing file is an empty one. A line that is not a
 * user is skipped and reported (file and line numbers), the others are kept.
 */
export async function loadExposureFile(path: string, store: MemoryExposureStore, logger: Logger): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      logger.info({ file: path }, 'no exposure file yet; starting empty');
      return;
    }
    throw err;
  }
  const lines = text.split('\n');
  let header: unknown;
  try {
    header = JSON.parse(lines[0] ?? '');
  } catch {
    header = undefined;
  }
  if (typeof header !== 'object' || header === null || (header as Record<string, unknown>)[HEADER] !== VERSION) {
    logger.error({ file: path }, 'the exposure file has no valid header; not loaded');
    return;
  }
  const bad: number[] = [];
  let users = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      v = undefined;
    }
    if (!isUser(v)) {
      bad.push(i + 1);
      continue;
    }
    store.merge(v[0], v[1], v[2]);
    users++;
  }
  if (bad.length > 0) logger.error({ file: path, lines: bad.slice(0, 10), badLines: bad.length }, 'exposure file lines that are not a user were skipped');
  logger.info({ file: path, users, kept: store.users, bytes: store.bytes }, 'exposures loaded from file');
}

/** Writes the store to `path` now, synchronously (at exit, when nothing async runs). */
export function writeExposureFileSync(path: string, store: MemoryExposureStore): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, headerLine() + '\n');
    let batch: string[] = [];
    for (const u of store.dump()) {
      batch.push(line(u));
      if (batch.length >= BATCH) {
        writeSync(fd, batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) writeSync(fd, batch.join('\n') + '\n');
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes the store to `path` without blocking the event loop for long (a batch of users per turn). */
export async function writeExposureFile(path: string, store: MemoryExposureStore): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, 'w');
  try {
    await file.write(headerLine() + '\n');
    let batch: string[] = [];
    for (const u of store.dump()) {
      batch.push(line(u));
      if (batch.length >= BATCH) {
        await file.write(batch.join('\n') + '\n');
        batch = [];
      }
    }
    if (batch.length > 0) await file.write(batch.join('\n') + '\n');
  } finally {
    await file.close();
  }
  await rename(tmp, path);
}

/**
 * Keeps `path` up to date: every `intervalMs` (skipped while a write is still running)
 * and once more when the process exits. The timer does not keep the process alive.
 */
export function keepExposureFile(path: string, store: MemoryExposureStore, intervalMs: number, logger: Logger): void {
  let writing = false;
  const timer = setInterval(() => {
    if (writing) return;
    writing = true;
    writeExposureFile(path, store).then(
      () => (writing = false),
      (err: unknown) => {
        writing = false;
        logger.error({ err, file: path }, 'writing the exposure file failed; the previous one is kept');
      },
    );
  }, intervalMs);
  timer.unref();
  process.once('exit', () => {
    try {
      writeExposureFileSync(path, store);
    } catch (err) {
      logger.error({ err, file: path }, 'writing the exposure file at exit failed; the previous one is kept');
    }
  });
}
