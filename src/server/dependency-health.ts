import type { ErrorCode } from '../errors.js';

/**
 * Error codes that mean a dependency failed a request outright: a backend or every recall
 * source failed and no FallbackConfig answered instead (a scene with a fallback answers
 * 200 from it, so its failures never show here). That is this engine's "critical
 * dependency down with no fallback". A backend's open circuit breaker counts; a full
 * bulkhead or a passed deadline does not (those are load, not an outage).
 */
export const DEPENDENCY_CODES: ReadonlySet<ErrorCode> = new Set(['ERR_BACKEND_UNAVAILABLE', 'ERR_BACKEND_REPLY', 'ERR_RECALL_FAILED', 'ERR_CIRCUIT_OPEN']);

/** Window and threshold: at least MIN_FAILURES such failures, and no success, in the last WINDOW_S seconds. */
const WINDOW_S = 10;
const MIN_FAILURES = 10;

/**
 * Recent recommend outcomes in one-second buckets (a ring of WINDOW_S): O(1) per request.
 * /ready reads `down()`. Once unready, a load balancer stops sending, the window empties,
 * and the instance reports ready again after WINDOW_S seconds — so a recovered dependency
 * is noticed without a request, and a still-failing one turns it unready again.
 */
export class DependencyHealth {
  readonly #ok = new Array<number>(WINDOW_S).fill(0);
  readonly #failed = new Array<number>(WINDOW_S).fill(0);
  readonly #second = new Array<number>(WINDOW_S).fill(-1);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #slot(): number {
    const second = Math.floor(this.#now() / 1000);
    const i = second % WINDOW_S;
    if (this.#second[i] !== second) {
      this.#second[i] = second;
      this.#ok[i] = 0;
      this.#failed[i] = 0;
    }
    return i;
  }

  ok(): void {
    const i = this.#slot();
    this.#ok[i] = (this.#ok[i] ?? 0) + 1;
  }

  failed(): void {
    const i = this.#slot();
    this.#failed[i] = (this.#failed[i] ?? 0) + 1;
  }

  /** Whether requests have been failing on a dependency, with none succeeding, for the window. */
  down(): boolean {
    const oldest = Math.floor(this.#now() / 1000) - WINDOW_S + 1;
    let ok = 0;
    let failed = 0;
    for (let i = 0; i < WINDOW_S; i++) {
      if ((this.#second[i] ?? -1) < oldest) continue;
      ok += this.#ok[i] ?? 0;
      failed += this.#failed[i] ?? 0;
    }
    return ok === 0 && failed >= MIN_FAILURES;
  }
}
