/**
 * One build per machine: the processes that need the same cache folder take a lock
 * next to it; one builds and publishes, the others wait and then read its folder. A
 * lock's holder refreshes its mtime, so a holder that died leaves a lock others take
 * over once stale (proper-lockfile: the same scheme on local and network filesystems).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import lockfile from 'proper-lockfile';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';

/** A holder that stops refreshing its lock for this long is taken for dead. */
const STALE_MS = 20_000;
const WAIT_MS = 250;

/**
 * Runs `produce` under the lock of `target`, unless `existing` finds the result first
 * (another process built it while this one waited). `existing` is asked before each try.
 */
export async function buildOnce<T>(
  target: string,
  existing: () => Promise<T | undefined>,
  produce: () => Promise<T>,
  logger: Logger,
  signal: AbortSignal,
): Promise<T> {
  await mkdir(dirname(target), { recursive: true });
  let waiting = false;
  for (;;) {
    const found = await existing();
    if (found !== undefined) return found;
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(target, {
        realpath: false,
        stale: STALE_MS,
        update: STALE_MS / 4,
        retries: 0,
        // A lock taken over as stale while we build: the build goes on, and publishing is
        // already safe against a sibling's folder (FolderWriter.publish), so only log it.
        onCompromised: (err) => logger.warn({ target, err: err.message }, 'build lock taken over by another process'),
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    }
    if (release) {
      try {
        return (await existing()) ?? (await produce());
      } finally {
        await release().catch(() => undefined);
      }
    }
    if (!waiting) logger.info({ target }, 'another process is building this; waiting for its result');
    waiting = true;
    await sleep(WAIT_MS, undefined, { signal }).catch(() => {
      throw new PairecError('ERR_ABORTED', `${target}: stopped waiting for another process's build`);
    });
  }
}
