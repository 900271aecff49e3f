import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { CircuitBreaker } from '../../src/resilience/circuit-breaker.js';
import type { BreakerState } from '../../src/resilience/circuit-breaker.js';
import { Bulkhead } from '../../src/resilience/bulkhead.js';
import { RetryBudget } from '../../src/resilience/retry-budget.js';
import { DEFAULT_BACKEND_GUARD, withBackendGuard } from '../../src/algorithm/middleware/backend-guard.js';
import { AlgorithmBase } from '../../src/algorithm/base.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../../src/algorithm/contract.js';
import { PairecError } from '../../src/errors.js';
import { runContext, testMetrics } from '../helpers/context.js';

const OPTS = { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionMs: 300_000 };

function breaker(): { b: CircuitBreaker; clock: { t: number }; states: BreakerState[] } {
  const clock = { t: 1000 };
  const states: BreakerState[] = [];
  const b = new CircuitBreaker(
    OPTS,
    () => clock.t,
    (s) => states.push(s),
  );
  return { b, clock, states };
}

const failN = (b: CircuitBreaker, n: number): void => {
  for (let i = 0; i < n; i++) {
    assert.notEqual(b.admit(), 'refuse');
    b.failure();
  }
};

describe('circuit breaker (injected clock)', () => {
  it('ejects after 5 consecutive failures, not after 4; a success resets the count', () => {
    const { b } = breaker();
    failN(b, 4);
    b.success();
    failN(b, 4);
    assert.equal(b.state, 'closed');
    failN(b, 1);
    assert.equal(b.state, 'open');
    assert.equal(b.admit(), 'refuse');
  });

  it('ejects for 30 s × n, capped at 300 s; one trial when the ejection ends; success closes and resets n', () => {
    const { b, clock, states } = breaker();
    const expected = [30_000, 60_000, 90_000, 120_000, 150_000, 180_000, 210_000, 240_000, 270_000, 300_000, 300_000, 300_000];
    failN(b, 5);
    for (const [i, ms] of expected.entries()) {
      assert.equal(b.state, 'open', `ejection ${i + 1}`);
      assert.equal(b.ejections, i + 1);
      clock.t += ms - 1;
      assert.equal(b.admit(), 'refuse', `still ejected 1 ms before ${ms} ms`);
      clock.t += 1;
      assert.equal(b.admit(), 'trial', `one trial after ${ms} ms`);
      assert.equal(b.state, 'half_open');
      assert.equal(b.admit(), 'refuse', 'only one trial at a time');
      b.failure();
    }
    // The trial succeeds: closed, and the next ejection is 30 s again.
    clock.t += 300_000;
    assert.equal(b.admit(), 'trial');
    b.success();
    assert.equal(b.state, 'closed');
    assert.equal(b.ejections, 0);
    assert.equal(b.admit(), 'pass');
    failN(b, 5);
    clock.t += 30_000;
    assert.equal(b.admit(), 'trial');
    assert.deepEqual(states.slice(0, 3), ['open', 'half_open', 'open']);
    assert.equal(states.at(-1), 'half_open');
  });

  it('a trial with no verdict (released) lets the next call try', () => {
    const { b, clock } = breaker();
    failN(b, 5);
    clock.t += 30_000;
    assert.equal(b.admit(), 'trial');
    b.release();
    assert.equal(b.admit(), 'trial');
  });

  it('consecutiveFailures 0 disables it', () => {
    const b = new CircuitBreaker({ ...OPTS, consecutiveFailures: 0 }, () => 0);
    for (let i = 0; i < 100; i++) b.failure();
    assert.equal(b.admit(), 'pass');
  });
});

describe('bulkhead and retry budget', () => {
  it('bulkhead admits up to its limit; 0 means no limit', () => {
    const h = new Bulkhead(2);
    assert.ok(h.tryEnter() && h.tryEnter());
    assert.equal(h.tryEnter(), false);
    h.leave();
    assert.ok(h.tryEnter());
    const open = new Bulkhead(0);
    for (let i = 0; i < 10_000; i++) assert.ok(open.tryEnter());
  });

  it('retry budget: retries in progress ≤ max(min, percent % of active calls)', () => {
    const r = new RetryBudget({ percent: 20, minConcurrency: 3 });
    for (let i = 0; i < 10; i++) r.begin();
    assert.ok(r.tryRetry() && r.tryRetry() && r.tryRetry(), 'the floor of 3');
    assert.equal(r.tryRetry(), false);
    for (let i = 0; i < 90; i++) r.begin();
    let granted = 3;
    while (r.tryRetry()) granted++;
    assert.equal(granted, 20, '20 % of 100 active calls');
    r.retryDone();
    assert.ok(r.tryRetry());
  });
});

