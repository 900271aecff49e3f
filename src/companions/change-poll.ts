import type { Logger } from 'pino';
import type { ReadRecord } from './read-record.js';

export interface ChangePollOptions {
  /** Time between polls; each poll stats the recorded files (no reading). */
  readonly intervalMs: number;
  /** What the last load read (the load keeps it up to date). */
  readonly record: ReadRecord;
  /** The server's reload, the same serialized path `SIGHUP` takes. */
  readonly reload: (trigger: string) => Promise<unknown>;
  readonly logger: Logger;
}

export interface ChangePoll {
  /** One poll now (the timer calls it; tests call it directly). Resolves true when it reloaded. */
  check(): Promise<boolean>;
  stop(): void;
}

/**
 * Reloads a server's data when the files its last load read have changed. Polling, not
 * `fs.watch`: exports land by writing a new file and renaming it over the old one, which
 * ends an inotify watch on the file itself and is not reported at all on NFS, SMB or FUSE
 * mounts (and a Kubernetes volume swaps a symlink); a `stat` per file every few seconds
 * works on all of them. A file still being written (in place, or copied by a tool that does
 * not rename) would be read half-done, so a change is acted on only when the poll after the
 * one that saw it sees the same identity: a reload follows one to two intervals after the
 * last write. A load that fails records what it read like one that succeeds, so a broken
 * file costs one failed reload, not one per poll.
 */
export function startChangePoll(opts: ChangePollOptions): ChangePoll {
  const { record, logger } = opts;
  /** The changed state seen by the previous poll, acted on if this poll sees it again. */
  let pending: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const check = async (): Promise<boolean> => {
    const recorded = record.recorded();
    const { identity: now, changed } = await record.current();
    // A load that began during the stats recorded its own files: nothing to judge this time.
    if (record.recorded() !== recorded) return false;
    if (now === recorded) {
      pending = undefined;
      return false;
    }
    if (now !== pending) {
      pending = now; // first sight, or still changing: wait for one more poll
      return false;
    }
    pending = undefined;
    logger.info({ files: changed }, 'data files changed; reloading');
    await opts.reload('change');
    return true;
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      // A poll never throws (reload logs its own failures); the next one waits for it.
      void check()
        .catch((err: unknown) => logger.error({ err }, 'change poll failed'))
        .finally(schedule);
    }, opts.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    check,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
