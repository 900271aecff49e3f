/**
 * The per-candidate work of a request outside the model and the index, on RW-100k
 * candidates as the pipeline sees them (exact top-300 of a user, which cluster in a few
 * categories, then the 100 most popular; rank scores in no particular order), each engine
 * routine against the version it replaced, measured in the same run:
 *
 * - dedup: UniqueFilter (row marks) vs a Set of item ids;
 * - score order: sortByScore vs Array.prototype.sort with a comparator;
 * - diversity keys: DiversityRuleSort (the catalog's key column) vs keys read per row with itemField,
 *   on scores in no order and on scores that follow the similarity (as a model's do);
 * - model rows: assembling from catalog rows (columns) vs from the catalog's per-row maps.
 *
 * Medians of 5 rounds, µs per request.   node dist/bench/candidates.js [--rounds 5] [--requests 2000]
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { createCatalog } from '../src/catalog/catalog.js';
import { demoCatalogData, generateDemo, RW_100K } from '../src/catalog/demo.js';
import { popularList } from '../src/pipeline/recall/global-hot.js';
import { copyCandidate } from '../src/pipeline/context.js';
import type { Candidate, PipelineContext } from '../src/pipeline/context.js';
import { uniqueFilter } from '../src/pipeline/filter/index.js';
import { sortByScore } from '../src/pipeline/sort/score-order.js';
import { assembleRows } from '../src/algorithm/feature-spec.js';
import { diversify, diversityRuleSort } from '../src/pipeline/sort/diversity.js';
import type { WindowRule } from '../src/pipeline/sort/diversity.js';
import { itemField } from '../src/pipeline/item-fields.js';
import { median } from './stats.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, requests: { type: 'string', default: '2000' } } });
// Enough users that their candidates span most of the catalog: rows are read cold, as after a search.
const USERS = 256;
const catalog = createCatalog(demoCatalogData(generateDemo({ ...RW_100K, users: USERS })), 'bench');
const { dim } = catalog;
const emb = catalog.itemEmbeddings;
const n = catalog.itemIds.length;

/** Exact top-300 rows of each user, best first, with their scores. */
const lists = Array.from({ length: USERS }, (_, u) => {
  const q = catalog.userVector(u);
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let d = 0; d < dim; d++) a += (q[d] as number) * (emb[i * dim + d] as number);
    s[i] = a;
  }
  return Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => (s[b] as number) - (s[a] as number))
    .slice(0, 300)
    .map((row) => ({ row, s: s[row] as number }));
});
const hot = popularList(catalog, 100, 'hot');
const request = (u: number): Candidate[] => {
  const vec = (lists[u % USERS] ?? []).map(({ row, s }): Candidate => ({
    itemId: catalog.itemIds[row] ?? '',
    row,
    retrieveId: 'vec',
    recallScore: s,
    score: s,
  }));
  const cands = vec.concat(hot.map(copyCandidate));
  // A model's scores: unrelated to the recall order.
  for (const c of cands) c.score = Math.abs(Math.sin(c.row * 12.9898) * 43758.5453) % 1;
  return cands;
};
const ctx = { catalog, request: { size: 20 } } as unknown as PipelineContext;
/** Scores as a model's: the recall score (similarity) for the nearest, below them for the popular. */
const followSimilarity = (cands: Candidate[]): Candidate[] => {
  for (const c of cands) c.score = c.retrieveId === 'vec' ? c.recallScore : -1 + c.score;
  return cands;
};

// The replaced versions: the baselines.
const dedupByIds = (cands: Candidate[]): Candidate[] => {
  const seen = new Set<string>();
  return cands.filter((c) => !seen.has(c.itemId) && seen.add(c.itemId) !== undefined);
};
const diversityConf = { Name: 'd', SortType: 'DiversityRuleSort', DiversityRules: [{ Dimensions: ['category'], WindowSize: 5, FrequencySize: 2 }] };
const diversity = diversityRuleSort.create(diversityConf);
const byItemField: WindowRule<Candidate>[] = [{ key: (c) => String(itemField(c, catalog, 'category')), window: 5, frequency: 2 }];
const spec = { User: [{ Name: 'embedding', Dim: dim, Default: 0 }], Item: [{ Name: 'embedding', Dim: dim, Default: 0 }] };
const tensor = new Float32Array(500 * 2 * dim);

type Step = (cands: Candidate[], u: number) => unknown;
const pairs: [string, Step, Step][] = [
  ['dedup', (c) => uniqueFilter(c, ctx), (c) => dedupByIds(c)],
  ['score order', (c) => sortByScore(c), (c) => c.sort((a, b) => b.score - a.score)],
  ['diversity (top 20)', (c) => diversity(sortByScore(c), ctx), (c) => diversify(sortByScore(c), byItemField, 20)],
  // As a model ranks them: scores follow the similarity, so the best few share a few
  // categories (RW-100k's category is its cluster's) and each position looks further.
  ['diversity, ranked', (c) => diversity(sortByScore(followSimilarity(c)), ctx), (c) => diversify(sortByScore(followSimilarity(c)), byItemField, 20)],
  [
    'model rows',
    (c, u) => {
      const rows = new Int32Array(c.length);
      for (let i = 0; i < c.length; i++) rows[i] = (c[i] as Candidate).row;
      return assembleRows(spec, { embedding: catalog.userVector(u) }, { rows, source: catalog.rowSource }, tensor);
    },
    (c, u) =>
      assembleRows(
        spec,
        { embedding: catalog.userVector(u) },
        c.map((x) => catalog.itemFeatureMap(x.row)),
        tensor,
      ),
  ],
];

const requests = Number(values.requests);
const time = (step: Step): number => {
  const inputs = Array.from({ length: requests }, (_, i) => request(i));
  const t0 = performance.now();
  inputs.forEach((c, i) => step(c, i % USERS));
  return ((performance.now() - t0) * 1000) / requests;
};
console.log(`RW-100k candidates (300 nearest + 100 popular), ${requests} requests × ${values.rounds} rounds, medians`);
for (const [name, engine, baseline] of pairs) {
  const e: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    b.push(time(baseline));
    e.push(time(engine));
  }
  console.log(
    `${name.padEnd(20)} engine ${median(e).toFixed(1).padStart(6)} µs   baseline ${median(b).toFixed(1).padStart(6)} µs   ${(median(b) / median(e)).toFixed(2)} ×`,
  );
}
