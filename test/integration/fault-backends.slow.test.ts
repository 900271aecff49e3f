import { describe, it, before, after } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FaultProxy } from '../helpers/fault-proxy.js';
import type { FaultMode } from '../helpers/fault-proxy.js';
import { StubBackend } from '../helpers/stub-backend.js';
import type { StubMode } from '../helpers/stub-backend.js';
import { metricValue, offerLoad, startFaultServer, warmUp } from '../helpers/fault-server.js';
import type { Answer } from '../helpers/fault-server.js';
import type { ServerProcess } from '../helpers/server-process.js';

/**
 * Hostile and failing backends behind a live server: retries stay within the retry
 * budget, and every kind of bad reply ends in the scene's fallback list (never a 5xx),
 * counted by reason.
 */
const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

const tally = (answers: readonly Answer[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const a of answers) out[a.status] = (out[a.status] ?? 0) + 1;
  return out;
};

describe('retries against a backend answering 100 % 503', () => {
  let backend: StubBackend;
  let server: ServerProcess;
  before(async () => {
    backend = await StubBackend.start('ok');
    cleanup.push(() => backend.kill());
    // Breaker off, so every request reaches the backend and the retry budget alone bounds retries.
    server = await startFaultServer(backend.base, { requestTimeoutMs: 1000, kserve: { RetryTimes: 3 }, optimization: { circuit_breaker_failures: 0 } });
    cleanup.push(() => server.stop());
    await warmUp(server.url, 200);
  });

  it('at 500 req/s offered the backend sees ≤ 1.2 × the calls asked of it (retry budget), and clients get the fallback', async (t: TestContext) => {
    await backend.mode('503');
    await backend.resetCalls();
    const n = 2000;
    const answers = await offerLoad(server.url, { rate: 500, count: n, connections: 128 });
    const { calls } = await backend.stats();
    const spent = await metricValue(server.url, 'pairec_backend_rejections_total', { algorithm_name: 'ranker', reason: 'retry_budget' });
    const ratio = calls / n;
    t.diagnostic(
      `${n} requests at 500 req/s offered (one rank call each): backend saw ${calls} calls (${ratio.toFixed(3)}×); retries refused by the budget: ${spent}; client statuses ${JSON.stringify(tally(answers))}`,
    );
    assert.ok(ratio > 1, 'some calls were retried');
    assert.ok(ratio <= 1.2, `backend load ${ratio.toFixed(3)}×`);
    assert.ok(spent > 0, 'the budget refused retries');
    // A request the overloaded machine could not even answer from the fallback in time gets
    // 504 at its deadline; none gets anything else.
    assert.ok(
      answers.every((a) => (a.status === 200 && a.fallback) || a.status === 504),
      'fallback list or deadline',
    );
    assert.ok(answers.filter((a) => a.fallback).length >= 0.9 * n, 'the fallback list for (nearly) all');
  });
});

describe('hostile backends under load', () => {
  let backend: StubBackend;
  let proxy: FaultProxy;
  let server: ServerProcess;
  before(async () => {
    backend = await StubBackend.start('ok');
    cleanup.push(() => backend.kill());
    proxy = await FaultProxy.start(backend.port);
    cleanup.push(() => proxy.close());
    // Short ejections so each fault is probed again and again during its phase.
    server = await startFaultServer(proxy.base, {
      requestTimeoutMs: 300,
      kserve: { Timeout: 100 },
      optimization: { circuit_breaker_ejection_ms: 200, circuit_breaker_max_ejection_ms: 400 },
    });
    cleanup.push(() => server.stop());
    await warmUp(server.url, 200);
  });

  const faults: [string, StubMode, FaultMode, string][] = [
    ['garbage', 'garbage', 'pass', 'reply'],
    ['a truncated body', 'truncated', 'pass', 'reply'],
    ['NaN scores', 'nan', 'pass', 'reply'],
    ['a 5 MiB reply', 'huge', 'pass', 'too_large'],
    ['a hang', 'hang', 'pass', 'timeout'],
    ['503', '503', 'pass', 'status'],
    ['reset connections', 'ok', 'reset', 'connect'],
    ['refused connections', 'ok', 'refuse', 'connect'],
  ];
  for (const [what, stubMode, proxyMode, reason] of faults) {
    it(`${what}: zero 5xx, fallback served, failures counted as ${reason}`, async (t: TestContext) => {
      await backend.mode(stubMode);
      await proxy.setMode(proxyMode);
      proxy.dropAll();
      const before = await metricValue(server.url, 'pairec_backend_failures_total', { algorithm_name: 'ranker', reason });
      const rejectedBefore = await metricValue(server.url, 'pairec_backend_rejections_total', { algorithm_name: 'ranker', reason: 'circuit_open' });
      const answers = await offerLoad(server.url, { rate: 100, count: 200 });
      const counted = (await metricValue(server.url, 'pairec_backend_failures_total', { algorithm_name: 'ranker', reason })) - before;
      const rejected =
        (await metricValue(server.url, 'pairec_backend_rejections_total', { algorithm_name: 'ranker', reason: 'circuit_open' })) - rejectedBefore;
      const fallbacks = answers.filter((a) => a.fallback).length;
      t.diagnostic(
        `${what}: statuses ${JSON.stringify(tally(answers))}, fallback ${fallbacks}/200, failures{reason="${reason}"} +${counted}, breaker refusals +${rejected}`,
      );
      assert.ok(
        answers.every((a) => a.status === 200),
        `no 5xx: ${JSON.stringify(tally(answers))}`,
      );
      assert.equal(fallbacks, 200, 'every answer is the fallback list');
      // Once ejected (the ejection grows phase after phase), only the trial calls reach the
      // backend; on a loaded machine a 5 MiB trial may also hit its 100 ms Timeout first.
      assert.ok(counted >= 1, `failures counted as ${reason}`);
      assert.ok(rejected > 0, 'the breaker ejected the backend and failed fast');
    });
  }

  it('recovers: a healthy backend again serves ranked items once the ejection ends', async (t: TestContext) => {
    await backend.mode('ok');
    await proxy.setMode('pass');
    await new Promise((r) => setTimeout(r, 500));
    const answers = await offerLoad(server.url, { rate: 100, count: 100 });
    const ranked = answers.filter((a) => a.status === 200 && !a.fallback).length;
    const state = await metricValue(server.url, 'pairec_backend_circuit_state', { algorithm_name: 'ranker' });
    t.diagnostic(`after recovery: ${ranked}/100 ranked answers, breaker state ${state}`);
    assert.ok(ranked >= 90, `ranked answers ${ranked}`);
    assert.equal(state, 0, 'breaker closed');
  });
});
