import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { Engine } from '../../src/engine/engine.js';
import { buildApp } from '../../src/server/app.js';
import { lightMetricsConfig } from '../helpers/metrics-config.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

/**
 * monitoring.enable_metrics: off, /metrics is a catalog 404 and a request does no metric
 * work — no algorithm metrics wrapper is composed in (its constructor would create the
 * algorithm's two status series at 0), no stage or request timing is recorded. Turning it
 * over on reload takes effect at once, both ways.
 */
describe('monitoring.enable_metrics', () => {
  const metrics = testMetrics();
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  const app = buildApp({ engine, metrics, logger: silentLogger, state: { draining: false, loadError: false }, bodyLimit: 1 << 20 });
  const cache = mkdtempSync(join(tmpdir(), 'pairec-metrics-toggle-'));
  after(async () => {
    await app.close();
    await engine.close();
    rmSync(cache, { recursive: true, force: true });
  });

  const config = (enable: boolean): Record<string, unknown> => ({ ...lightMetricsConfig(1, cache), monitoring: { enable_metrics: enable } });
  const recommend = async (): Promise<void> => {
    const res = await app.inject({ method: 'POST', url: '/api/recommend', payload: { uid: '7', size: 5, scene_id: 'home' } });
    assert.equal(res.statusCode, 200, res.body);
  };
  /** Series and summed values of the per-request metrics (histograms by their _count). */
  const PER_REQUEST = [
    'pairec_algorithm_requests_total',
    'pairec_algorithm_duration_seconds_count',
    'pairec_stage_duration_seconds_count',
    'pairec_request_duration_seconds_count',
  ];
  const recorded = async (): Promise<Record<string, { series: number; total: number }>> => {
    const lines = (await metrics.registry.metrics()).split('\n');
    return Object.fromEntries(
      PER_REQUEST.map((name) => {
        const values = lines.filter((l) => l.startsWith(`${name}{`)).map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
        return [name, { series: values.length, total: values.reduce((a, b) => a + b, 0) }];
      }),
    );
  };

  it('off: /metrics answers a catalog 404 and requests leave no metric trace', async () => {
    await engine.reload(config(false));
    for (let i = 0; i < 3; i++) await recommend();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 404);
    assert.equal((res.json() as { error_code: string }).error_code, 'ERR_NOT_FOUND');
    assert.match(res.body, /enable_metrics/);
    // No series at all: not even the zeroed status series the wrapper creates when built.
    const none = { series: 0, total: 0 };
    assert.deepEqual(await recorded(), Object.fromEntries(PER_REQUEST.map((n) => [n, none])));
  });

  it('turned on by a reload: the algorithm is rebuilt with its metrics, and every request is recorded', async () => {
    const result = await engine.reload(config(true));
    assert.ok(result.built.includes('popularity_lookup'), JSON.stringify(result));
    for (let i = 0; i < 3; i++) await recommend();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /pairec_algorithm_requests_total\{algorithm_name="popularity_lookup",algorithm_type="LOOKUP",status="success"\} 3\n/);
    assert.match(res.body, /pairec_stage_duration_seconds_count\{scene="home",stage="rank"\} 3\n/);
    assert.match(res.body, /pairec_request_duration_seconds_count\{route="\/api\/recommend",scene="home",code="2xx"\} 3\n/);
  });

  it('turned off again: counters stand still and /metrics is a 404 again', async () => {
    const before = await recorded();
    await engine.reload(config(false));
    for (let i = 0; i < 3; i++) await recommend();
    assert.deepEqual(await recorded(), before);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  });
});
