import { Piscina } from 'piscina';
import type { ScoreRunner } from './session.js';
import type { ScoreTask, WorkerInit } from './worker.js';

const WORKER = new URL('./worker.js', import.meta.url);

/**
 * Workers mode: a fixed piscina pool, one session per thread. Admission (MaxConcurrent,
 * MaxQueue, abort) happens before a task reaches piscina, so piscina's own queue stays
 * short and a running task is never aborted (piscina would kill its worker to do it).
 */
export class WorkerPoolRunner implements ScoreRunner {
  readonly #pool: Piscina<ScoreTask, Float32Array>;

  private constructor(pool: Piscina<ScoreTask, Float32Array>) {
    this.#pool = pool;
  }

  /** Starts the threads and waits until each has loaded the model. */
  static async start(threads: number, width: number, init: WorkerInit, userWidth = 0): Promise<WorkerPoolRunner> {
    const pool = new Piscina<ScoreTask, Float32Array>({
      filename: WORKER.href,
      name: 'score',
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: init,
    });
    const runner = new WorkerPoolRunner(pool);
    try {
      // One empty run per thread: a model that fails to load fails the build, not a request.
      await Promise.all(Array.from({ length: threads }, () => pool.run({ rows: new Float32Array(width), n: 1, width, user: init.userInputName === undefined ? undefined : new Float32Array(userWidth) })));
    } catch (err) {
      await runner.close();
      throw err;
    }
    return runner;
  }

  score(rows: Float32Array, n: number, width: number, user?: Float32Array): Promise<Float32Array> {
    // A copy of just the used rows is moved (not cloned) to the worker: the caller's pooled
    // buffer is free as soon as this returns, and no unused tail crosses threads.
    const copy = rows.slice(0, n * width);
    return this.#pool.run({ rows: copy, n, width, user }, { transferList: [copy.buffer] });
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}
