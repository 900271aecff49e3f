import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyHealth } from '../../src/server/dependency-health.js';
import { startProbeApp } from '../helpers/probe-app.js';
import { freePort } from '../helpers/ports.js';

function deadBackendConfig(port: number, fallback: boolean): Record<string, unknown> {
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    AlgoConfs: [{ Name: 'ranker', Type: 'EAS', EasConf: { Processor: 'PMML', Url: `http://127.0.0.1:${port}/api/predict/m`, Timeout: 500, RetryTimes: 1 } }],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { default_scene: { default: { RecallNames: ['hot'], ...(fallback ? { FallbackConfig: { Size: 50 } } : {}) } } },
    RankConf: { default_scene: { RankAlgoList: ['ranker'] } },
    performance: { request_timeout_ms: 2000 },
  };
}

describe('/ready and critical dependencies', () => {
  it('DependencyHealth: down after 10 dependency failures and no success within 10 s; up again on a success or when the window empties', () => {
    let now = 1_000_000;
    const h = new DependencyHealth(() => now);
    for (let i = 0; i < 9; i++) h.failed();
    assert.equal(h.down(), false, '9 failures are not enough');
    h.failed();
    assert.equal(h.down(), true);
    h.ok();
    assert.equal(h.down(), false, 'one success in the window: the dependency works for some requests');
    now += 10_000;
    for (let i = 0; i < 10; i++) h.failed();
    assert.equal(h.down(), true, 'the old success has left the window');
    now += 10_000;
    assert.equal(h.down(), false, 'no traffic for a window: ready again, so a load balancer retries the instance');
  });

  for (const fallback of [false, true]) {
    it(
      fallback
        ? 'stays ready when the dead backend’s scene has a FallbackConfig'
        : 'turns /ready 503 dependency_down when a backend with no fallback fails requests; /health stays 200',
      async () => {
        const srv = await startProbeApp(deadBackendConfig(await freePort(), fallback));
        try {
          const statuses: string[] = [];
          for (let i = 0; i < 12; i++) {
            const res = await fetch(`${srv.url}/api/recommend`, { method: 'POST', body: '{"uid":"1"}', headers: { 'content-type': 'application/json' } });
            const body = (await res.json()) as { error_code?: string };
            statuses.push(`${res.status}${body.error_code ? ` ${body.error_code}` : ''}`);
          }
          const ready = await fetch(`${srv.url}/ready`);
          const readyBody = (await ready.json()) as { status: string };
          assert.equal((await fetch(`${srv.url}/health`)).status, 200);
          if (fallback) {
            assert.ok(
              statuses.every((s) => s === '200'),
              statuses.join(', '),
            );
            assert.equal(ready.status, 200);
          } else {
            // The backend's breaker opens after 5 failures: later requests fail fast with ERR_CIRCUIT_OPEN.
            assert.ok(
              statuses.every((s) => s === '503 ERR_BACKEND_UNAVAILABLE' || s === '503 ERR_CIRCUIT_OPEN'),
              statuses.join(', '),
            );
            assert.equal(ready.status, 503);
            assert.equal(readyBody.status, 'dependency_down');
          }
        } finally {
          await srv.close();
        }
      },
    );
  }
});
