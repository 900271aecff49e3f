/**
 * Building a candidate's feature map (catalog features + embedding view + recall_score),
 * as the rank stage does for every candidate: object spread vs Object.assign vs a bare
 * literal of known keys (the floor, measured in the same run). Medians of 5 rounds.
 *
 *   node dist/bench/feature-maps.js
 */
import { performance } from 'node:perf_hooks';
import { createCatalog } from '../src/catalog/catalog.js';
import { demoCatalogData, generateDemo, RW_100K } from '../src/catalog/demo.js';
import type { FeatureInput, FeatureMap } from '../src/algorithm/contract.js';
import { median } from './stats.js';

const catalog = createCatalog(demoCatalogData(generateDemo({ ...RW_100K, users: 10 })), 'bench');
const rows = Array.from({ length: 300 }, (_, i) => (i * 331) % RW_100K.items);
// The row objects catalogs held before they held columns (the maps are made from them).
const itemFeatures = catalog.itemIds.map((_, row) => catalog.itemRow(row));
const keys = Object.keys(itemFeatures[0] ?? {});
const plain = itemFeatures.map((f, row) => ({ ...f, embedding: catalog.itemVector(row) }));
const frozen = plain.map((m) => Object.freeze({ ...m }));
const variants: [string, (row: number, s: number) => FeatureMap][] = [
  [
    'literal (floor)',
    (row, s) => {
      const b = itemFeatures[row];
      return { popularity: b?.popularity, category: b?.category, embedding: catalog.itemVector(row), recall_score: s };
    },
  ],
  ['Object.assign (used)', (row, s) => Object.assign({}, itemFeatures[row], { embedding: catalog.itemVector(row), recall_score: s })],
  ['spread', (row, s) => ({ ...itemFeatures[row], embedding: catalog.itemVector(row), recall_score: s })],
  [
    'memo frozen + assign',
    (row, s) => {
      const m: Record<string, FeatureInput> = Object.assign({}, frozen[row]);
      m.recall_score = s;
      return m;
    },
  ],
  [
    'memo plain + assign',
    (row, s) => {
      const m: Record<string, FeatureInput> = Object.assign({}, plain[row]);
      m.recall_score = s;
      return m;
    },
  ],
  [
    'key loop',
    (row, s) => {
      const f = itemFeatures[row] ?? {};
      const m: Record<string, FeatureInput> = {};
      for (const k of keys) m[k] = f[k];
      m.embedding = catalog.itemVector(row);
      m.recall_score = s;
      return m;
    },
  ],
];
const results = new Map<string, number[]>();
for (let round = 0; round < 5; round++) {
  for (const [name, build] of variants) {
    let sink = 0;
    const t0 = performance.now();
    for (let k = 0; k < 2000; k++) for (const r of rows) sink += Number(build(r, 0.5).recall_score);
    const ns = ((performance.now() - t0) * 1e6) / (2000 * rows.length);
    if (sink < 0) console.log(sink);
    results.set(name, [...(results.get(name) ?? []), ns]);
  }
}
const floor = median(results.get('literal (floor)') ?? []);
for (const [name, xs] of results)
  console.log(`${name.padEnd(22)} ${median(xs).toFixed(0).padStart(6)} ns per map  (${(median(xs) / floor).toFixed(1)} × floor)`);
