/**
 * `npm run bench`: RW-100k end to end. Starts `pairec serve` on the reference config,
 * drives it with wrk (closed loop) and an open-loop generator (fixed rates), measures
 * the component limit in the same run (ANN search alone, model inference alone, the
 * HTTP floor alone) and prints the performance guide's metric table next to its
 * targets. Results and a latency chart go to bench/results/.
 *
 *   npm run bench -- [--json] [--rw-1m] [--remote] [--workers auto|N] [--connections 32] [--seconds 15] [--warmup 5]
 *                    [--rates 200,400,600,800,1000,1200] [--config examples/rw-100k.json] [--scene rw_100k]
 *
 * `--remote`: the same workload with vector recall through `pairec vector-server` (FAISS
 * protocol) and rank through `pairec model-server` (KServe v2, binary tensors), all on
 * this machine; the embedded run's closed loop is measured first in the same run for
 * the ratio, and the connections the engine opens to the backends while under load are
 * counted (a pool that keeps its connections opens none).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config/validate.js';
import { builtinVocabulary } from '../src/engine/vocabulary.js';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import { planSizing, sizingEnv } from '../src/sizing/sizing.js';
import { freePort } from './e2e/port.js';
import { runWrk } from './e2e/wrk.js';
import type { WrkResult } from './e2e/wrk.js';
import { openLoop } from './e2e/open-loop.js';
import type { OpenLoopResult } from './e2e/open-loop.js';
import { measureTree, processTree, pssBytes, sample } from './e2e/proc-stats.js';
import { measureComponents } from './e2e/limits.js';
import { latencyChart } from './e2e/chart.js';
import { connectionsOpened, remoteConfig, startRemoteBackends } from './e2e/remote.js';
import type { RemoteBackends } from './e2e/remote.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/rw-100k.json' },
    scene: { type: 'string', default: 'rw_100k' },
    'rw-1m': { type: 'boolean', default: false },
    remote: { type: 'boolean', default: false },
    workers: { type: 'string', default: 'auto' },
    connections: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    rates: { type: 'string', default: '200,400,600,800,1000,1200' },
    json: { type: 'boolean', default: false },
  },
});
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./e2e/http-floor.js', import.meta.url));
const RESULTS = fileURLToPath(new URL('../../bench/results/', import.meta.url));
const log = (msg: string): void => {
  process.stderr.write(`${msg}\n`);
};

const raw = JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>;
if (values['rw-1m']) {
  const cat = raw.CatalogConf as { Demo: Record<string, number> };
  cat.Demo = { ...cat.Demo, Items: 1_000_000 };
}
const config = parseConfig(raw, builtinVocabulary(createDefaultRegistry()));
const workers = planSizing({ ...sizingEnv(), workers: values.workers }, config.performance.gc_percent).workers;
const users = config.CatalogConf?.Demo.Users ?? 10000;
const items = config.CatalogConf?.Demo.Items ?? 0;
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const workload = `${items >= 1_000_000 ? 'RW-1M' : 'RW-100k'}${values.remote ? ' remote' : ''}`;
const configFile = join(tmpdir(), `pairec-bench-${process.pid}.json`);
writeFileSync(configFile, JSON.stringify(raw));
const remoteFile = join(tmpdir(), `pairec-bench-remote-${process.pid}.json`);

async function waitFor(url: string, timeoutMs: number, proc: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode})`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready in ${timeoutMs} ms`);
}
async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

const serve = async (file: string): Promise<{ server: ChildProcess; url: string; readyS: number }> => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  log(`${workload}: starting pairec serve (${workers} process${workers > 1 ? 'es' : ''}) on ${url}; the first run builds the catalog and index`);
  const server = spawn(process.execPath, [MAIN, 'serve', '--config', file, '--port', String(port), '--host', '127.0.0.1', '--no-watch'], {
    env: { ...process.env, PAIREC_WORKERS: String(workers) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const t0 = performance.now();
  await waitFor(`${url}/ready`, 30 * 60_000, server);
  return { server, url, readyS: (performance.now() - t0) / 1000 };
};
const wrkOpts = { connections, threads: 2, seconds, scene: values.scene, users };

// 0. --remote: the embedded closed loop first (the ratio's baseline), then the backends.
let embeddedQps: number | undefined;
let backends: RemoteBackends | undefined;
if (values.remote) {
  const embedded = await serve(configFile);
  try {
    log('embedded baseline: warm-up 5 s, then wrk');
    await runWrk(embedded.url, { ...wrkOpts, seconds: 5 });
    embeddedQps = (await runWrk(embedded.url, wrkOpts)).qps;
  } finally {
    await stop(embedded.server);
  }
  const nprobe = Number((config.AlgoConfs.find((a) => a.Type === 'ANN') as { AnnConf?: { Nprobe?: number } } | undefined)?.AnnConf?.Nprobe ?? 16);
  backends = await startRemoteBackends(configFile, nprobe, log);
  writeFileSync(remoteFile, JSON.stringify(remoteConfig(raw, backends)));
}

// 1. The engine under closed and open loop.
let closed: { result: WrkResult; cpuPercent: number; rssMb: number };
let sweep: OpenLoopResult[] = [];
let at1000: OpenLoopResult;
let opened = 0;
let openedBy = '';
const { server, url, readyS } = await serve(backends ? remoteFile : configFile);
let rssByProcess: number[] = [];
let pssByProcess: number[] = [];
try {
  log(`warm-up ${values.warmup} s`);
  await runWrk(url, { ...wrkOpts, seconds: Number(values.warmup) });
  log(`closed loop: wrk, ${connections} connections, ${seconds} s`);
  const ports = backends ? [backends.vectorPort, backends.modelPort] : [];
  const counted = await connectionsOpened(ports, () => measureTree(server.pid ?? 0, () => runWrk(url, wrkOpts)));
  closed = counted.result;
  // Each process of the tree (the cluster primary first), after the closed loop: what one copy of the data costs.
  const tree = processTree(server.pid ?? 0);
  rssByProcess = tree.map((pid) => Math.round(sample([pid]).rssBytes / 2 ** 20));
  pssByProcess = tree.map((pid) => Math.round(pssBytes(pid) / 2 ** 20));
  opened = counted.opened;
  if (backends) openedBy = `vector-server ${counted.openedByPort[backends.vectorPort] ?? 0}, model-server ${counted.openedByPort[backends.modelPort] ?? 0}`;
  const rates = values.rates
    .split(',')
    .map(Number)
    .filter((r) => r > 0);
  for (const rate of rates) {
    log(`open loop: ${rate} req/s for 5 s`);
    sweep.push(await openLoop(url, { rate, seconds: 5, scene: values.scene, users }));
  }
  log(`open loop: 1000 req/s for ${seconds} s`);
  at1000 = await openLoop(url, { rate: 1000, seconds, scene: values.scene, users });
} finally {
  await stop(server);
  await backends?.stop();
}
sweep = sweep.sort((a, b) => a.offered - b.offered);

// 1b. A second start, from the cache the first one left: how long loading takes (catalog, index, models).
log('restart: time to /ready from the cache');
const warm = await serve(backends ? remoteFile : configFile);
const indexLoadS = warm.readyS;
await stop(warm.server);

// 2. The component limit, measured alone in the same run.
log('component limit: ANN search and model inference alone (CPU time), then the HTTP floor');
const rankRows = Math.min(config.RankConf[values.scene]?.BatchCount ?? 400, 400);
const parts = await measureComponents(config, values.scene, rankRows);
const floorPort = await freePort();
const floor = spawn(process.execPath, [FLOOR, String(floorPort), String(workers)], { stdio: ['ignore', 'ignore', 'inherit'] });
let floorQps = 0;
try {
  await waitFor(`http://127.0.0.1:${floorPort}/health`, 30_000, floor);
  await runWrk(`http://127.0.0.1:${floorPort}`, { connections, threads: 2, seconds: 3, scene: values.scene, users });
  floorQps = (await runWrk(`http://127.0.0.1:${floorPort}`, { connections, threads: 2, seconds: 10, scene: values.scene, users })).qps;
} finally {
  await stop(floor);
}
const cores = Math.min(workers, availableParallelism());
const perRequestCpuS = (parts.annUs + parts.modelUs) / 1e6;
const limitQps = 1 / (perRequestCpuS / cores + 1 / floorQps);

// 3. Report.
const c = closed.result;
const errorRate = c.requests === 0 ? 1 : c.errors / c.requests;
const memPercent = (100 * closed.rssMb * 2 ** 20) / totalmem();
const cpuOfMachine = closed.cpuPercent / availableParallelism();
const rows: [string, string, string, boolean][] = [
  ['Throughput (QPS)', c.qps.toFixed(0), '> 1000', c.qps > 1000],
  ['Latency P50', `${c.p50Ms.toFixed(1)} ms`, '', true],
  ['Latency P95', `${c.p95Ms.toFixed(1)} ms`, '', true],
  ['Latency (P99)', `${c.p99Ms.toFixed(1)} ms`, '< 100 ms', c.p99Ms < 100],
  ['CPU utilization', `${cpuOfMachine.toFixed(0)} % of ${availableParallelism()} cores`, '< 70 %', cpuOfMachine < 70],
  ['Memory (RSS)', `${closed.rssMb.toFixed(0)} MB (${memPercent.toFixed(1)} %)`, '< 80 %', memPercent < 80],
  ['Error rate', `${(100 * errorRate).toFixed(3)} %`, '< 0.1 %', errorRate < 0.001],
];
const out: string[] = [];
out.push(`${workload} — ${workers} serving process(es), wrk -t2 -c${connections} -d${seconds}s on the same machine`);
out.push('');
out.push('| Metric | Measured | Target | |');
out.push('|---|---|---|---|');
for (const [m, v, t, ok] of rows) out.push(`| ${m} | ${v} | ${t} | ${t === '' ? '' : ok ? 'met' : 'NOT met'} |`);
out.push('');
out.push(
  `Start: ${readyS.toFixed(1)} s to /ready (the first start builds what the cache lacks), ${indexLoadS.toFixed(1)} s from the cache; RSS by process (primary first): ${rssByProcess.join(', ')} MB; PSS (a shared page counted once over all) ${pssByProcess.join(', ')} MB = ${pssByProcess.reduce((a, b) => a + b, 0)} MB`,
);
out.push(
  `Component limit: ANN ${parts.annSetting} k=${parts.annK} ${parts.annUs.toFixed(0)} µs (recall@${parts.annK} ${parts.annRecall.toFixed(3)}) + model ${parts.modelRows} rows ${parts.modelUs.toFixed(0)} µs CPU per request on ${cores} core(s), HTTP floor ${floorQps.toFixed(0)} req/s`,
);
out.push(`  → limit ${limitQps.toFixed(0)} req/s; end to end ${c.qps.toFixed(0)} req/s = ${(c.qps / limitQps).toFixed(2)} × the limit`);
if (embeddedQps !== undefined) {
  out.push(
    `Remote: ${c.qps.toFixed(0)} req/s against ${embeddedQps.toFixed(0)} embedded in the same run = ${(c.qps / embeddedQps).toFixed(2)} ×; connections opened to the backends under load: ${opened} (${openedBy}) for ${c.requests} requests`,
  );
}
out.push('');
out.push("Open loop (latency from each request's due time):");
out.push('| offered req/s | achieved | P50 ms | P95 ms | P99 ms | errors |');
out.push('|---|---|---|---|---|---|');
for (const p of [...sweep, at1000])
  out.push(
    `| ${p.offered}${p === at1000 ? ` (${seconds} s)` : ''} | ${p.achieved.toFixed(0)} | ${p.p50Ms.toFixed(1)} | ${p.p95Ms.toFixed(1)} | ${p.p99Ms.toFixed(1)} | ${p.errors} |`,
  );
const summary = {
  workload,
  workers,
  qps: Math.round(c.qps),
  p50_ms: Number(c.p50Ms.toFixed(2)),
  p95_ms: Number(c.p95Ms.toFixed(2)),
  p99_ms: Number(c.p99Ms.toFixed(2)),
  error_rate: Number(errorRate.toFixed(5)),
  cpu_percent: Number(cpuOfMachine.toFixed(1)),
  rss_mb: Math.round(closed.rssMb),
  rss_mb_by_process: rssByProcess,
  pss_mb_by_process: pssByProcess,
  pss_mb: pssByProcess.reduce((a, b) => a + b, 0),
  first_ready_s: Number(readyS.toFixed(1)),
  index_load_s: Number(indexLoadS.toFixed(1)),
  limit_qps: Math.round(limitQps),
  ratio: Number((c.qps / limitQps).toFixed(3)),
  p99_at_1000_ms: Number(at1000.p99Ms.toFixed(2)),
  ann_us: Math.round(parts.annUs),
  ann_recall: Number(parts.annRecall.toFixed(3)),
  model_us: Math.round(parts.modelUs),
  http_floor_qps: Math.round(floorQps),
  ...(embeddedQps === undefined
    ? {}
    : {
        embedded_qps: Math.round(embeddedQps),
        remote_ratio: Number((c.qps / embeddedQps).toFixed(3)),
        connections_per_request: Number((opened / Math.max(1, c.requests)).toFixed(6)),
      }),
};
mkdirSync(RESULTS, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const base = join(RESULTS, `${workload.toLowerCase().replace(/ /g, '-')}-${stamp}`);
writeFileSync(`${base}.md`, `${out.join('\n')}\n`);
writeFileSync(`${base}.json`, `${JSON.stringify({ ...summary, closed: c, sweep, at1000, parts }, null, 2)}\n`);
writeFileSync(`${base}.svg`, latencyChart([...sweep], `${workload}: latency against offered load (${workers} process(es))`));
log(`results: ${base}.{md,json,svg}`);
process.stdout.write(`${out.join('\n')}\n`);
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
