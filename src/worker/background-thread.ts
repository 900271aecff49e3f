/**
 * What the engine's background worker threads (an index build, a catalog file read) share:
 * the lowest CPU priority for the thread, and log lines sent to the parent's logger.
 */
import { constants, platform, setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { pino } from 'pino';
import type { Logger } from 'pino';

/** A log line a worker sends to its parent, which writes it with its own bindings. */
export interface WorkerLogLine {
  readonly kind: 'log';
  readonly level: 'info' | 'warn';
  readonly msg: string;
  readonly fields: Record<string, unknown>;
}

/**
 * Gives the calling thread the lowest CPU priority, so background work during a catalog
 * refresh takes only the CPU the serving threads leave: at RW-100k on 2 cores an index
 * build at normal priority took half the machine and requests queued for seconds
 * (docs/performance.md, "A catalog refresh under load"). On Linux the nice value belongs
 * to the thread (`setpriority` with pid 0 is the calling thread); elsewhere it would
 * lower the whole process, serving included, so nothing changes there.
 */
export function idlePriority(): number | undefined {
  if (platform() !== 'linux') return undefined;
  try {
    setPriority(0, constants.priority.PRIORITY_LOW);
    return constants.priority.PRIORITY_LOW;
  } catch {
    return undefined; // not permitted: the work runs at the serving threads' priority
  }
}

/** A logger whose lines go to the parent thread (with its bindings) rather than to a second pino stream. */
export function parentLogger(port: MessagePort): Logger {
  return pino(
    { level: 'info', base: undefined },
    {
      write(line: string): void {
        const fields = JSON.parse(line) as Record<string, unknown>;
        const msg = String(fields.msg);
        const level = Number(fields.level) >= 40 ? 'warn' : 'info';
        for (const key of ['msg', 'level', 'time']) delete fields[key];
        port.postMessage({ kind: 'log', level, msg, fields } satisfies WorkerLogLine);
      },
    },
  );
}

/** Writes a worker's log line to the parent's logger. */
export function relayLog(logger: Logger, line: WorkerLogLine): void {
  if (line.level === 'warn') logger.warn(line.fields, line.msg);
  else logger.info(line.fields, line.msg);
}
