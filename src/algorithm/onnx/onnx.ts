import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import { scoreInputSize } from '../contract.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../contract.js';
import type { BufferPool } from './buffer-pool.js';
import { assembleFeeds, pooledRowWidth } from './feeds.js';
import type { InputPlan } from './layout.js';
import type { RunLimiter } from './run-limiter.js';
import type { ScoreRunner } from './session.js';

/** Receives how many feature values a run could not use; bound once to a counter child. */
export type InvalidValueSink = (count: number) => void;

export interface OnnxParts {
  /** Each model input and its features (layout.ts), checked against the model at build. */
  readonly inputs: readonly InputPlan[];
  readonly runner: ScoreRunner;
  readonly limiter: RunLimiter;
  readonly buffers: BufferPool;
  readonly invalid: InvalidValueSink;
  /** Removes the limiter from the pool gauges when the algorithm closes. */
  readonly unregister?: () => void;
}

/**
 * ONNX: an in-process model. A run waits for a slot (MaxConcurrent, bounded MaxQueue,
 * abort and deadline observed while waiting), takes an input buffer from the pool,
 * assembles each model input from its features, runs the model (on the main thread or in
 * a worker) and answers the first output column as each item's score.
 */
export class OnnxAlgorithm extends AlgorithmBase<'score'> {
  readonly #parts: OnnxParts;
  readonly #pooledWidth: number;

  constructor(name: string, parts: OnnxParts) {
    super(name, 'ONNX', 'score');
    this.#parts = parts;
    this.#pooledWidth = pooledRowWidth(parts.inputs);
  }

  protected async execute(input: ScoreInput, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const n = scoreInputSize(input);
    if (n === 0) return [];
    const { limiter, buffers, runner, inputs } = this.#parts;
    const release = await limiter.acquire(ctx.signal, ctx.deadline);
    const pooled = buffers.take(n * this.#pooledWidth);
    try {
      const { runs, invalid } = assembleFeeds(inputs, input, n, pooled);
      if (invalid > 0) this.#parts.invalid(invalid);
      const scores = new Float32Array(n);
      try {
        // Coalesced runs with a broadcast user input: one run per user's stretch.
        for (const run of runs) scores.set(await runner.score(run.feeds, run.to - run.from), run.from);
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        throw new PairecError('ERR_ALGORITHM_INPUT', `ONNX "${this.name}" failed to run: ${msg}`, { cause: err });
      }
      const out = new Array<AlgoResponse>(n);
      for (let i = 0; i < n; i++) out[i] = { score: scores[i] ?? Number.NaN };
      return out;
    } finally {
      buffers.give(pooled);
      release();
    }
  }
  protected override async onClose(): Promise<void> {
    const { limiter, runner } = this.#parts;
    this.#parts.unregister?.();
    limiter.close();
    // Runs already admitted finish on the session; only then is it released.
    await limiter.whenIdle();
    await runner.close();
  }
}
