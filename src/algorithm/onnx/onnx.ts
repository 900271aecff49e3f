import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import { assembleItemRows, assembleRows, assembleUserRow, partWidths, specWidth } from '../../model/feature-spec.js';
import type { FeatureSpec } from '../../model/feature-spec.js';
import { scoreInputSize } from '../contract.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../contract.js';
import type { BufferPool } from './buffer-pool.js';
import type { RunLimiter } from './run-limiter.js';
import type { ScoreRunner } from './session.js';

/** Receives how many feature values a run could not use; bound once to a counter child. */
export type InvalidValueSink = (count: number) => void;

export interface OnnxParts {
  readonly features: FeatureSpec;
  /** The model takes the user part once (OnnxConf.UserInputName) and item parts per row. */
  readonly broadcastUser?: boolean;
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
 * assembles user ⊕ item rows with the feature spec, runs the model (on the main thread
 * or in a worker) and answers the first output column as each item's score.
 */
export class OnnxAlgorithm extends AlgorithmBase<'score'> {
  readonly #parts: OnnxParts;
  readonly #width: number;
  readonly #partWidths: { readonly user: number; readonly item: number };

  constructor(name: string, parts: OnnxParts) {
    super(name, 'ONNX', 'score');
    this.#parts = parts;
    this.#width = specWidth(parts.features);
    this.#partWidths = partWidths(parts.features);
  }

  protected async execute(input: ScoreInput, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const n = scoreInputSize(input);
    if (n === 0) return [];
    const { limiter, buffers, runner, features } = this.#parts;
    const release = await limiter.acquire(ctx.signal, ctx.deadline);
    const width = this.#width;
    const rows = buffers.take(n * width);
    try {
      const fail = (err: unknown): never => {
        const msg = err instanceof Error ? err.message : String(err);
        throw new PairecError('ERR_ALGORITHM_INPUT', `ONNX "${this.name}" failed to run: ${msg}`, { cause: err });
      };
      let scores: Float32Array;
      if (this.#parts.broadcastUser) scores = await this.#scoreBroadcast(input, n, rows).catch(fail);
      else {
        // Row-aligned users come from coalesced runs (batching); otherwise one user for all rows.
        const invalid = assembleRows(features, input.users ?? input.user, input.rows ?? input.items, rows);
        if (invalid > 0) this.#parts.invalid(invalid);
        scores = await runner.score(rows, n, width).catch(fail);
      }
      const out = new Array<AlgoResponse>(n);
      for (let i = 0; i < n; i++) out[i] = { score: scores[i] ?? Number.NaN };
      return out;
    } finally {
      buffers.give(rows);
      release();
    }
  }

  /**
   * A broadcast model: item parts in `rows`, the user row fed once per run. Coalesced runs
   * (row-aligned users) are scored one user's stretch at a time.
   */
  async #scoreBroadcast(input: ScoreInput, n: number, rows: Float32Array): Promise<Float32Array> {
    const { features, runner } = this.#parts;
    const { item: itemWidth, user: userWidth } = this.#partWidths;
    let invalid = assembleItemRows(features, input.rows ?? input.items, rows);
    const scores = new Float32Array(n);
    for (let from = 0; from < n; ) {
      const user = input.users ? input.users[from] : input.user;
      let to = from + 1;
      if (input.users) while (to < n && input.users[to] === user) to++;
      else to = n;
      const userRow = new Float32Array(userWidth);
      invalid += assembleUserRow(features, user, userRow);
      scores.set(await runner.score(rows.subarray(from * itemWidth), to - from, itemWidth, userRow), from);
      from = to;
    }
    if (invalid > 0) this.#parts.invalid(invalid);
    return scores;
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
