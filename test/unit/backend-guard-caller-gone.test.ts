import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { kserveType } from '../../src/algorithm/kserve/index.js';
import type { Algorithm } from '../../src/algorithm/contract.js';
import { DEFAULT_BACKEND_GUARD, withBackendGuard } from '../../src/algorithm/middleware/backend-guard.js';
import { withBatching } from '../../src/algorithm/middleware/batching.js';
import { PairecError } from '../../src/errors.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { BadBackend, hang } from '../helpers/bad-backend.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';
import { rankInput } from '../helpers/model-server.js';
import { TINY_SPEC } from '../helpers/tiny-model.js';

/**
 * A client that closes its connection mid-request says nothing about the backend: the
 * calls it abandons must not eject the backend. Found by the remote bench: wrk stopping
 * with 32 requests in flight opened every breaker, and the next run saw only fast 503s.
 */
let backend: BadBackend;
before(async () => {
  backend = await BadBackend.start();
  backend.script(hang());
});
after(() => backend.close());

const input = rankInput(3, 4);

async function guarded(metrics: EngineMetrics): Promise<Algorithm<'score'>> {
  const conf = Value.Default(kserveType.schema, { Url: backend.base, ModelName: 'm', Features: TINY_SPEC, Timeout: 5000, RetryTimes: 0 });
  const raw = await kserveType.create('remote', conf as never, buildDeps({ metrics }));
  return withBackendGuard(DEFAULT_BACKEND_GUARD, metrics)(raw);
}

const breakerState = async (metrics: EngineMetrics): Promise<number | undefined> =>
  (await metrics.breakerState.get()).values.find((v) => v.labels.algorithm_name === 'remote')?.value;

/** Starts `n` runs against the hanging backend and aborts each with `reason` once it is in flight. */
async function abandon(algo: Algorithm<'score'>, n: number, reason: () => PairecError): Promise<void> {
  for (let i = 0; i < n; i++) {
    const ctl = new AbortController();
    const run = algo.run(input, runContext(5000, ctl.signal));
    await new Promise((r) => setTimeout(r, 20));
    ctl.abort(reason());
    await assert.rejects(run);
  }
}

describe('the backend guard and abandoned calls', () => {
  const failures = DEFAULT_BACKEND_GUARD.circuit_breaker_failures;

  it('calls abandoned because the caller went away leave the breaker closed', async () => {
    const metrics = testMetrics();
    const algo = await guarded(metrics);
    await abandon(algo, failures + 3, () => new PairecError('ERR_CALLER_GONE', 'the caller went away'));
    assert.equal(await breakerState(metrics), 0);
    const ctl = new AbortController();
    const next = algo.run(input, runContext(5000, ctl.signal));
    await new Promise((r) => setTimeout(r, 20));
    ctl.abort(new PairecError('ERR_CALLER_GONE', 'gone'));
    await assert.rejects(next, (err: unknown) => err instanceof PairecError && err.code !== 'ERR_CIRCUIT_OPEN', 'the next call still reaches the backend');
    await algo.close();
  });

  it('calls abandoned at the request deadline still eject the backend (it was too slow)', async () => {
    const metrics = testMetrics();
    const algo = await guarded(metrics);
    await abandon(algo, failures, () => new PairecError('ERR_DEADLINE_EXCEEDED', 'deadline'));
    assert.equal(await breakerState(metrics), 2);
    await assert.rejects(algo.run(input, runContext(5000)), (err: unknown) => err instanceof PairecError && err.code === 'ERR_CIRCUIT_OPEN');
    await algo.close();
  });

  it('a batch abandoned by all its callers carries their reason to the guard', async () => {
    const metrics = testMetrics();
    const algo = withBatching({ batchSize: 64, maxQueue: 100, batchTimeoutMs: 5 })(await guarded(metrics));
    for (let round = 0; round < failures + 2; round++) {
      const ctls = [new AbortController(), new AbortController()];
      const runs = ctls.map((c) => algo.run(input, runContext(5000, c.signal)));
      await new Promise((r) => setTimeout(r, 30));
      for (const c of ctls) c.abort(new PairecError('ERR_CALLER_GONE', 'gone'));
      for (const r of runs) await assert.rejects(r);
    }
    assert.equal(await breakerState(metrics), 0);
    await algo.close();
  });
});
