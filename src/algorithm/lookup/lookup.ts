import { AlgorithmBase } from '../base.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../contract.js';
import type { LookupConf } from './config.js';

/** Receives how many values a run could not use; bound once to a counter child. */
export type InvalidValueSink = (count: number) => void;

/**
 * LOOKUP: score = the item's numeric feature `FieldName`, `DefaultScore` (0.5) when it is
 * missing. A value of another type, or a non-finite number, counts as missing and is
 * counted, never thrown.
 */
export class LookupAlgorithm extends AlgorithmBase<'score'> {
  readonly #field: string;
  readonly #fallback: AlgoResponse;
  readonly #invalid: InvalidValueSink;

  constructor(name: string, conf: LookupConf, invalid: InvalidValueSink) {
    super(name, 'LOOKUP', 'score');
    this.#field = conf.FieldName;
    // Missing values share one frozen response: no allocation for them.
    this.#fallback = Object.freeze({ score: conf.DefaultScore });
    this.#invalid = invalid;
  }

  protected execute(input: ScoreInput, _ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const { items } = input;
    const field = this.#field;
    const out = new Array<AlgoResponse>(items.length);
    let invalid = 0;
    for (let i = 0; i < items.length; i++) {
      const v = items[i]?.[field];
      if (typeof v === 'number' && Number.isFinite(v)) {
        out[i] = { score: v };
      } else {
        if (v !== undefined && v !== null) invalid++;
        out[i] = this.#fallback;
      }
    }
    if (invalid > 0) this.#invalid(invalid);
    return Promise.resolve(out);
  }
}
