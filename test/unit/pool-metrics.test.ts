import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Value } from '@sinclair/typebox/value';
import { AlgorithmBase } from '../../src/algorithm/base.js';
import type { AlgoResponse, RunContext, ScoreInput } from '../../src/algorithm/contract.js';
import { kserveType } from '../../src/algorithm/kserve/index.js';
import { BatchingAlgorithm } from '../../src/algorithm/middleware/batching.js';
import { RunLimiter } from '../../src/algorithm/onnx/run-limiter.js';
import type { RejectionReason } from '../../src/observability/pool-metrics.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { BadBackend } from '../helpers/bad-backend.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';
import { rankInput } from '../helpers/model-server.js';
import { TINY_SPEC } from '../helpers/tiny-model.js';

/** The pool gauges' samples, read as a scrape reads them: `name{labels}` → value. */
async function samples(metrics: EngineMetrics, prefix: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const line of (await metrics.registry.metrics()).split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** Answers when told: each call waits on its own gate. */
class Gated extends AlgorithmBase<'score'> {
  readonly gates: (() => void)[] = [];
  constructor() {
    super('gated', 'GATED', 'score');
  }
  protected async execute(input: ScoreInput, _ctx: RunContext): Promise<readonly AlgoResponse[]> {
    await new Promise<void>((r) => this.gates.push(r));
    return input.items.map(() => ({ score: 1 }));
  }
}

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('pool metrics', () => {
  it('ONNX run limiter: rejections are reported by reason, only when they happen', async () => {
    const heard: RejectionReason[] = [];
    const limiter = new RunLimiter(1, 1, 'm', (r) => heard.push(r));
    const signal = new AbortController().signal;
    const far = performance.now() + 60_000;
    const release = await limiter.acquire(signal, far);
    const waiting = limiter.acquire(signal, performance.now() + 20); // queued; late once the slot frees
    await assert.rejects(limiter.acquire(signal, far), /queue full/);
    assert.deepEqual(heard, ['queue_full']);
    await tick(40);
    release();
    await assert.rejects(waiting, /no time left/);
    assert.deepEqual(heard, ['queue_full', 'deadline']);
  });

  it('batching: queue depth and batches in flight at scrape time, batch sizes, rejections; gone after close', async () => {
    const metrics = testMetrics();
    const gated = new Gated();
    const batching = new BatchingAlgorithm(gated, { batchSize: 10, batchTimeoutMs: 300, maxQueue: 2, metrics: metrics.pools });
    const item = { items: [{ id: 1 }, { id: 2 }] };
    const runs = [batching.run(item, runContext()), batching.run(item, runContext())];
    let s = await samples(metrics, 'pairec_');
    assert.equal(s.get('pairec_pool_queued{algorithm_name="gated",pool="batching"}'), 2);
    assert.equal(s.get('pairec_pool_active{algorithm_name="gated",pool="batching"}'), 0);
    await assert.rejects(batching.run(item, runContext()), /queue full/);
    // The timer sends the two runs as one batch of 4 items, which waits for its answer.
    const until = Date.now() + 5000;
    while (gated.gates.length === 0 && Date.now() < until) await tick();
    s = await samples(metrics, 'pairec_');
    assert.equal(s.get('pairec_pool_rejections_total{algorithm_name="gated",pool="batching",reason="queue_full"}'), 1);
    assert.equal(s.get('pairec_pool_active{algorithm_name="gated",pool="batching"}'), 1);
    assert.equal(s.get('pairec_pool_queued{algorithm_name="gated",pool="batching"}'), 0);
    assert.equal(s.get('pairec_batch_size_sum{algorithm_name="gated"}'), 4);
    assert.equal(s.get('pairec_batch_runs_sum{algorithm_name="gated"}'), 2);
    for (const g of gated.gates) g();
    await Promise.all(runs);
    s = await samples(metrics, 'pairec_pool_active');
    assert.equal(s.get('pairec_pool_active{algorithm_name="gated",pool="batching"}'), 0);
    await batching.close();
    s = await samples(metrics, 'pairec_pool_queued');
    assert.equal(s.size, 0, 'a closed pool leaves no series');
  });

  describe('HTTP connection pool of a remote model', () => {
    let backend: BadBackend;
    after(() => backend?.close());

    it('calls on the wire and busy connections at scrape time; gone after close', async () => {
      backend = await BadBackend.start();
      const held: ServerResponse[] = [];
      backend.script((_req, _body, res) => held.push(res));
      const metrics = testMetrics();
      const conf = Value.Default(kserveType.schema, { Url: backend.base, ModelName: 'm', Features: TINY_SPEC, Timeout: 5000, RetryTimes: 1 });
      const algo = await kserveType.create('ks', conf as never, buildDeps({ metrics }));
      const input = rankInput(3, 2);
      const calls = [0, 1, 2].map(() => algo.run(input, runContext(10_000)).catch(() => undefined));
      const until = Date.now() + 5000;
      while (held.length < 3 && Date.now() < until) await tick(10);
      const s = await samples(metrics, 'pairec_pool_');
      assert.equal(s.get('pairec_pool_active{algorithm_name="ks",pool="http"}'), 3);
      assert.equal(s.get('pairec_pool_queued{algorithm_name="ks",pool="http"}'), 0);
      assert.equal(s.get('pairec_pool_connections{algorithm_name="ks",pool="http",state="busy"}'), 3);
      for (const res of held) res.writeHead(500).end();
      await Promise.all(calls);
      await algo.close();
      assert.equal((await samples(metrics, 'pairec_pool_active')).size, 0);
    });
  });
});
