/**
 * ONNX placement, measured:
 *  1. in process — items/s of the demo MLP (models/demo-mlp.onnx) on 400-item runs, on the
 *     main thread (the baseline, same run) vs a piscina worker pool, at several
 *     concurrencies, with the event-loop delay p99 of this process while it runs;
 *  2. end to end — `pairec serve` on examples/default.json (rank = ONNX main, ONNX workers,
 *     and LOOKUP as the no-model baseline), driven over loopback by closed-loop keep-alive
 *     clients, bounded in requests and time. Event-loop delay p99 is measured INSIDE the
 *     server: `pairec serve --loop-delay` runs perf_hooks.monitorEventLoopDelay at 1 ms
 *     resolution and resets it at every scrape of /metrics, so a scrape before and one
 *     after the load cover the load (src/observability/loop-delay.ts says why prom-client's
 *     own 10 ms-resolution lag gauge is not used).
 *
 *   node dist/bench/onnx.js [--seconds 2] [--rounds 3] [--concurrency 1,4,16,64] [--threads 2]
 *                           [--skip-inprocess] [--e2e-seconds 8] [--e2e-connections 16] [--e2e-max 40000] [--e2e-rates 100,200] [--skip-e2e]
 *
 * End to end runs each server twice: closed loop (saturation: every connection sends its
 * next request as soon as the last answers) and open loop at fixed rates below capacity
 * (requests sent on a schedule, latency counted from the scheduled time, so a stalled
 * server cannot slow the client down and hide its own delay).
 */
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { onnxType } from '../src/algorithm/onnx/index.js';
import { OnnxConfSchema } from '../src/algorithm/onnx/config.js';
import type { Algorithm, FeatureMap } from '../src/algorithm/contract.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createRng } from '../src/catalog/random.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,4,16,64' },
    threads: { type: 'string', default: '2' },
    items: { type: 'string', default: '400' },
    'e2e-seconds': { type: 'string', default: '8' },
    'e2e-connections': { type: 'string', default: '16' },
    'e2e-max': { type: 'string', default: '40000' },
    'e2e-rates': { type: 'string', default: '100,200' },
    'skip-e2e': { type: 'boolean', default: false },
    'skip-inprocess': { type: 'boolean', default: false },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const nItems = Number(values.items);
const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

// ---- 1. in process -------------------------------------------------------------------
const rng = createRng(7);
const vec = (): Float32Array => Float32Array.from({ length: 64 }, () => rng.next() * 2 - 1);
const user: FeatureMap = { embedding: vec() };
const items: FeatureMap[] = Array.from({ length: nItems }, () => ({ embedding: vec() }));
const features = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
const deps = {
  logger: pino({ level: 'warn' }),
  metrics: createMetrics(undefined, { defaultMetrics: false }),
  catalog: undefined,
  cacheDir: undefined,
  signal: new AbortController().signal,
};

