import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Logger } from 'pino';
import { isErrorCode, PairecError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { idlePriority, parentLogger, relayLog } from './background-thread.js';
import type { WorkerLogLine } from './background-thread.js';

/** What a background worker posts: log lines for the parent's logger, then its result or its failure. */
export type WorkerReply<T> =
  | WorkerLogLine
  | { readonly kind: 'done'; readonly result: T }
  | { readonly kind: 'failed'; readonly code: string | undefined; readonly message: string; readonly path: string | undefined };

/**
 * The worker side: runs `work` at the lowest priority with a logger that writes through
 * the parent, and posts its result (with `transfer`: buffers moved, not copied) or its
 * failure (code, message and path kept, so the parent rethrows the same catalog error).
 */
export async function serveInWorker<T>(
  port: MessagePort,
  work: (logger: Logger) => Promise<T>,
  transfer: (result: T) => ArrayBuffer[] = () => [],
): Promise<void> {
  idlePriority();
  try {
    const result = await work(parentLogger(port));
    port.postMessage({ kind: 'done', result } satisfies WorkerReply<T>, transfer(result));
  } catch (err) {
    const e = err as { code?: string; path?: string };
    port.postMessage({ kind: 'failed', code: e.code, message: err instanceof Error ? err.message : String(err), path: e.path } satisfies WorkerReply<T>);
  }
}

export interface WorkerRun {
  /** What the work is, for errors: "vector index build", "catalog read". */
  readonly what: string;
  /** The code of a failure that names none (the worker crashed, or threw a plain Error). */
  readonly failCode: ErrorCode;
  readonly logger: Logger;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The parent side: one Worker per task, not a pool — these tasks are rare (a start, a
 * catalog refresh) and a pool would keep a thread and its heap alive between them. The
 * promise settles once: with the result, the worker's failure, an abort (the worker is
 * terminated), or the worker's exit before it answered.
 */
export function runInWorker<T>(url: URL, data: unknown, run: WorkerRun): Promise<T> {
  const { what, failCode, logger, signal } = run;
  if (signal?.aborted) return Promise.reject(new PairecError('ERR_ABORTED', `${what} aborted`));
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(url, { workerData: data });
    let settled = false;
    const settle = (done: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      done();
    };
    const fail = (err: Error): void => settle(() => reject(err));
    const onAbort = (): void => fail(new PairecError('ERR_ABORTED', `${what} aborted`));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerReply<T>) => {
      if (m.kind === 'log') relayLog(logger, m);
      else if (m.kind === 'done') settle(() => resolve(m.result));
      else fail(new PairecError(m.code !== undefined && isErrorCode(m.code) ? m.code : failCode, m.message, { path: m.path }));
    });
    worker.on('error', (err) => fail(new PairecError(failCode, `${what}: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new PairecError(failCode, `${what}: the worker exited (${code}) before it finished`)));
  });
}
