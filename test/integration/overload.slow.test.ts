import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { SlowBackend } from '../helpers/slow-backend.js';
import { remoteRankConfig } from '../helpers/remote-config.js';
import { Load, percentile } from '../helpers/load.js';
import type { Outcome } from '../helpers/load.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

/**
 * Admission control against a real server process whose every request makes one call to a
 * model backend with LIMIT workers of BACKEND_MS each (a queue behind them): the system
 * completes at most LIMIT / BACKEND_MS requests a second. Without admission control the
 * excess would queue at the backend and every request's latency would grow without bound;
 * with max_concurrent_requests = LIMIT the excess is shed and the admitted never queue.
 */
const LIMIT = 2;
const BACKEND_MS = 40;
const BODY = (): string => '{"uid":"1","size":10}';
const perSecond = (n: number, ms: number): number => (n * 1000) / ms;
/** What the backend can complete at most; the measured capacity (callers at exactly the limit) is lower. */
const THEORETICAL = perSecond(LIMIT, BACKEND_MS);
/** A cumulative bucket of the recommend route's request histogram in /metrics text. */
const bucket = (text: string, le: string, scene: string, code: string): number => {
  const line = `pairec_request_duration_seconds_bucket{le="${le}",route="/api/recommend",scene="${scene}",code="${code}"} `;
  const at = text.indexOf(line);
  return at < 0 ? 0 : Number.parseInt(text.slice(at + line.length), 10);
};

