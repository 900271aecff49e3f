import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { Admission } from '../../src/server/admission.js';
import type { AdmissionLimits } from '../../src/server/admission.js';
import { LoopLagSampler } from '../../src/observability/loop-lag.js';
import { probeConfig, startProbeApp } from '../helpers/probe-app.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

const BODY = '{"uid":"1","size":5}';

/** One POST; resolves with the status, or 'aborted' when `abortAfterMs` cut it first. */
function post(url: string, body: string, agent: Agent, abortAfterMs?: number): Promise<number | 'aborted'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/api/recommend`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
    if (abortAfterMs !== undefined) setTimeout(() => req.destroy(), abortAfterMs);
    req.end(body);
  });
}

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('admission control', () => {
  it('sheds the request over max_concurrent_requests with 503 ERR_OVERLOADED and Retry-After at once; probes and /metrics stay exempt', async (t) => {
    const srv = await startProbeApp(probeConfig({ max_concurrent_requests: 4 }));
    let open!: () => void;
    srv.log.gate = new Promise((r) => (open = r));
    const held = Array.from({ length: 4 }, () =>
      fetch(`${srv.url}/api/recommend`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } }),
    );
    // The four are admitted and wait at the gate inside the pipeline (/metrics is exempt, so it can tell).
    for (let i = 0; i < 500 && !/pairec_admission_in_flight 4/.test(await (await fetch(`${srv.url}/metrics`)).text()); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const base = await TimingBaseline.measure({ maxSlackMs: 500 });
    const started = performance.now();
    const shed = await fetch(`${srv.url}/api/recommend`, { method: 'POST', body: BODY, headers: { 'content-type': 'application/json' } });
    const shedMs = performance.now() - started;
    assert.equal(shed.status, 503);
    assert.equal(shed.headers.get('retry-after'), '1');
    assert.equal(((await shed.json()) as { error_code: string }).error_code, 'ERR_OVERLOADED');
    const cb = await fetch(`${srv.url}/api/callback`, { method: 'POST', body: '{"uid":"1","item_list":[]}', headers: { 'content-type': 'application/json' } });
    assert.equal(cb.status, 503, 'the callback shares the limit');
    for (const path of ['/health', '/ready', '/metrics']) assert.equal((await fetch(`${srv.url}${path}`)).status, 200, `${path} is exempt`);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /pairec_admission_shed_total\{reason="concurrency"\} 2/);
    assert.match(metrics, /pairec_admission_in_flight 4/);
    assert.equal(srv.log.events.filter((e) => e.startsWith('run')).length, 0, 'nothing ran yet');
    open();
    assert.deepEqual(await Promise.all(held.map(async (r) => (await r).status)), [200, 200, 200, 200]);
    assert.equal(srv.log.events.filter((e) => e.startsWith('run')).length, 4, 'only admitted requests reached the algorithm');
    t.diagnostic(`shed reply in ${shedMs.toFixed(2)} ms (fetch round trip on loopback)`);
    await base.assertWithin(shedMs, 5, 'shed at once (a loopback round trip)');
    await srv.close();
  });

  it('sheds while the event loop lags more than shed_loop_delay_ms, and admits again once it does not', async () => {
    const lag = new LoopLagSampler();
    const limits: AdmissionLimits = { max_concurrent_requests: 100, shed_loop_delay_ms: 50 };
    const srv = await startProbeApp(probeConfig(), (metrics) => new Admission({ registry: metrics.registry, lag, limits: () => limits }));
    const agent = new Agent({ keepAlive: false });
    lag.lagMs = 120;
    assert.equal(await post(srv.url, BODY, agent), 503);
    lag.lagMs = 10;
    assert.equal(await post(srv.url, BODY, agent), 200);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /pairec_admission_shed_total\{reason="loop_delay"\} 1/);
    await srv.close();
  });

  it('the sampler sees a stall of the event loop, and forgets it on the next tick', async (t) => {
    // At most 75 ms of slack: a sampler that did not forget still reads the 100 ms stall.
    const base = await TimingBaseline.measure({ maxSlackMs: 75 });
    const lag = new LoopLagSampler(10).start();
    await new Promise((r) => setTimeout(r, 30));
    const end = performance.now() + 100;
    while (performance.now() < end); // a 100 ms stall
    await new Promise((r) => setTimeout(r, 1)); // the sampler's overdue tick fires first
    const seen = lag.lagMs;
    await new Promise((r) => setTimeout(r, 40));
    const later = lag.lagMs;
    lag.stop();
    t.diagnostic(`stall of 100 ms measured as ${seen.toFixed(1)} ms; ${later.toFixed(1)} ms two ticks later`);
    assert.ok(seen >= 80, `the stall is seen (${seen} ms)`);
    // Forgotten: what it reads now is no more than this run's own timer lateness allows.
    await base.assertWithin(later, 0, 'and forgotten: the lag read two ticks later');
  });

  it('property: the in-flight count returns to 0 whatever mix of finished, aborted, invalid and shed requests', async () => {
    const limits: AdmissionLimits = { max_concurrent_requests: 6, shed_loop_delay_ms: 0 };
    let admission!: Admission;
    const srv = await startProbeApp(probeConfig(), (metrics) => {
      admission = new Admission({ registry: metrics.registry, lag: new LoopLagSampler(), limits: () => limits });
      return admission;
    });
    const kind = fc.constantFrom('ok', 'abort-early', 'abort-late', 'invalid', 'malformed');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(kind, fc.boolean()), { minLength: 1, maxLength: 20 }), fc.boolean(), async (reqs, gated) => {
        let open!: () => void;
        srv.log.gate = gated ? new Promise((r) => (open = r)) : undefined;
        const agent = new Agent({ keepAlive: true, maxSockets: 8 });
        const runs = reqs.map(([k, keepAlive]) => {
          const a = keepAlive ? agent : new Agent({ keepAlive: false });
          switch (k) {
            case 'ok':
              return post(srv.url, BODY, a);
            case 'abort-early':
              return post(srv.url, BODY, a, 0);
            case 'abort-late':
              return post(srv.url, BODY, a, 15);
            case 'invalid':
              return post(srv.url, '{"uid":5}', a);
            default:
              return post(srv.url, '{"uid":', a);
          }
        });
        if (gated) setTimeout(() => open(), 30);
        const statuses = await Promise.all(runs);
        for (const s of statuses) assert.ok(s === 'aborted' || [200, 400, 503].includes(s), `status ${String(s)}`);
        await until(() => admission.inFlight === 0, 5000).catch(() => assert.fail(`in-flight count stuck at ${admission.inFlight}`));
        agent.destroy();
      }),
      { numRuns: 40 },
    );
    srv.log.gate = undefined;
    assert.equal(admission.inFlight, 0);
    await srv.close();
  });
});
