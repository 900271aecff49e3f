/**
 * Worker-thread entry of buildIndexAside(): builds one index and writes it to a file.
 * The serving thread then reads that file, so a build (seconds of native inserts or
 * k-means at 100k rows) never holds the event loop that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { idlePriority, parentLogger } from '../worker/background-thread.js';
import type { WorkerLogLine } from '../worker/background-thread.js';
import { buildIndex } from './vector-index.js';
import type { IndexSpec } from './index-types.js';

export interface BuildTask {
  readonly spec: IndexSpec;
  readonly vectors: Float32Array;
  readonly dim: number;
  readonly file: string;
}

/** What the worker posts back: progress lines for the parent's logger, then the result. */
export type BuildMessage =
  | WorkerLogLine
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly code: string | undefined; readonly message: string };

async function run(task: BuildTask, port: MessagePort): Promise<BuildMessage> {
  const logger = parentLogger(port);
  idlePriority();
  try {
    const index = await buildIndex(task.spec, task.vectors, task.dim, logger, new AbortController().signal);
    if (!(await index.write(task.file))) throw new Error(`${task.file}: the index could not be written`);
    return { kind: 'done' };
  } catch (err) {
    return { kind: 'failed', code: (err as { code?: string }).code, message: err instanceof Error ? err.message : String(err) };
  }
}

if (parentPort) {
  const port = parentPort;
  void run(workerData as BuildTask, port).then((m) => port.postMessage(m));
}
