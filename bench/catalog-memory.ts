/**
 * What one serving process holds of a demo catalog and its IVF index, stage by stage:
 * private memory (anonymous pages: the heap, typed arrays, WebAssembly memory) and file
 * pages (the mapped cache files, shared with every other process mapping them), from
 * /proc/self/smaps_rollup after a full GC. Run it once with the native addon and once
 * with PAIREC_NO_NATIVE=1 to see what mapping moves out of each process.
 *
 *   node --expose-gc dist/bench/catalog-memory.js [--items 1000000] [--cache .cache]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadOrGenerateDemo } from '../src/catalog/demo-cache.js';
import { createCatalog } from '../src/catalog/catalog.js';
import { demoCatalogData, RW_100K } from '../src/catalog/demo.js';
import { loadOrBuildIndex } from '../src/vector/vector-index.js';

const { values } = parseArgs({ options: { items: { type: 'string', default: '1000000' }, cache: { type: 'string', default: '.cache' } } });
const logger = pino({ level: 'warn' });
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)}`.padStart(7);
function memory(): { anon: number; file: number; heap: number } {
  gc?.();
  gc?.();
  const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous'), heap: process.memoryUsage().heapUsed };
}

let last = memory();
const rows: string[] = [];
const stage = (name: string): void => {
  const now = memory();
  rows.push(`| ${name} | ${mib(now.anon - last.anon)} | ${mib(now.file - last.file)} | ${mib(now.heap - last.heap)} |`);
  last = now;
};

const params = { ...RW_100K, items: Number(values.items) };
const { columns } = await loadOrGenerateDemo(values.cache, params, logger);
stage('demo columns (embeddings mapped or read)');
const data = demoCatalogData(columns);
stage('ids and typed field columns');
const catalog = createCatalog(data, 'bench');
stage('catalog (id maps, row marks)');
const index = await loadOrBuildIndex(
  { kind: 'ivf', space: 'ip', M: 16, EfConstruction: 200, Nlist: 0, Seed: 42 },
  catalog.itemEmbeddings,
  catalog.dim,
  { dir: values.cache, key: 'catalog-memory' },
  logger,
  new AbortController().signal,
);
stage('IVF index (lists mapped or copied, positions)');
const layout = index.layout?.();
if (layout) catalog.useEmbeddingLayout(layout);
stage('embedding layout for rank (row positions)');
console.log(`${params.items.toLocaleString('en')} items, ${process.env.PAIREC_NO_NATIVE === '1' ? 'no native addon (copies)' : 'mapped'}: MiB added per stage`);
console.log('| stage | private (anonymous) | file pages (shared) | of it, JS heap |\n|---|---|---|---|');
for (const r of rows) console.log(r);
console.log(`| total | ${mib(last.anon)} | ${mib(last.file)} | ${mib(last.heap)} |`);
