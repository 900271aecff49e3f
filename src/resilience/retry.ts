import { setTimeout as sleepFor } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { PairecError } from '../errors.js';

/**
 * Retry with exponential backoff and full jitter, bounded by a deadline.
 *
 * The module is pure: time, sleeping and randomness come from a `RetryClock`, so tests run
 * it on a virtual clock. It never sleeps past the deadline: when the next backoff (plus
 * the minimum time an attempt needs) would end after the deadline, it gives up at once
 * with the last error, instead of waking up only to find no time left.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included (the performance guide's `maxRetries: 3`). */
  readonly maxAttempts: number;
  /** Backoff ceiling before the first retry, in ms; it doubles (× `multiplier`) per retry. */
  readonly baseDelayMs: number;
  readonly multiplier?: number;
  /** Upper bound of any one backoff ceiling; unbounded when absent (the deadline bounds it). */
  readonly maxDelayMs?: number;
}

/**
 * The remote algorithms' backoff (FAISS, Milvus, remote models): the performance guide's
 * 100 ms doubling, as the ceiling of a full jitter; each sets its own attempts.
 */
export const DEFAULT_BACKOFF: Omit<RetryPolicy, 'maxAttempts'> = { baseDelayMs: 100, multiplier: 2 };

export interface RetryClock {
  /** Milliseconds on the same clock as the deadline. */
  now(): number;
  /** Resolves after `ms`; rejects if `signal` aborts first. */
  sleep(ms: number, signal: AbortSignal | undefined): Promise<void>;
  /** Uniform in [0, 1). */
  random(): number;
}

/** What an attempt is told: its number (1-based) and the time left before the deadline. */
export interface AttemptInfo {
  readonly attempt: number;
  readonly timeLeftMs: number;
}

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions<T> {
  readonly attempt: (info: AttemptInfo) => Promise<T>;
  /** Whether a failure may be retried; anything else is rethrown at once. */
  readonly isRetryable: (error: unknown) => boolean;
  /** Absolute deadline on `clock.now()`'s scale. */
  readonly deadline: number;
  readonly policy: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly clock?: RetryClock;
  /** An attempt is only started with at least this much time left (default 0). */
  readonly minAttemptMs?: number;
  /** Called before each backoff sleep (logging, metrics). */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * The backend's retry budget (resilience/retry-budget.ts): the call counts as active for
   * its whole length, and a retry is made only when the budget grants a slot, held from
   * the backoff until the retried attempt ends.
   */
  readonly budget?: { begin(): void; end(): void; tryRetry(): boolean; retryDone(): void };
  /** Called when a retryable failure is not retried because the budget is spent. */
  readonly onBudgetExhausted?: () => void;
}

/** At most this many retries per call, whatever the policy says: retries multiply load on a failing backend. */
export const MAX_RETRIES = 2;

/** The real clock: `performance.now()` (the clock of `RunContext.deadline`) and timers. */
export const systemClock: RetryClock = {
  now: () => performance.now(),
  sleep: (ms, signal) => sleepFor(ms, undefined, signal ? { signal } : undefined),
  random: () => Math.random(),
};

/** The backoff ceiling after failed attempt `n` (1-based): base × multiplier^(n−1), capped. */
export function backoffCeiling(policy: RetryPolicy, failedAttempt: number): number {
  const raw = policy.baseDelayMs * (policy.multiplier ?? 2) ** (failedAttempt - 1);
  return Math.min(raw, policy.maxDelayMs ?? Number.POSITIVE_INFINITY);
}

function aborted(): PairecError {
  return new PairecError('ERR_ABORTED', 'aborted while retrying');
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, runs out of attempts
 * or out of time. Full jitter: each backoff is uniform in [0, ceiling), which spreads the
 * retries of many clients that failed together (AWS Architecture Blog, "Exponential
 * Backoff and Jitter"). Throws the last attempt's error when giving up; ERR_ABORTED when
 * the signal fires between attempts; ERR_DEADLINE_EXCEEDED when no attempt could start.
 */
export async function retry<T>(options: RetryOptions<T>): Promise<T> {
  options.budget?.begin();
  try {
    return await attempts(options);
  } finally {
    options.budget?.end();
  }
}

async function attempts<T>(options: RetryOptions<T>): Promise<T> {
  const { policy, deadline, signal } = options;
  const clock = options.clock ?? systemClock;
  const minAttemptMs = options.minAttemptMs ?? 0;
  const maxAttempts = Math.min(MAX_RETRIES + 1, Math.max(1, Math.floor(policy.maxAttempts)));
  const budget = options.budget;
  let holding = false;
  const giveBack = (): void => {
    if (holding) budget?.retryDone();
    holding = false;
  };

  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted();
    const timeLeftMs = deadline - clock.now();
    if (timeLeftMs < minAttemptMs) {
      // Only reachable after a timer fired late; the first attempt reports the deadline.
      if (attempt > 1) throw lastError;
      throw new PairecError('ERR_DEADLINE_EXCEEDED', `no time left for a first attempt (${timeLeftMs.toFixed(1)} ms)`);
    }
    try {
      return await options.attempt({ attempt, timeLeftMs });
    } catch (error) {
      lastError = error;
    } finally {
      giveBack();
    }
    if (signal?.aborted) throw aborted();
    if (attempt >= maxAttempts || !options.isRetryable(lastError)) throw lastError;
    const delayMs = clock.random() * backoffCeiling(policy, attempt);
    // Fail now rather than sleep into (or past) the deadline.
    if (clock.now() + delayMs + minAttemptMs > deadline) throw lastError;
    if (budget) {
      if (!budget.tryRetry()) {
        options.onBudgetExhausted?.();
        throw lastError;
      }
      holding = true;
    }
    options.onRetry?.({ attempt, delayMs, error: lastError });
    try {
      await clock.sleep(delayMs, signal);
    } catch (sleepError) {
      giveBack();
      if (signal?.aborted) throw aborted();
      throw sleepError;
    }
  }
}
