import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sharedResult } from '../../src/server/cluster/shared-result.js';
import { ClusterMetrics } from '../../src/server/cluster/cluster-metrics.js';

describe('sharedResult: single flight and a short reuse', () => {
  it('concurrent callers share one run; a result is reused for the ttl, then made again', async () => {
    let clock = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const get = sharedResult(
      () => new Promise<number>((resolve) => (release = () => resolve(++runs))),
      1000,
      () => clock,
    );
    const waiting = Array.from({ length: 50 }, get);
    release();
    assert.deepEqual(new Set(await Promise.all(waiting)), new Set([1]));
    clock = 999;
    assert.equal(await get(), 1);
    clock = 1000;
    const next = get();
    release();
    assert.equal(await next, 2);
  });

  it('a failure reaches the callers that waited for it and is not reused', async () => {
    let fail = true;
    const get = sharedResult(() => (fail ? Promise.reject(new Error('down')) : Promise.resolve('ok')), 1000);
    await assert.rejects(Promise.all([get(), get()]), /down/);
    fail = false;
    assert.equal(await get(), 'ok');
  });

  it('the cluster /metrics: 100 concurrent scrapes, one aggregation', async () => {
    let collections = 0;
    const metrics = new ClusterMetrics({ collect: () => Promise.resolve(`workers ${++collections}\n`) });
    const texts = await Promise.all(Array.from({ length: 100 }, () => metrics.text()));
    assert.equal(collections, 1);
    assert.equal(new Set(texts).size, 1);
    assert.match(texts[0] ?? '', /^workers 1\n[^]*pairec_cluster_metrics_aggregations_total 1\n/);
  });
});