class Scripted extends AlgorithmBase<'score'> {
  calls = 0;
  outcome: 'ok' | 'fail' | 'input' | 'hang' = 'ok';
  constructor() {
    super('backend', 'TEST', 'score');
  }
  protected execute(input: ScoreInput, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    this.calls++;
    if (this.outcome === 'fail') return Promise.reject(new PairecError('ERR_BACKEND_UNAVAILABLE', 'down'));
    if (this.outcome === 'input') return Promise.reject(new PairecError('ERR_ALGORITHM_INPUT', 'bad input'));
    if (this.outcome === 'hang')
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new PairecError('ERR_ABORTED', 'aborted'))));
    return Promise.resolve(input.items.map(() => ({ score: 1 })));
  }
}

const input: ScoreInput = { items: [{ a: 1 }] };
const isCode = (c: string) => (err: unknown) => err instanceof PairecError && err.code === c;
const metricValue = async (m: ReturnType<typeof testMetrics>, reason: string): Promise<number> =>
  (await m.backendRejections.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

describe('backend guard middleware', () => {
  it('ejects, fails fast (< 1 ms) with ERR_CIRCUIT_OPEN without calling the backend, probes once, recovers; state gauge follows', async (t: TestContext) => {
    const metrics = testMetrics();
    const clock = { t: 0 };
    const raw = new Scripted();
    const algo = withBackendGuard(DEFAULT_BACKEND_GUARD, metrics, () => clock.t)(raw);
    const gauge = async (): Promise<number | undefined> => (await metrics.breakerState.get()).values[0]?.value;
    assert.equal(await gauge(), 0);
    raw.outcome = 'input';
    for (let i = 0; i < 10; i++) await assert.rejects(algo.run(input, runContext()), isCode('ERR_ALGORITHM_INPUT'));
    raw.outcome = 'fail';
    for (let i = 0; i < 5; i++) await assert.rejects(algo.run(input, runContext()), isCode('ERR_BACKEND_UNAVAILABLE'));
    assert.equal(await gauge(), 2, 'open after 5 backend failures (input errors do not count)');
    const callsBefore = raw.calls;
    const n = 2000;
    const t0 = performance.now();
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await algo.run(input, runContext()).catch((err: unknown) => assert.ok(isCode('ERR_CIRCUIT_OPEN')(err)));
      worst = Math.max(worst, performance.now() - s);
    }
    const mean = (performance.now() - t0) / n;
    t.diagnostic(`fail-fast while ejected: mean ${(mean * 1000).toFixed(1)} µs, worst ${worst.toFixed(3)} ms over ${n} calls`);
    assert.equal(raw.calls, callsBefore, 'no backend call while ejected');
    assert.ok(mean < 1, `mean ${mean} ms`);
    assert.equal(await metricValue(metrics, 'circuit_open'), n);
    clock.t += 30_000;
    raw.outcome = 'ok';
    const trial = algo.run(input, runContext());
    const second = algo.run(input, runContext());
    assert.equal((await metrics.breakerState.get()).values[0]?.value, 1, 'half-open while the trial runs');
    await assert.rejects(second, isCode('ERR_CIRCUIT_OPEN'), 'one trial at a time');
    await trial;
    assert.equal(await gauge(), 0);
    await algo.run(input, runContext());
  });

  it('bulkhead: calls over max_in_flight_per_backend fail fast with ERR_BULKHEAD_FULL and are counted', async () => {
    const metrics = testMetrics();
    const raw = new Scripted();
    raw.outcome = 'hang';
    const algo = withBackendGuard({ ...DEFAULT_BACKEND_GUARD, max_in_flight_per_backend: 3 }, metrics)(raw);
    const ctl = new AbortController();
    const hung = [0, 1, 2].map(() => algo.run(input, runContext(5000, ctl.signal)).catch((e: unknown) => e));
    await assert.rejects(algo.run(input, runContext()), isCode('ERR_BULKHEAD_FULL'));
    assert.equal(raw.calls, 3);
    assert.equal(await metricValue(metrics, 'bulkhead_full'), 1);
    ctl.abort();
    await Promise.all(hung);
    raw.outcome = 'ok';
    await algo.run(input, runContext());
  });
});
