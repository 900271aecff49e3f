/**
 * Temporary folders next to a cache folder: a cache is written into one, then renamed
 * into place. Their names say who made them (host, pid, a per-start nonce), so a start
 * can remove what a crashed earlier start left behind without touching a sibling's
 * folder still being written.
 */
import { randomBytes, createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
/** Folders this process is writing now: never stale while listed. */
const mine = new Set<string>();
/** A folder of another host is left alone unless it is older than this (a shared volume: its pid means nothing here). */
export const FOREIGN_TEMP_AGE_MS = 3600_000;

/** `<target>.tmp-<host>-<pid>-<nonce>`; `release()` once it is renamed or removed. */
export function claimTempName(target: string): string {
  const name = `${target}.tmp-${HOST}-${process.pid}-${randomBytes(4).toString('hex')}`;
  mine.add(name);
  return name;
}

export function releaseTempName(name: string): void {
  mine.delete(name);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const CURRENT = /\.tmp-([0-9a-f]{8})-(\d+)-[0-9a-f]{8}$/;
/** Names of earlier versions: `<target>.tmp-<pid>`, folder or file. */
const LEGACY = /\.tmp-(\d+)$/;

/** Why a temp entry in the cache root is stale, or undefined when it may still be written. */
async function staleness(path: string): Promise<string | undefined> {
  const name = basename(path);
  const current = CURRENT.exec(name);
  const legacy = current ? undefined : LEGACY.exec(name);
  if (!current && !legacy) return undefined;
  const pid = Number(current ? current[2] : legacy?.[1]);
  const sameHost = legacy !== undefined || current?.[1] === HOST;
  if (sameHost) {
    // Our own pid on a name we are not writing: a crashed start that had our pid (a container restart reuses pids).
    if (pid === process.pid) return mine.has(path) ? undefined : 'left by an earlier start with this pid';
    if (!alive(pid)) return 'its process is gone';
  }
  const age = Date.now() - (await stat(path)).mtimeMs;
  return age > FOREIGN_TEMP_AGE_MS ? `untouched for ${Math.round(age / 60_000)} min` : undefined;
}

/** Removes stale temp entries of the cache root (where `target` lives); returns what it removed and why. */
export async function removeStaleTemps(target: string): Promise<{ path: string; reason: string }[]> {
  const root = dirname(target);
  const names = await readdir(root).catch(() => [] as string[]);
  const removed: { path: string; reason: string }[] = [];
  for (const name of names) {
    const path = join(root, name);
    const reason = await staleness(path).catch(() => undefined);
    if (reason === undefined) continue;
    // A sibling may be removing the same leftover: force ignores what is already gone.
    await rm(path, { recursive: true, force: true }).then(
      () => removed.push({ path, reason }),
      () => undefined,
    );
  }
  return removed;
}
