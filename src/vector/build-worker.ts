/**
 * Worker-thread entry of buildIndexAside(): builds one index and writes it to a file.
 * The serving thread then reads that file, so a build (seconds of native inserts or
 * k-means at 100k rows) never holds the event loop that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { serveInWorker } from '../worker/run-in-worker.js';
import { buildIndex } from './vector-index.js';
import type { IndexSpec } from './index-types.js';

export interface BuildTask {
  readonly spec: IndexSpec;
  readonly vectors: Float32Array;
  readonly dim: number;
  readonly file: string;
}

async function build(task: BuildTask, logger: Logger): Promise<void> {
  const index = await buildIndex(task.spec, task.vectors, task.dim, logger, new AbortController().signal);
  if (!(await index.write(task.file))) throw new Error(`${task.file}: the index could not be written`);
}

if (parentPort) void serveInWorker(parentPort, (logger) => build(workerData as BuildTask, logger));
