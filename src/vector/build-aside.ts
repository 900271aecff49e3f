import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { isErrorCode, PairecError } from '../errors.js';
import type { BuildMessage, BuildTask } from './build-worker.js';
import type { IndexSpec } from './index-types.js';
import { relayLog } from '../worker/background-thread.js';

const WORKER = new URL('./build-worker.js', import.meta.url);

/**
 * Builds an index in a worker thread and writes it to `file`. One task per build, so a
 * plain Worker rather than a pool: builds are rare (a start, a catalog refresh) and a
 * pool would keep a thread and its heap alive between them. The vectors are copied to
 * the worker (structured clone, ≈ 10 ms per 25 MB): the serving thread keeps using its own.
 */
export function buildIndexAside(spec: IndexSpec, vectors: Float32Array, dim: number, file: string, logger: Logger, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new PairecError('ERR_ABORTED', 'vector index build aborted'));
  const task: BuildTask = { spec, vectors, dim, file };
  return new Promise<void>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: task });
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      if (err) reject(err);
      else resolve();
    };
    const onAbort = (): void => finish(new PairecError('ERR_ABORTED', 'vector index build aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: BuildMessage) => {
      if (m.kind === 'log') relayLog(logger, m);
      else if (m.kind === 'done') finish();
      else finish(new PairecError(m.code !== undefined && isErrorCode(m.code) ? m.code : 'ERR_ALGORITHM_BUILD', m.message));
    });
    worker.on('error', (err) => finish(new PairecError('ERR_ALGORITHM_BUILD', `vector index build: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => finish(new PairecError('ERR_ALGORITHM_BUILD', `vector index build: the worker exited (${code}) before it finished`)));
  });
}
