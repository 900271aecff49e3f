/**
 * piscina worker of the ONNX type's `workers` mode: one session per worker thread, loaded
 * once when the worker starts (top-level await), then reused for every task.
 */
import { workerData } from 'node:worker_threads';
import type { Feed } from './feeds.js';
import { createSession, scoreFeeds } from './session.js';

export interface WorkerInit {
  readonly modelPath: string;
  readonly outputName: string;
}

export interface ScoreTask {
  readonly feeds: readonly Feed[];
  readonly n: number;
}

const init = workerData as WorkerInit;
const session = await createSession(init.modelPath);

export function score(task: ScoreTask): Promise<Float32Array> {
  return scoreFeeds(session, init.outputName, task.feeds, task.n);
}
