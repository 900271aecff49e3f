import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { backoffCeiling, retry, systemClock } from '../../src/resilience/retry.js';
import type { AttemptInfo, RetryClock, RetryPolicy } from '../../src/resilience/retry.js';
import { PairecError } from '../../src/errors.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

/** A clock that only moves when told: sleeps and attempts advance it instantly. */
class VirtualClock implements RetryClock {
  t = 0;
  readonly sleeps: number[] = [];
  #draws: readonly number[];
  #i = 0;

  constructor(draws: readonly number[] = [0.5]) {
    this.#draws = draws.length > 0 ? draws : [0.5];
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(new Error('aborted'));
    this.sleeps.push(ms);
    this.t += ms;
    return Promise.resolve();
  }

  random(): number {
    return this.#draws[this.#i++ % this.#draws.length] ?? 0.5;
  }
}

class Retryable extends Error {}
class Fatal extends Error {}

const POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, multiplier: 2 };
const isCode = (code: string) => (err: unknown) => err instanceof PairecError && err.code === code;

describe('retry (examples)', () => {
  it('returns the first success and sleeps in between, within the ceilings 100, 200', async () => {
    const clock = new VirtualClock([0.99, 0.99]);
    let calls = 0;
    const value = await retry({
      attempt: () => (++calls < 3 ? Promise.reject(new Retryable()) : Promise.resolve('ok')),
      isRetryable: (e) => e instanceof Retryable,
      deadline: 10_000,
      policy: POLICY,
      clock,
    });
    assert.equal(value, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(clock.sleeps, [99, 198]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    await assert.rejects(
      retry({ attempt: () => Promise.reject(new Retryable(`#${++calls}`)), isRetryable: () => true, deadline: 10_000, policy: POLICY, clock }),
      (err: unknown) => err instanceof Retryable && err.message === '#3',
    );
    assert.equal(calls, 3);
    assert.equal(clock.sleeps.length, 2);
  });

  it('counts the call in its retry budget for its whole length, on success and on failure, and asks it before each retry', async () => {
    for (const outcome of ['ok', 'fail'] as const) {
      const events: string[] = [];
      const budget = {
        begin: () => events.push('begin'),
        end: () => events.push('end'),
        tryRetry: () => events.push('retry') > 0,
        retryDone: () => events.push('done'),
      };
      let calls = 0;
      const run = retry({
        attempt: () => (++calls < 2 || outcome === 'fail' ? Promise.reject(new Retryable()) : Promise.resolve('ok')),
        isRetryable: (e) => e instanceof Retryable,
        deadline: 10_000,
        policy: POLICY,
        clock: new VirtualClock(),
        budget,
      });
      if (outcome === 'ok') assert.equal(await run, 'ok');
      else await assert.rejects(run, Retryable);
      assert.deepEqual(events, outcome === 'ok' ? ['begin', 'retry', 'done', 'end'] : ['begin', 'retry', 'done', 'retry', 'done', 'end']);
    }
  });

  it('does not retry a non-retryable error', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    await assert.rejects(
      retry({ attempt: () => (calls++, Promise.reject(new Fatal())), isRetryable: (e) => e instanceof Retryable, deadline: 10_000, policy: POLICY, clock }),
      Fatal,
    );
    assert.equal(calls, 1);
    assert.equal(clock.sleeps.length, 0);
  });

  it('fails at once, with the last error, when the next backoff would end after the deadline', async () => {
    const clock = new VirtualClock([0.9]); // 90 ms backoff
    let calls = 0;
    await assert.rejects(
      retry({ attempt: () => ((clock.t += 20), calls++, Promise.reject(new Retryable())), isRetryable: () => true, deadline: 100, policy: POLICY, clock }),
      Retryable,
    );
    assert.equal(calls, 1, '20 ms spent + 90 ms backoff > 100 ms deadline: no second attempt');
    assert.equal(clock.t, 20, 'and no sleep');
  });

  it('reports ERR_DEADLINE_EXCEEDED when not even a first attempt fits', async () => {
    const clock = new VirtualClock();
    clock.t = 100;
    await assert.rejects(
      retry({ attempt: () => Promise.resolve(1), isRetryable: () => true, deadline: 100.5, policy: POLICY, clock, minAttemptMs: 1 }),
      isCode('ERR_DEADLINE_EXCEEDED'),
    );
  });

  it('tells each attempt its number and the time left', async () => {
    const clock = new VirtualClock([0]);
    const seen: AttemptInfo[] = [];
    await retry({
      attempt: (info) => (seen.push(info), (clock.t += 10), info.attempt < 3 ? Promise.reject(new Retryable()) : Promise.resolve(0)),
      isRetryable: () => true,
      deadline: 100,
      policy: POLICY,
      clock,
    });
    assert.deepEqual(seen, [
      { attempt: 1, timeLeftMs: 100 },
      { attempt: 2, timeLeftMs: 90 },
      { attempt: 3, timeLeftMs: 80 },
    ]);
  });

  it('stops with ERR_ABORTED when the signal fires during a backoff (real timers)', async () => {
    const ctl = new AbortController();
    const base = await TimingBaseline.measure({ maxSlackMs: 450 });
    const started = performance.now();
    setTimeout(() => ctl.abort(), 30);
    await assert.rejects(
      retry({
        attempt: () => Promise.reject(new Retryable()),
        isRetryable: () => true,
        deadline: performance.now() + 10_000,
        policy: { maxAttempts: 5, baseDelayMs: 10_000 },
        clock: { ...systemClock, random: () => 0.99 },
        signal: ctl.signal,
      }),
      isCode('ERR_ABORTED'),
    );
    const elapsed = performance.now() - started;
    await base.assertWithin(elapsed, 30, 'aborted at 30 ms, not after the 9.9 s backoff');
  });

  it('keeps a real-clock run of failing attempts inside its deadline', async () => {
    const budget = 150;
    const started = performance.now();
    const deadline = started + budget;
    await assert.rejects(
      retry({
        attempt: async ({ timeLeftMs }) => {
          await new Promise((r) => setTimeout(r, Math.min(20, timeLeftMs)));
          throw new Retryable();
        },
        isRetryable: () => true,
        deadline,
        policy: { maxAttempts: 50, baseDelayMs: 10 },
        minAttemptMs: 1,
      }),
      Retryable,
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed <= budget + 15, `elapsed ${elapsed.toFixed(1)} ms within ${budget} ms (+15 ms timer slack)`);
  });

  it('caps the ceiling at maxDelayMs', () => {
    assert.equal(backoffCeiling({ maxAttempts: 9, baseDelayMs: 100 }, 1), 100);
    assert.equal(backoffCeiling({ maxAttempts: 9, baseDelayMs: 100 }, 4), 800);
    assert.equal(backoffCeiling({ maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 250 }, 4), 250);
  });
});

type Outcome = { readonly ms: number; readonly kind: 'ok' | 'retryable' | 'fatal' };
const outcome = fc.record({ ms: fc.integer({ min: 0, max: 400 }), kind: fc.constantFrom<Outcome['kind']>('ok', 'retryable', 'retryable', 'fatal') });

interface Scenario {
  readonly outcomes: readonly Outcome[];
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly budget: number;
  readonly minAttemptMs: number;
  readonly draws: readonly number[];
}

describe('retry (properties, virtual clock)', () => {
  const scenario: fc.Arbitrary<Scenario> = fc.record({
    outcomes: fc.array(outcome, { minLength: 1, maxLength: 12 }),
    maxAttempts: fc.integer({ min: 1, max: 10 }),
    baseDelayMs: fc.integer({ min: 1, max: 300 }),
    budget: fc.integer({ min: 0, max: 2000 }),
    minAttemptMs: fc.constantFrom(0, 1, 5),
    draws: fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 12 }),
  });

  /**
   * Runs one scenario. An attempt takes its drawn time but never more than the time left
   * (as a call given `min(timeout, time left)` does) and then fails with a retryable
   * error if it was cut short.
   */
  async function play(s: Scenario) {
    const clock = new VirtualClock(s.draws);
    const start = 1000;
    clock.t = start;
    const deadline = start + s.budget;
    const kinds: Outcome['kind'][] = [];
    let result: unknown;
    let error: unknown;
    try {
      result = await retry({
        attempt: ({ attempt, timeLeftMs }) => {
          const o = s.outcomes[(attempt - 1) % s.outcomes.length] ?? { ms: 0, kind: 'ok' };
          const cut = o.ms > timeLeftMs;
          clock.t += Math.min(o.ms, Math.max(0, timeLeftMs));
          const kind = cut ? 'retryable' : o.kind;
          kinds.push(kind);
          if (kind === 'ok') return Promise.resolve(attempt);
          return Promise.reject(kind === 'fatal' ? new Fatal() : new Retryable());
        },
        isRetryable: (e) => e instanceof Retryable,
        deadline,
        policy: { maxAttempts: s.maxAttempts, baseDelayMs: s.baseDelayMs },
        clock,
        minAttemptMs: s.minAttemptMs,
      });
    } catch (err) {
      error = err;
    }
    return { clock, deadline, kinds, result, error };
  }

  it('never lets the total time pass the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { clock, deadline } = await play(s);
        assert.ok(clock.t <= deadline, `ended at ${clock.t}, deadline ${deadline}`);
      }),
      { numRuns: 500 },
    );
  });

  it('makes at most maxAttempts attempts, and sleeps only between attempts', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { clock, kinds } = await play(s);
        assert.ok(kinds.length <= s.maxAttempts);
        assert.ok(clock.sleeps.length <= Math.max(0, kinds.length - 1));
        clock.sleeps.forEach((ms, i) => assert.ok(ms >= 0 && ms < backoffCeiling({ maxAttempts: s.maxAttempts, baseDelayMs: s.baseDelayMs }, i + 1)));
      }),
      { numRuns: 500 },
    );
  });

  it('never retries a non-retryable error and returns the first success', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { kinds, result, error } = await play(s);
        const stop = kinds.findIndex((k) => k !== 'retryable');
        if (stop >= 0) assert.equal(stop, kinds.length - 1, 'nothing runs after a success or a fatal error');
        if (kinds.at(-1) === 'fatal') assert.ok(error instanceof Fatal);
        if (kinds.at(-1) === 'ok') assert.equal(result, kinds.length);
        if (kinds.length === 0) assert.ok(error instanceof PairecError && error.code === 'ERR_DEADLINE_EXCEEDED');
      }),
      { numRuns: 500 },
    );
  });
});
