/**
 * A retry budget per backend, as Envoy's `retry_budget`: retries in progress may not
 * exceed `percent` % of the calls in progress, with a floor of `minConcurrency` so a
 * quiet backend can still be retried. A retry is "in progress" from the decision to
 * retry (its backoff included) until its attempt ends, so a backend that fails fast
 * cannot be hammered by retries that sleep only a few milliseconds.
 *
 * Unlike a fixed retry count per call, a budget bounds the extra load a failing backend
 * sees from all callers together: when every call fails, retries stay a small fraction
 * of the offered calls instead of multiplying them.
 */
export interface RetryBudgetOptions {
  readonly percent: number;
  readonly minConcurrency: number;
}

export class RetryBudget {
  readonly #opts: RetryBudgetOptions;
  #active = 0;
  #retries = 0;

  constructor(opts: RetryBudgetOptions) {
    this.#opts = opts;
  }

  /** A call starts; call `end` exactly once when it settles. */
  begin(): void {
    this.#active++;
  }

  end(): void {
    this.#active--;
  }

  /** Takes a retry slot when the budget allows one; give it back with `retryDone`. */
  tryRetry(): boolean {
    const limit = Math.max(this.#opts.minConcurrency, (this.#active * this.#opts.percent) / 100);
    if (this.#retries + 1 > limit) return false;
    this.#retries++;
    return true;
  }

  retryDone(): void {
    this.#retries--;
  }
}
