/**
 * FAISS client costs, against the embedded index in the same run:
 *  - round trip: one query at a time, remote (pairec vector-server over loopback gRPC)
 *    vs embedded (same index, same parameters, in process);
 *  - channel pool of 1 vs N under concurrency;
 *  - one run with B vectors (spread over the pool) vs B runs of one vector.
 *
 *   node dist/bench/faiss.js [--config examples/default.json] [--k 300] [--seconds 3] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Engine } from '../src/engine/engine.js';
import { createDefaultRegistry } from '../src/algorithm/builtins.js';
import { createMetrics } from '../src/observability/metrics.js';
import { readConfigFile } from '../src/config/load.js';
import { loadCatalog } from '../src/catalog/load.js';
import { annType } from '../src/algorithm/ann/index.js';
import { faissType } from '../src/algorithm/faiss/index.js';
import type { Algorithm } from '../src/algorithm/contract.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: 'examples/default.json' },
    k: { type: 'string', default: '300' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '16' },
  },
});
const k = Number(values.k);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const logger = pino({ level: 'warn' });
const metrics = createMetrics(undefined, { defaultMetrics: false });
const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger });
const conf = engine.parse(await readConfigFile(values.config)).CatalogConf;
if (!conf) throw new Error('the config has no CatalogConf');
const catalog = await loadCatalog(conf, logger);
const deps = { logger, metrics, catalog, cacheDir: conf.CacheDir || undefined, signal: new AbortController().signal };
const users = Array.from({ length: 1000 }, (_, i) => catalog.userVector(i % catalog.userIds.length));

const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const vs = spawn(
  process.execPath,
  [main, 'vector-server', '--catalog', values.config, '--port', '0', '--host', '127.0.0.1', '--metrics-port', 'none', '--ef-search', '100'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const port = await new Promise<number>((resolve) => {
  let buf = '';
  let p = 0;
  vs.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (const line of buf.split('\n')) {
      if (line.includes('"listening"')) p = (JSON.parse(line) as { port: number }).port;
      if (line.includes('"serving"')) resolve(p);
    }
  });
});

const ctx = () => ({ deadline: performance.now() + 10_000, signal: new AbortController().signal });

/** Queries/s with `concurrency` runs in flight, each of `batch` vectors. */
async function qps(algo: Algorithm<'retrieval'>, concurrency: number, batch: number): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let done = 0;
    let next = 0;
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (performance.now() < end) {
        const vectors = Array.from({ length: batch }, () => users[next++ % users.length] as Float32Array);
        await algo.run({ vectors, k }, ctx());
        done += batch;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    samples.push(done / ((performance.now() - t0) / 1000));
  }
  return median(samples);
}

const embedded = await annType.create(
  'embedded',
  { Index: 'hnsw', Space: 'ip', M: 16, EfConstruction: 100, EfSearch: 100, Nlist: 0, Nprobe: 16, Seed: 100 },
  deps,
);
const remote = (pool: number) =>
  faissType.create('remote', { ServerAddress: `127.0.0.1:${port}`, Timeout: 5000, PoolSize: pool, Metric: 'ip', MaxReconnectBackoff: 1000 }, deps);
const r1 = await remote(1);
const rN = await remote(4);
await qps(r1, 1, 1); // warm-up: connect, JIT

const c = Number(values.concurrency);
const b = Number(values.batch);
const emb1 = await qps(embedded, 1, 1);
// The client's own CPU per query (this process only: the server's search is in its own process).
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const rem1 = await qps(r1, 1, 1);
const cpu1 = process.cpuUsage(cpu0);
const clientUs = (cpu1.user + cpu1.system) / (rem1 * ((performance.now() - t0) / 1000));
const pool1 = await qps(r1, c, 1);
const poolN = await qps(rN, c, 1);
const single = await qps(rN, 1, 1);
const batched = await qps(rN, 1, b);
const us = (q: number): string => `${(1e6 / q).toFixed(0)} µs/query`;
console.log(`k=${k}, ${catalog.itemIds.length} items × ${catalog.dim}, HNSW M=16 efC=100 ef=100, median of ${rounds} × ${seconds}s`);
console.log(`embedded, 1 at a time          ${emb1.toFixed(0).padStart(7)} q/s  ${us(emb1)}  (baseline)`);
console.log(`FAISS pool 1, 1 at a time      ${rem1.toFixed(0).padStart(7)} q/s  ${us(rem1)}  round-trip overhead ${(1e6 / rem1 - 1e6 / emb1).toFixed(0)} µs`);
console.log(`  client CPU per query          ${clientUs.toFixed(0).padStart(7)} µs (this process: encode, HTTP/2, decode)`);
console.log(`FAISS pool 1, ${c} in flight     ${pool1.toFixed(0).padStart(7)} q/s`);
console.log(`FAISS pool 4, ${c} in flight     ${poolN.toFixed(0).padStart(7)} q/s  (${(poolN / pool1).toFixed(2)} × pool 1)`);
console.log(`FAISS pool 4, 1 vector per run ${single.toFixed(0).padStart(7)} q/s`);
console.log(`FAISS pool 4, ${b} vectors per run ${batched.toFixed(0).padStart(7)} q/s  (${(batched / single).toFixed(2)} × one by one)`);
await Promise.all([embedded.close(), r1.close(), rN.close()]);
vs.kill('SIGTERM');
