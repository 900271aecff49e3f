/**
 * Embedded ANN choice on RW-100k-shaped data: the engine's HNSW (hnswlib-node) and IVF
 * (k-means lists scanned by the engine's SIMD kernels) indexes, and usearch's own HNSW. Reports build time,
 * recall@k against exact inner-product search, and queries/s (one query at a time, as
 * the request path does; median of alternating rounds), with exact search as the
 * baseline measured in the same run.
 *
 *   node dist/bench/ann.js [--items 100000] [--queries 500] [--ef 50,100,200] [--efc 100] [--m 16] [--k 10]
 *                          [--nlist 0] [--nprobe 16,24,32] [--rounds 3] [--no-usearch]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import usearch from 'usearch';
import { pino } from 'pino';
import { generateDemo, RW_100K } from '../src/catalog/demo.js';
import { buildIndex } from '../src/vector/vector-index.js';
import { listCount } from '../src/vector/ivf-index.js';
import { median } from './stats.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: String(RW_100K.items) },
    queries: { type: 'string', default: '500' },
    ef: { type: 'string', default: '50,100,200' },
    k: { type: 'string', default: '10' },
    efc: { type: 'string', default: '100' },
    m: { type: 'string', default: '16' },
    nprobe: { type: 'string', default: '16,24,32' },
    nlist: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '3' },
    'no-usearch': { type: 'boolean', default: false },
  },
});
const items = Number(values.items);
const nq = Number(values.queries);
const k = Number(values.k);
const efc = Number(values.efc);
const m = Number(values.m);
const efs = values.ef.split(',').map(Number);
const nprobes = values.nprobe === '' ? [] : values.nprobe.split(',').map(Number);
const nlist = Number(values.nlist);
const rounds = Number(values.rounds);
const params = { ...RW_100K, items, users: nq };
const { itemEmbeddings, userEmbeddings } = generateDemo(params);
const dim = params.dim;
const query = (q: number): Float32Array => userEmbeddings.subarray(q * dim, (q + 1) * dim);

/** Exact inner-product top-k by brute force: a scan with a small sorted buffer. */
function exactTopK(q: Float32Array): number[] {
  const bestIds: number[] = [];
  const bestScores: number[] = [];
  for (let i = 0; i < items; i++) {
    let s = 0;
    const base = i * dim;
    for (let d = 0; d < dim; d++) s += (q[d] ?? 0) * (itemEmbeddings[base + d] ?? 0);
    if (bestIds.length === k && s <= (bestScores[k - 1] ?? -Infinity)) continue;
    let pos = bestScores.length;
    while (pos > 0 && (bestScores[pos - 1] ?? 0) < s) pos--;
    bestScores.splice(pos, 0, s);
    bestIds.splice(pos, 0, i);
    if (bestIds.length > k) {
      bestScores.pop();
      bestIds.pop();
    }
  }
  return bestIds;
}

function timeQueries(fn: (q: Float32Array) => number[]): { qps: number; results: number[][] } {
  const results: number[][] = [];
  const t0 = performance.now();
  for (let q = 0; q < nq; q++) results.push(fn(query(q)));
  return { qps: nq / ((performance.now() - t0) / 1000), results };
}

function recall(truth: number[][], got: number[][]): number {
  let hit = 0;
  truth.forEach((t, q) => {
    const g = new Set(got[q]);
    for (const x of t) if (g.has(x)) hit++;
  });
  return hit / (truth.length * k);
}

const exact = timeQueries(exactTopK);
console.log(`items=${items} dim=${dim} queries=${nq} k=${k}`);
console.log(`exact (JS brute force)      qps=${exact.qps.toFixed(0)}  recall@${k}=1.000  (baseline)`);

/** A configuration under test: its label and one query. */
interface Candidate {
  readonly label: string;
  readonly build: number;
  readonly search: (q: Float32Array) => number[];
}
const candidates: Candidate[] = [];
const logger = pino({ level: 'warn' });
const signal = new AbortController().signal;
const spec = { space: 'ip', M: m, EfConstruction: efc, Nlist: nlist, Seed: 100 } as const;
{
  const t0 = performance.now();
  const index = await buildIndex({ ...spec, kind: 'hnsw' }, itemEmbeddings, dim, logger, signal);
  const build = (performance.now() - t0) / 1000;
  for (const ef of efs) {
    candidates.push({ label: `hnswlib-node M=${m} efC=${efc} ef=${ef}`, build, search: (q) => [...index.search(q, k, ef).rows] });
  }
}
if (nprobes.length > 0) {
  const t0 = performance.now();
  const index = await buildIndex({ ...spec, kind: 'ivf' }, itemEmbeddings, dim, logger, signal);
  const build = (performance.now() - t0) / 1000;
  const lists = listCount({ ...spec, kind: 'ivf' }, items);
  for (const np of nprobes) {
    candidates.push({ label: `ivf (SIMD scan) nlist=${lists} nprobe=${np}`, build, search: (q) => [...index.search(q, k, np).rows] });
  }
}
for (const ef of values['no-usearch'] ? [] : efs) {
  const t0 = performance.now();
  const index = new usearch.Index({
    dimensions: dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity: m,
    expansion_add: efc,
    expansion_search: Math.max(ef, k),
    multi: false,
  });
  const keys = new BigUint64Array(items);
  for (let i = 0; i < items; i++) keys[i] = BigInt(i);
  index.add(keys, itemEmbeddings, 0);
  const build = (performance.now() - t0) / 1000;
  // usearch reads a typed array from the start of its buffer: the query is copied.
  candidates.push({ label: `usearch      M=${m} efC=${efc} ef=${ef}`, build, search: (q) => Array.from(index.search(q.slice(), k, 1).keys, Number) });
}
// Rounds alternate the candidates so a noisy machine slows them alike; medians reported.
const qps = candidates.map((): number[] => []);
const recalls = candidates.map(() => 0);
for (let round = 0; round < rounds; round++) {
  candidates.forEach((c, i) => {
    const r = timeQueries(c.search);
    qps[i]?.push(r.qps);
    recalls[i] = recall(exact.results, r.results);
  });
}
candidates.forEach((c, i) => {
  const q = median(qps[i] ?? []);
  console.log(
    `${c.label.padEnd(48)} build=${c.build.toFixed(1)}s qps=${q.toFixed(0).padStart(6)} (${(1e6 / q).toFixed(0)} µs) ` +
      `recall@${k}=${(recalls[i] ?? 0).toFixed(3)} x${(q / exact.qps).toFixed(1)} vs exact`,
  );
});
