/**
 * piscina worker of the ONNX type's `workers` mode: one session per worker thread, loaded
 * once when the worker starts (top-level await), then reused for every task.
 */
import { workerData } from 'node:worker_threads';
import { createSession, modelInfo, scoreRows } from './session.js';

export interface WorkerInit {
  readonly modelPath: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly userInputName?: string | undefined;
}

export interface ScoreTask {
  readonly rows: Float32Array;
  readonly n: number;
  readonly width: number;
  readonly user?: Float32Array | undefined;
}

const init = workerData as WorkerInit;
const session = await createSession(init.modelPath);
const info = modelInfo(session, init.inputName, init.outputName, init.userInputName);

export function score(task: ScoreTask): Promise<Float32Array> {
  return scoreRows(session, info, task.rows, task.n, task.width, task.user);
}