function summary(out: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of out) {
    const key = o.status === 0 ? `error:${o.error ?? ''}` : o.status === 200 ? '200' : `${o.status}:${o.errorCode ?? ''}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('admission control under overload (real process, slow backend)', () => {
  let backend: SlowBackend;
  let server: ServerProcess;
  let load: Load;
  /** Measured: completed requests a second with exactly LIMIT callers (the server at its limit, nothing shed). */
  let capacity = 0;

  before(async () => {
    backend = await SlowBackend.start(BACKEND_MS, LIMIT);
    const dir = mkdtempSync(join(tmpdir(), 'pairec-overload-'));
    const path = join(dir, 'config.json');
    writeFileSync(path, JSON.stringify(remoteRankConfig(backend.url, { performance: { request_timeout_ms: 3000, max_concurrent_requests: LIMIT } })));
    server = await ServerProcess.start(path, ['--no-watch']);
    await server.waitReady();
    load = new Load(server.url);
    await load.closed('/api/recommend', BODY, LIMIT, 500); // warm up connections and code paths
  });
  after(async () => {
    await load.close();
    await server.stop('SIGKILL');
    await backend.stop();
  });

  it('at 3× capacity: admitted P99 < 100 ms, goodput ≥ 0.9 × capacity, the rest shed 503 at once with no backend call', async (t) => {
    /** Callers at exactly the limit, nothing queued or shed: req/s and the share answered within 100 ms server-side. */
    const atLimit = async (): Promise<{ rate: number; within100: number }> => {
      const from = await (await fetch(`${server.url}/metrics`)).text();
      const base = await load.closed('/api/recommend', BODY, LIMIT, 3000);
      assert.ok(
        base.every((o) => o.status === 200),
        `at the limit nothing is shed: ${JSON.stringify(summary(base))}`,
      );
      const to = await (await fetch(`${server.url}/metrics`)).text();
      const within = bucket(to, '0.1', 'default_scene', '2xx') - bucket(from, '0.1', 'default_scene', '2xx');
      const all = bucket(to, '+Inf', 'default_scene', '2xx') - bucket(from, '+Inf', 'default_scene', '2xx');
      return { rate: perSecond(base.length, 3000), within100: within / all };
    };
    const before = await atLimit();
    const callsBefore = await backend.calls();
    const metricsBefore = await (await fetch(`${server.url}/metrics`)).text();

    // The shed round trip is judged against this machine's timer lateness around the load,
    // not 5 ms flat: the load generator shares the cores with the server and other suites.
    const timing = await TimingBaseline.measure({ floorMs: 2, maxSlackMs: 20 });
    // 3 × the backend's own bound: at least 3 × what the system completes, however busy the machine.
    const out = await load.open('/api/recommend', BODY, 3 * THEORETICAL, 5000);
    const ok = out.filter((o) => o.status === 200);
    const shed = out.filter((o) => o.status === 503 && o.errorCode === 'ERR_OVERLOADED');
    const goodput = perSecond(ok.length, 5000);
    const p99 = percentile(
      ok.map((o) => o.ms),
      99,
    );
    const shedP50 = percentile(
      shed.map((o) => o.ms),
      50,
    );
    const shedP99 = percentile(
      shed.map((o) => o.ms),
      99,
    );
    const calls = (await backend.calls()) - callsBefore;
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    // The same measure after: the machine is shared, and its load moves; the comparison is with its worse moment.
    const afterwards = await atLimit();
    capacity = Math.min(before.rate, afterwards.rate);
    const floor = Math.min(before.within100, afterwards.within100);
    // Server-side time of the shed replies: the 5 ms bucket of the 5xx series of the recommend route.
    const shedUnder5ms = bucket(metrics, '0.005', 'none', '5xx') - bucket(metricsBefore, '0.005', 'none', '5xx');
    const shedUnder25ms = bucket(metrics, '0.025', 'none', '5xx') - bucket(metricsBefore, '0.025', 'none', '5xx');
    const shedServer = bucket(metrics, '+Inf', 'none', '5xx') - bucket(metricsBefore, '+Inf', 'none', '5xx');
    // Server-side time of the admitted requests (the load generator's own event loop adds its stalls to the client's view).
    const okUnder100ms = bucket(metrics, '0.1', 'default_scene', '2xx') - bucket(metricsBefore, '0.1', 'default_scene', '2xx');
    const okServer = bucket(metrics, '+Inf', 'default_scene', '2xx') - bucket(metricsBefore, '+Inf', 'default_scene', '2xx');

    t.diagnostic(
      `capacity (${LIMIT} callers, backend ${BACKEND_MS} ms): ${before.rate.toFixed(1)} req/s before, ${afterwards.rate.toFixed(1)} after; theoretical ${THEORETICAL} req/s`,
    );
    t.diagnostic(`offered ${perSecond(out.length, 5000).toFixed(1)} req/s for 5 s: ${JSON.stringify(summary(out))}`);
    t.diagnostic(
      `goodput ${goodput.toFixed(1)} req/s = ${(goodput / capacity).toFixed(3)} × capacity (${(goodput / THEORETICAL).toFixed(3)} × theoretical); admitted client round trip P50 ${percentile(
        ok.map((o) => o.ms),
        50,
      ).toFixed(1)} ms, P99 ${p99.toFixed(1)} ms; server-side ${okUnder100ms}/${okServer} within 100 ms`,
    );
    t.diagnostic(
      `at the limit (no overload) ${(before.within100 * 100).toFixed(1)} % before, ${(afterwards.within100 * 100).toFixed(1)} % after answer within 100 ms server-side (the machine's noise floor)`,
    );
    t.diagnostic(
      `shed replies: client round trip P50 ${shedP50.toFixed(2)} ms, P99 ${shedP99.toFixed(2)} ms; server-side ${shedUnder5ms}/${shedServer} within 5 ms, ${shedUnder25ms} within 25 ms`,
    );
    t.diagnostic(`backend calls ${calls} for ${ok.length} admitted requests`);

    assert.equal(out.length - ok.length - shed.length, 0, `only 200 or 503 ERR_OVERLOADED: ${JSON.stringify(summary(out))}`);
    assert.ok(shed.length > ok.length, 'the excess is shed');
    assert.ok(okServer >= ok.length, 'every admitted request is in the server histogram');
    // P99 < 100 ms; on a machine so busy that even unloaded requests miss it, overload must
    // not make it worse than that floor (without admission control the backend queue grows
    // for the whole run and latencies reach seconds).
    const want = Math.min(0.99, floor - 0.1);
    assert.ok(okUnder100ms >= want * okServer, `admitted within 100 ms server-side: ${okUnder100ms}/${okServer}, want ≥ ${(want * 100).toFixed(1)} %`);
    // The load generator shares the busy machine and stalls at times (its P99 above): goodput is
    // judged over the seconds in which it did offer at least 2 × capacity.
    const loaded = Array.from({ length: 5 }, (_, i) => out.filter((o) => o.sentAt >= i * 1000 && o.sentAt < (i + 1) * 1000)).filter(
      (w) => w.length >= 2 * capacity,
    );
    const loadedGoodput = loaded.length === 0 ? 0 : loaded.reduce((n, w) => n + w.filter((o) => o.status === 200).length, 0) / loaded.length;
    t.diagnostic(
      `goodput over the ${loaded.length} seconds offered ≥ 2 × capacity: ${loadedGoodput.toFixed(1)} req/s = ${(loadedGoodput / capacity).toFixed(3)} × capacity`,
    );
    assert.ok(loaded.length >= 2, 'overload was offered for at least 2 s');
    assert.ok(loadedGoodput >= 0.9 * capacity, `goodput ${loadedGoodput} ≥ 0.9 × ${capacity}`);
    assert.equal(calls, ok.length, 'one backend call per admitted request, none for a shed one');
    assert.ok(shedServer >= shed.length, 'every shed reply is in the server histogram');
    assert.ok(shedUnder5ms >= 0.9 * shedServer, `shed replies leave the server within 5 ms (${shedUnder5ms}/${shedServer})`);
    assert.ok(shedUnder25ms >= 0.99 * shedServer, `and all but 1 % within 25 ms (${shedUnder25ms}/${shedServer})`);
    await timing.assertWithin(shedP50, 5, 'shed round trip P50');
    await assertNoProcessErrors(server.url);
  });

  it('at 10× capacity for 10 s: no crash, and full goodput again within 5 s of the load dropping', async (t) => {
    assert.ok(capacity > 0, 'capacity measured by the previous test');
    const storm = await load.open('/api/recommend', BODY, 10 * THEORETICAL, 10_000);
    const after = await load.closed('/api/recommend', BODY, LIMIT, 6000);
    const perSecondAfter = Array.from(
      { length: 6 },
      (_, s) => after.filter((o) => o.status === 200 && o.sentAt >= s * 1000 && o.sentAt < (s + 1) * 1000).length,
    );
    const recovered = perSecondAfter.findIndex((n) => n >= 0.9 * capacity);
    t.diagnostic(`storm: offered ${perSecond(storm.length, 10_000).toFixed(1)} req/s for 10 s: ${JSON.stringify(summary(storm))}`);
    t.diagnostic(`after the storm (${LIMIT} callers), 200s per second: ${perSecondAfter.join(', ')}; full goodput from second ${recovered}`);
    // Admitted requests may still time out when the machine itself starves the process; the shed ones never wait.
    const other = storm.filter((o) => o.status !== 200 && !(o.status === 503 && o.errorCode === 'ERR_OVERLOADED'));
    assert.ok(
      storm.every((o) => o.status !== 0),
      'every request answered',
    );
    assert.ok(other.length <= 0.01 * storm.length, `at most 1 % neither 200 nor shed: ${JSON.stringify(summary(storm))}`);
    assert.equal(server.proc.exitCode, null, 'the server is still running');
    assert.ok(recovered >= 0 && recovered < 5, `full goodput within 5 s (from second ${recovered})`);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    await assertNoProcessErrors(server.url);
  });
});