/** Closed loop: `concurrency` callers each run again as soon as their run settles. */
async function measure(algo: Algorithm<'score'>, concurrency: number): Promise<{ itemsPerSec: number; lagP99: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let done = 0;
  const end = performance.now() + seconds * 1000;
  h.enable();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      // One signal per caller, as one request's runs would have.
      const ctx = { deadline: Number.POSITIVE_INFINITY, signal: new AbortController().signal };
      while (performance.now() < end) {
        await algo.run({ user, items }, ctx);
        done += nItems;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  h.disable();
  return { itemsPerSec: done / elapsed, lagP99: h.percentile(99) / 1e6 };
}

const levels = values.concurrency.split(',').map(Number);
const threads = Number(values.threads);
// Main mode at its default MaxConcurrent (1) is the baseline; "main, all admitted" shows
// what admitting every caller at once does to the event loop.
const modes = [
  { label: 'main thread (baseline)', conf: { Mode: 'main' }, all: false },
  { label: 'main thread, all admitted', conf: { Mode: 'main' }, all: true },
  { label: `workers (${threads})`, conf: { Mode: 'workers', Threads: threads }, all: false },
] as const;
console.log(`ONNX demo MLP, ${nItems} items per run, median of ${rounds} × ${seconds}s; loop p99 = this process's event-loop delay`);
console.log('| placement | concurrency | items/s | vs main | loop p99 ms |');
console.log('|---|---|---|---|---|');
const baseline = new Map<number, number>();
for (const m of values['skip-inprocess'] ? [] : modes) {
  for (const c of levels) {
    const admit = m.all ? { MaxConcurrent: c } : {};
    const conf = Value.Default(OnnxConfSchema, { ModelPath: 'models/demo-mlp.onnx', Features: features, ...admit, ...m.conf });
    const algo = await onnxType.create('bench', conf as never, deps);
    await measure(algo, c); // warm-up
    const runs = [];
    for (let r = 0; r < rounds; r++) runs.push(await measure(algo, c));
    await algo.close();
    const ips = median(runs.map((x) => x.itemsPerSec));
    if (m.conf.Mode === 'main' && !m.all) baseline.set(c, ips);
    const ratio = ips / (baseline.get(c) ?? ips);
    console.log(`| ${m.label} | ${c} | ${fmt(ips)} | ${fmt(ratio, 2)} | ${fmt(median(runs.map((x) => x.lagP99)), 2)} |`);
  }
}

// ---- 2. end to end ---------------------------------------------------------------------
if (!values['skip-e2e']) await endToEnd();

async function endToEnd(): Promise<void> {
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const base = JSON.parse(readFileSync(join(repo, 'examples/default.json'), 'utf8')) as {
    CatalogConf: { CacheDir: string };
    AlgoConfs: { Name: string; Type: string; OnnxConf?: Record<string, unknown> }[];
    RankConf: Record<string, { RankAlgoList: string[] }>;
    LogConf: { LogLevel: string };
  };
  const dir = mkdtempSync(join(tmpdir(), 'pairec-bench-onnx-'));
  const variants: { label: string; edit: (c: typeof base) => void }[] = [
    { label: 'LOOKUP (no model)', edit: (c) => void (c.RankConf['default_scene'] = { RankAlgoList: ['popularity_lookup'] }) },
    { label: 'ONNX main', edit: (c) => void setMode(c, 'main') },
    { label: 'ONNX main, MaxConcurrent 4', edit: (c) => void setMode(c, 'main', 4) },
    { label: `ONNX workers (${threads})`, edit: (c) => void setMode(c, 'workers') },
  ];
  function setMode(c: typeof base, mode: string, maxConcurrent?: number): void {
    const admit = maxConcurrent === undefined ? {} : { MaxConcurrent: maxConcurrent };
    for (const a of c.AlgoConfs) if (a.Type === 'ONNX' && a.OnnxConf) Object.assign(a.OnnxConf, { Mode: mode, Threads: threads, ...admit });
  }
  const conns = Number(values['e2e-connections']);
  console.log(
    `\nend to end: pairec serve examples/default.json, ${conns} keep-alive connections, ≤ ${values['e2e-seconds']} s or ${values['e2e-max']} requests, {uid, size: 20}`,
  );
  console.log('| rank | load | req/s | p50 ms | p99 ms | errors | server loop p99 ms | server loop max ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const v of variants) {
    const conf = structuredClone(base);
    conf.CatalogConf.CacheDir = resolve(repo, base.CatalogConf.CacheDir);
    conf.LogConf.LogLevel = 'info'; // the 'listening' line carries the port; nothing is logged per request
    v.edit(conf);
    const file = join(dir, `${v.label.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(conf));
    const server = spawn(process.execPath, [main, 'serve', '--config', file, '--port', '0', '--host', '127.0.0.1', '--no-watch', '--loop-delay'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const port = await listeningPort(server.stdout);
      await waitReady(port);
      await load(port, conns, 1, 500); // warm-up: JIT, sessions, connections
      const secs = Number(values['e2e-seconds']);
      const max = Number(values['e2e-max']);
      const phases: [string, () => Promise<LoadResult>][] = [
        [`closed ${conns}`, () => load(port, conns, secs, max)],
        ...values['e2e-rates']
          .split(',')
          .map(Number)
          .map((rate): [string, () => Promise<LoadResult>] => [`open ${rate}/s`, () => openLoad(port, rate, secs, max)]),
      ];
      for (const [name, run] of phases) {
        await scrape(port); // resets the server's loop-delay histogram
        const r = await run();
        const m = await scrape(port);
        console.log(
          `| ${v.label} | ${name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.errors} | ${fmt(m.p99 * 1000, 2)} | ${fmt(m.max * 1000, 1)} |`,
        );
      }
    } finally {
      server.kill('SIGKILL');
    }
  }
}

function listeningPort(stdout: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolvePort, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server did not listen within 90 s')), 90_000);
    stdout.setEncoding('utf8');
    stdout.on('data', (d: string) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.includes('"listening"'));
      if (line) {
        clearTimeout(timer);
        resolvePort((JSON.parse(line) as { port: number }).port);
      }
    });
  });
}

async function waitReady(port: number): Promise<void> {
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    const ok = await fetch(`http://127.0.0.1:${port}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server not ready within 90 s');
}

async function scrape(port: number): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const read = (name: string): number => Number(/^(\S+) (\S+)$/m.exec(text.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2] ?? NaN);
  return { p99: read('pairec_eventloop_delay_seconds{quantile="0.99"}'), max: read('pairec_eventloop_delay_seconds{quantile="1"}') };
}

interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/** One POST /api/recommend for a random known user; latency from `t` (the send or scheduled time). */
function requester(port: number, agent: Agent, lat: number[], fail: () => void): (t?: number) => Promise<void> {
  const uids = createRng(11);
  return (scheduled) =>
    new Promise((done) => {
      const body = JSON.stringify({ uid: String(Math.floor(uids.next() * 10_000)), size: 20 });
      const t = scheduled ?? performance.now();
      const req = request(
        { host: '127.0.0.1', port, path: '/api/recommend', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) lat.push(performance.now() - t);
            else fail();
            done();
          });
        },
      );
      req.on('error', () => (fail(), done()));
      req.end(body);
    });
}

function summary(lat: number[], elapsedSec: number, errors: number): LoadResult {
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { rps: lat.length / elapsedSec, p50: q(0.5), p99: q(0.99), errors };
}

/** Open-loop load at `rate` requests/s on a fixed schedule, until `secs` pass or `max` are sent. */
async function openLoad(port: number, rate: number, secs: number, max: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true });
  const lat: number[] = [];
  let errors = 0;
  const one = requester(port, agent, lat, () => errors++);
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const total = Math.min(max, Math.floor(rate * secs));
  for (let i = 0; i < total;) {
    // Every request whose time has come is sent now; a late tick sends the backlog at once.
    const now = performance.now();
    while (i < total && t0 + (i * 1000) / rate <= now) pending.push(one(t0 + (i++ * 1000) / rate));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  return summary(lat, (performance.now() - t0) / 1000, errors);
}

/** Closed-loop load: `conns` clients on keep-alive sockets, until `secs` pass or `max` requests are sent. */
async function load(port: number, conns: number, secs: number, max: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: conns });
  const lat: number[] = [];
  let sent = 0;
  let errors = 0;
  const end = performance.now() + secs * 1000;
  const one = requester(port, agent, lat, () => errors++);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conns }, async () => {
      while (performance.now() < end && sent < max) {
        sent++;
        await one();
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return summary(lat, elapsed, errors);
}
