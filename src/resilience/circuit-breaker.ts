/**
 * A consecutive-failures circuit breaker with growing ejections, in the manner of Envoy's
 * outlier detection (`consecutive_5xx`, `base_ejection_time × n`, `max_ejection_time`):
 *
 * - closed: calls pass; `consecutiveFailures` failures in a row eject the backend;
 * - open: calls are refused at once for `baseEjectionMs × n` (n = consecutive ejections,
 *   capped at `maxEjectionMs`);
 * - half-open: when the ejection ends, exactly one trial call passes; its success closes
 *   the breaker and resets n, its failure ejects again with n + 1.
 *
 * Hand-written because the Node breakers (opossum …) trip on error rates over rolling
 * windows and wrap calls in their own timeouts; this one only counts outcomes the caller
 * reports, and takes its clock from the caller so tests run on virtual time.
 */

export interface BreakerOptions {
  /** Failures in a row that eject the backend; 0 disables the breaker. */
  readonly consecutiveFailures: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Gauge values of `pairec_backend_circuit_state`. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };

/** What `admit` answers: pass (`trial` when it is the half-open probe), or refuse. */
export type Admission = 'pass' | 'trial' | 'refuse';

export class CircuitBreaker {
  readonly #opts: BreakerOptions;
  readonly #now: () => number;
  readonly #onState: (state: BreakerState) => void;
  #state: BreakerState = 'closed';
  #failures = 0;
  #ejections = 0;
  #openUntil = 0;
  #trialInFlight = false;

  constructor(opts: BreakerOptions, now: () => number, onState: (state: BreakerState) => void = () => undefined) {
    this.#opts = opts;
    this.#now = now;
    this.#onState = onState;
  }

  get state(): BreakerState {
    return this.#state;
  }

  /** Consecutive ejections so far (n of `base × n`). */
  get ejections(): number {
    return this.#ejections;
  }

  /** Whether a call may go to the backend now; a `trial` must be settled with `success` or `failure`. */
  admit(): Admission {
    if (this.#state === 'closed' || this.#opts.consecutiveFailures <= 0) return 'pass';
    if (this.#state === 'open') {
      if (this.#now() < this.#openUntil) return 'refuse';
      this.#set('half_open');
    }
    if (this.#trialInFlight) return 'refuse';
    this.#trialInFlight = true;
    return 'trial';
  }

  success(): void {
    this.#failures = 0;
    if (this.#state === 'closed') return;
    this.#trialInFlight = false;
    this.#ejections = 0;
    this.#set('closed');
  }

  failure(): void {
    if (this.#opts.consecutiveFailures <= 0) return;
    if (this.#state === 'half_open') {
      this.#trialInFlight = false;
      this.#eject();
      return;
    }
    if (this.#state === 'open') return; // a call admitted before the ejection settled late
    if (++this.#failures >= this.#opts.consecutiveFailures) this.#eject();
  }

  /** A trial that ended with no verdict (the caller went away): let the next call try. */
  release(): void {
    if (this.#state === 'half_open') this.#trialInFlight = false;
  }

  #eject(): void {
    this.#ejections++;
    this.#failures = 0;
    this.#openUntil = this.#now() + Math.min(this.#opts.baseEjectionMs * this.#ejections, this.#opts.maxEjectionMs);
    this.#set('open');
  }

  #set(state: BreakerState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#onState(state);
  }
}
