/**
 * Embedded ANN choice: hnswlib-node vs usearch on RW-100k-shaped data.
 * Reports build time, recall@10 against exact inner-product search, and queries/s
 * (one query at a time, as the request path does), with exact search as the baseline
 * measured in the same run.
 *
 *   node dist/bench/ann.js [--items 100000] [--queries 500] [--ef 50,100,200] [--efc 100] [--m 16] [--k 10] [--no-usearch]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import hnswlib from 'hnswlib-node';
import usearch from 'usearch';
import { generateDemo, RW_100K } from '../src/catalog/demo.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string', default: String(RW_100K.items) },
    queries: { type: 'string', default: '500' },
    ef: { type: 'string', default: '50,100,200' },
    k: { type: 'string', default: '10' },
    efc: { type: 'string', default: '100' },
    m: { type: 'string', default: '16' },
    'no-usearch': { type: 'boolean', default: false },
  },
});
const items = Number(values.items);
const nq = Number(values.queries);
const k = Number(values.k);
const efc = Number(values.efc);
const m = Number(values.m);
const efs = values.ef.split(',').map(Number);
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

const rows: string[] = [];
{
  const t0 = performance.now();
  const index = new hnswlib.HierarchicalNSW('ip', dim);
  index.initIndex(items, m, efc, 100);
  for (let i = 0; i < items; i++) index.addPoint(Array.from(itemEmbeddings.subarray(i * dim, (i + 1) * dim)), i);
  const build = (performance.now() - t0) / 1000;
  for (const ef of efs) {
    index.setEf(Math.max(ef, k));
    const r = timeQueries((q) => index.searchKnn(Array.from(q), k).neighbors);
    rows.push(
      `hnswlib-node M=${m} efC=${efc} ef=${String(ef).padEnd(4)} build=${build.toFixed(1)}s qps=${r.qps.toFixed(0).padStart(6)} ` +
        `recall@${k}=${recall(exact.results, r.results).toFixed(3)} x${(r.qps / exact.qps).toFixed(1)} vs exact`,
    );
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
  const r = timeQueries((q) => Array.from(index.search(q, k, 1).keys, Number));
  rows.push(
    `usearch      M=${m} efC=${efc} ef=${String(ef).padEnd(4)} build=${build.toFixed(1)}s qps=${r.qps.toFixed(0).padStart(6)} ` +
      `recall@${k}=${recall(exact.results, r.results).toFixed(3)} x${(r.qps / exact.qps).toFixed(1)} vs exact`,
  );
}
for (const row of rows) console.log(row);
