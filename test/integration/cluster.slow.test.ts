import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess } from '../helpers/server-process.js';
import { smallConfig } from '../helpers/config.js';
import { runPacedLoad } from '../helpers/paced-load.js';
import { METRICS_CACHE_MS } from '../../src/server/cluster/cluster-metrics.js';

interface Answer {
  status: number;
  json: Record<string, unknown>;
}

/** One request on a connection of its own, so the cluster may hand it to any process. */
function send(port: number, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers = data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
    const req = request({ host: '127.0.0.1', port, path, method, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.end(data);
  });
}
const post = (port: number, path: string, body: unknown): Promise<Answer> => send(port, 'POST', path, body);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const itemIds = (json: Record<string, unknown>): string[] => ((json.items ?? []) as { item_id: string }[]).map((i) => i.item_id);

describe('cluster: one serving process per worker slot behind one port', () => {
  let server: ServerProcess;
  const dir = mkdtempSync(join(tmpdir(), 'pairec-cluster-'));
  const file = join(dir, 'config.json');

  /** What /health and /ready answered while the cluster first loaded (a cold cache: seconds). */
  const firstStart: { health: number; ready: number }[] = [];

  before(async () => {
    writeFileSync(file, JSON.stringify(smallConfig(join(dir, 'cache'))));
    server = await ServerProcess.start(file, ['--no-watch'], undefined, { PAIREC_WORKERS: '2' });
    const end = Date.now() + 90_000;
    while (Date.now() < end && firstStart.at(-1)?.ready !== 200) {
      // Before a serving process is up (seconds on a loaded machine) the primary holds the connection.
      const health = await send(server.port, 'GET', '/health', undefined, 15_000).then(
        (a) => a.status,
        () => 0,
      );
      const ready = await send(server.port, 'GET', '/ready', undefined, 15_000).then(
        (a) => a.status,
        () => 0,
      );
      firstStart.push({ health, ready });
      await sleep(50);
    }
    await server.waitReady(90_000);
  });
  after(async () => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) return;
    for (const pid of livePids()) process.kill(pid, 'SIGKILL');
    server.proc.kill('SIGKILL');
    await once(server.proc, 'exit');
  });

  /** Serving processes that logged after line `from` (every line but the primary's). */
  const workerPids = (from = 0): number[] => [
    ...new Set(server.since(from, (l) => typeof l.pid === 'number' && l.pid !== server.proc.pid).map((l) => Number(l.pid))),
  ];
  /** The serving processes running now (logged, and not reported exited by the primary). */
  const livePids = (): number[] => {
    const exited = new Set(
      server.since(0, (l) => typeof l.workerPid === 'number' && /exited|could not start/.test(l.msg ?? '')).map((l) => Number(l.workerPid)),
    );
    return workerPids().filter((pid) => !exited.has(pid));
  };
  const metric = (text: string, name: string, labels = ''): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? ' ' : '{'}`) && l.includes(labels));
    return Number(line?.split(' ').pop() ?? 0);
  };
  const scrape = async (): Promise<string> => (await fetch(`${server.url}/metrics`)).text();
  let nextId = 0;
  /**
   * A recommend request with its own request_id, and the pid of the process that answered
   * it: the one whose request-log line carries that id (a worker's lines carry its pid).
   */
  const recommendFrom = async (body: Record<string, unknown>, timeoutMs = 5000): Promise<Answer & { pid: number }> => {
    const id = `cluster-${process.pid}-${++nextId}`;
    const answer = await send(server.port, 'POST', '/api/recommend', { ...body, request_id: id }, timeoutMs);
    const line = await server.waitFor((l) => l.msg === 'recommend' && l.request_id === id, 10_000);
    const pid = Number(line.pid);
    assert.ok(Number.isInteger(pid) && pid !== server.proc.pid, `request ${id} was answered by a worker, not the primary (pid ${pid})`);
    return { ...answer, pid };
  };

  it('starts two serving processes and is ready only when both are', () => {
    const started = server.since(0, (l) => l.msg === 'cluster started');
    assert.equal(started[0]?.workers, 2);
    assert.equal(livePids().length, 2);
  });

  it('during the first start /health answers 200 while /ready answers 503', () => {
    assert.ok(
      firstStart.some((p) => p.health === 200 && p.ready === 503),
      JSON.stringify(firstStart.slice(0, 20)),
    );
    assert.ok(
      firstStart.every((p) => p.health === 200),
      `a /health probe failed: ${JSON.stringify(firstStart.filter((p) => p.health !== 200))}`,
    );
  });

  it('an exposure recorded through one process is filtered by every process', async () => {
    const uid = '17';
    const first = await post(server.port, '/api/recommend', { uid, size: 10 });
    assert.equal(first.status, 200);
    const shown = itemIds(first.json);
    assert.equal(shown.length, 10);
    const cb = await post(server.port, '/api/callback', { uid, scene_id: 'default_scene', item_list: shown.map((item_id) => ({ item_id })) });
    assert.equal(cb.status, 200);
    // Each request on a new connection: the primary spreads them over both processes. Only
    // one of them took the callback; both must filter, so both must be seen answering.
    const served = new Set<number>();
    for (let i = 0; i < 20 && (i < 8 || served.size < 2); i++) {
      const again = await recommendFrom({ uid, size: 10 });
      assert.equal(again.status, 200);
      served.add(again.pid);
      for (const id of itemIds(again.json)) assert.ok(!shown.includes(id), `item ${id} came back after its exposure (process ${again.pid})`);
    }
    assert.deepEqual([...served].sort(), livePids().sort(), 'both serving processes answered, and filtered');
  });

  it('/metrics counts the requests of every process', async () => {
    const count = async (): Promise<number> =>
      metric(await scrape(), 'pairec_request_duration_seconds_count', 'route="/api/recommend",scene="default_scene",code="2xx"');
    const before = await count();
    const n = 12;
    const served = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const a = await recommendFrom({ uid: String(i + 1) });
      assert.equal(a.status, 200);
      served.set(a.pid, (served.get(a.pid) ?? 0) + 1);
    }
    assert.equal(served.size, 2, `the ${n} requests were answered by both processes: ${JSON.stringify([...served])}`);
    await sleep(METRICS_CACHE_MS + 100); // past the cached aggregate
    assert.equal((await count()) - before, n);
  });

  it('concurrent /metrics scrapes share one cluster aggregation (a scrape flood costs one a second)', async () => {
    await sleep(METRICS_CACHE_MS + 100);
    const texts = await Promise.all(Array.from({ length: 20 }, scrape));
    const counts = new Set(texts.map((t) => metric(t, 'pairec_cluster_metrics_aggregations_total')));
    assert.equal(counts.size, 1, `the 20 scrapes saw ${counts.size} aggregations`);
    await sleep(METRICS_CACHE_MS + 100);
    const next = metric(await scrape(), 'pairec_cluster_metrics_aggregations_total');
    assert.equal(next, [...counts][0]! + 1, 'one aggregation for the 20 scrapes, one for the next');
  });

  it('a connection handed to a process that dies before taking it is served by another', async (t) => {
    const [victim] = livePids();
    assert.ok(victim);
    // Stopped, the process takes no connection: those handed to it wait, as at the moment of a kill.
    process.kill(victim, 'SIGSTOP');
    t.after(() => {
      try {
        process.kill(victim, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const from = server.lines.length;
    const answers = Array.from({ length: 6 }, (_, i) =>
      recommendFrom({ uid: String(i + 1) }, 8000).then(
        (a) => [a.status, a.pid] as const,
        (err: Error) => [err.message, 0] as const,
      ),
    );
    await sleep(500);
    process.kill(victim, 'SIGKILL');
    const t0 = Date.now();
    const got = await Promise.all(answers);
    assert.deepEqual(
      got.map(([status]) => status),
      [200, 200, 200, 200, 200, 200],
    );
    for (const [, pid] of got) assert.notEqual(pid, victim, 'answered by a live process, not the stopped one');
    t.diagnostic(`handoff race: all 6 answered ${Date.now() - t0} ms after the kill`);
    assert.ok(Date.now() - t0 < 5000);
    await server.waitFor((l) => typeof l.pid === 'number' && l.pid !== server.proc.pid && l.pid !== victim && server.lines.indexOf(l) >= from, 60_000);
    await server.waitReady(60_000);
  });

  it('one process killed -9 under 100 req/s: under 1 % of requests fail, none waits 5 s, and it is back', async (t) => {
    await server.waitReady(60_000);
    // The worst case: its replacement finds no cache and rebuilds the catalog and index
    // while its sibling serves; it must take no connection before it has loaded.
    rmSync(join(dir, 'cache'), { recursive: true, force: true });
    const livePidsBefore = livePids();
    const [victim] = livePidsBefore;
    assert.ok(victim);
    const from = server.lines.length;
    const killer = setTimeout(() => process.kill(victim, 'SIGKILL'), 2000);
    // A connection per request: every one goes through the primary's handoff, the
    // restarted process's loading included.
    const load = await runPacedLoad({
      origin: server.url,
      path: '/api/recommend',
      body: (i) => JSON.stringify({ uid: String((i % 200) + 1) }),
      connections: 8,
      ratePerSec: 100,
      durationMs: 20_000,
      timeoutMs: 10_000,
      freshConnections: true,
    }).finally(() => clearTimeout(killer));
    const failed = load.failures.length / load.sent;
    const notReady = load.failures.filter((f) => f.status === 503).length;
    t.diagnostic(
      `kill -9 under load: ${load.sent} sent, ${load.failures.length} failed (${(failed * 100).toFixed(2)} %, ${notReady} of them 503), slowest ${load.slowestMs} ms ${JSON.stringify(load.failures.slice(0, 5))}`,
    );
    assert.ok(load.sent > 1000, `only ${load.sent} requests sent`);
    assert.ok(failed < 0.01, `${load.failures.length} of ${load.sent} failed: ${JSON.stringify(load.failures.slice(0, 5))}`);
    assert.ok(load.slowestMs < 5000, `a request waited ${load.slowestMs} ms`);
    assert.equal(notReady, 0, 'the replacement took connections before it had loaded (503 ERR_NOT_READY)');
    assert.equal(server.since(from, (l) => l.msg === 'serving process exited; restarting').length, 1);
    assert.ok(
      workerPids(from).some((pid) => pid !== victim && !livePidsBefore.includes(pid)),
      'the process was not restarted',
    );
    await server.waitReady(60_000);
  });

  it('every process killed at once: the primary stays up, restarts them, and /ready is 200 again within 60 s', async (t) => {
    await server.waitReady(60_000);
    await sleep(METRICS_CACHE_MS + 100);
    const restartsBefore = metric(await scrape(), 'pairec_cluster_worker_restarts_total');
    const from = server.lines.length;
    const t0 = Date.now();
    for (const pid of livePids()) process.kill(pid, 'SIGKILL');
    await sleep(500);
    await server.waitReady(60_000).catch((err: Error) => {
      throw new Error(`${err.message}; the primary's exit code: ${String(server.proc.exitCode)}`);
    });
    const back = Date.now() - t0;
    t.diagnostic(`every process killed: /ready 200 again after ${back} ms`);
    assert.equal(server.proc.exitCode, null, `the primary exited: ${server.stderr}`);
    assert.equal(server.since(from, (l) => l.msg === 'serving process exited; restarting').length, 2);
    assert.ok(back < 60_000);
    await sleep(METRICS_CACHE_MS + 100);
    assert.equal(metric(await scrape(), 'pairec_cluster_worker_restarts_total') - restartsBefore, 2);
  });

  it('SIGTERM drains every process and the primary exits 0', async () => {
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    const [code] = (await once(server.proc, 'exit')) as [number | null];
    assert.equal(code, 0, server.stderr);
    assert.ok(Date.now() - t0 < 30_000);
  });
});
