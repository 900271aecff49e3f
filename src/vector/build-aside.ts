import type { Logger } from 'pino';
import { runInWorker } from '../worker/run-in-worker.js';
import type { BuildTask } from './build-worker.js';
import type { IndexSpec } from './index-types.js';

const WORKER = new URL('./build-worker.js', import.meta.url);

/**
 * Builds an index in a worker thread and writes it to `file`; the serving thread then
 * reads that file. The vectors are copied to the worker (structured clone, ≈ 10 ms per
 * 25 MB): the serving thread keeps using its own.
 */
export function buildIndexAside(spec: IndexSpec, vectors: Float32Array, dim: number, file: string, logger: Logger, signal: AbortSignal): Promise<void> {
  const task: BuildTask = { spec, vectors, dim, file };
  return runInWorker<void>(WORKER, task, { what: 'vector index build', failCode: 'ERR_ALGORITHM_BUILD', logger, signal });
}
