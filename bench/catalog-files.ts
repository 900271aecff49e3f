/**
 * File catalogs at RW-1M size: 1,000,000 items × 64-d embeddings with a category, a
 * price and an on/off-shelf status, as JSON Lines, CSV and Parquet (list<float>,
 * snappy, 100k-row groups: Spark's layout). Measures, each in a fresh process, the
 * load time and the resident memory it adds (RSS after load − RSS before, after a GC),
 * side by side with the demo source at the same size; and the two Parquet readers
 * considered (hyparquet, parquet-wasm + apache-arrow) reading the same file into an
 * embedding matrix. The files are written once into --dir (not kept in the repository).
 *
 *   node dist/bench/catalog-files.js --dir /tmp/rw1m [--rows 1000000] [--dim 64] [--gen]
 */
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { createRng } from '../src/catalog/random.js';
import { pino } from 'pino';
import { loadCatalog } from '../src/catalog/load.js';
import type { CatalogConf } from '../src/config/schema.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: '/tmp/pairec-rw1m' },
    rows: { type: 'string', default: '1000000' },
    dim: { type: 'string', default: '64' },
    gen: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const rows = Number(values.rows);
const dim = Number(values.dim);
const dir = values.dir;
const logger = pino({ level: 'silent' });

interface Row {
  id: string;
  embedding: number[];
  category: string;
  price: number;
  status: string;
}
function* rowsOf(n: number): Generator<Row> {
  const next = createRng(7).next;
  for (let i = 0; i < n; i++) {
    const embedding = new Array<number>(dim);
    for (let d = 0; d < dim; d++) embedding[d] = Math.fround(next() * 2 - 1);
    yield {
      id: `sku-${String(i + 1).padStart(7, '0')}`,
      embedding,
      category: `cat_${Math.floor(next() * 20)}`,
      price: Math.round(next() * 1e5) / 100,
      status: next() < 0.15 ? 'off_shelf' : 'on_shelf',
    };
  }
}

async function writeText(path: string, line: (r: Row) => string, header?: string): Promise<void> {
  const out = createWriteStream(path);
  if (header) out.write(header + '\n');
  for (const r of rowsOf(rows)) if (!out.write(line(r) + '\n')) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function generate(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await writeText(join(dir, 'items.jsonl'), (r) => JSON.stringify(r));
  await writeText(
    join(dir, 'items.csv'),
    (r) => `${r.id},"${r.embedding.join(',')}",${r.category},${r.price},${r.status}`,
    'id,embedding,category,price,status',
  );
  const writer = new ParquetWriter({
    writer: fileWriter(join(dir, 'items.parquet')),
    schema: [
      { name: 'root', num_children: 5 },
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'embedding', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
      { name: 'category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'price', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      { name: 'status', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ],
  });
  const group = 100_000;
  let batch: Row[] = [];
  const flush = async (): Promise<void> => {
    const names = ['id', 'embedding', 'category', 'price', 'status'] as const;
    await writer.write({ columnData: names.map((n) => ({ name: n, data: batch.map((r) => r[n]) })), rowGroupSize: group });
    batch = [];
  };
  for (const r of rowsOf(rows)) {
    batch.push(r);
    if (batch.length === group) await flush();
  }
  if (batch.length > 0) await flush();
  await writer.finish();
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** One measurement in this (fresh) process: ms and the RSS the loaded data adds. */
async function child(kind: string): Promise<void> {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  let keep: unknown;
  if (kind === 'demo') {
    const conf: CatalogConf = {
      Source: 'demo',
      Demo: { Items: rows, Users: 1, Dim: dim, Clusters: 1000, Categories: 20, Seed: 42 },
      CacheDir: join(dir, 'demo-cache'),
    };
    keep = await loadCatalog(conf, logger);
  } else if (kind.startsWith('file-')) {
    const format = kind.slice(5);
    const conf: CatalogConf = {
      Source: 'file',
      Demo: { Items: 10, Users: 1, Dim: 2, Clusters: 1, Categories: 1, Seed: 1 },
      Items: { Path: join(dir, `items.${format}`), IdField: 'id', EmbeddingField: 'embedding' },
      CacheDir: '',
    };
    keep = await loadCatalog(conf, logger);
  } else if (kind === 'reader-hyparquet') {
    const file = await asyncBufferFromFile(join(dir, 'items.parquet'));
    const metadata = await parquetMetadataAsync(file);
    const m = new Float32Array(rows * dim);
    let at = 0;
    for (const g of metadata.row_groups) {
      const end = at + Number(g.num_rows);
      const objs = await parquetReadObjects({ file, metadata, rowStart: at, rowEnd: end, columns: ['embedding'], compressors });
      objs.forEach((o, i) => m.set(o.embedding as number[], (at + i) * dim));
      at = end;
    }
    keep = m;
  } else if (kind.startsWith('reader-parquet-wasm')) {
    // Whole file at once, or (…-groups) one row group per call to bound the wasm memory.
    const { readParquet } = await import('parquet-wasm');
    const { tableFromIPC } = await import('apache-arrow');
    const bytes = readFileSync(join(dir, 'items.parquet'));
    const groups = kind.endsWith('-groups')
      ? (await parquetMetadataAsync(await asyncBufferFromFile(join(dir, 'items.parquet')))).row_groups.map((_, i) => [i])
      : [undefined];
    const m = new Float32Array(rows * dim);
    let row = 0;
    for (const rowGroups of groups) {
      const table = tableFromIPC(readParquet(bytes, { columns: ['embedding'], ...(rowGroups ? { rowGroups } : {}) }).intoIPCStream());
      for (const chunk of table.getChild('embedding')?.data ?? []) {
        const child = chunk.children[0];
        const values = child?.values as Float32Array;
        const offsets = chunk.valueOffsets as Int32Array;
        const at = (child?.offset ?? 0) - (offsets[0] ?? 0);
        for (let i = 0; i < chunk.length; i++) m.set(values.subarray((offsets[i] ?? 0) + at, (offsets[i + 1] ?? 0) + at), (row + i) * dim);
        row += chunk.length;
      }
    }
    keep = m;
  }
  const ms = performance.now() - t0;
  gc();
  const rss = process.memoryUsage().rss - rss0;
  process.stdout.write(JSON.stringify({ kind, ms: Math.round(ms), rssMB: Math.round(rss / 2 ** 20), held: keep !== undefined }) + '\n');
}

if (values.child) await child(values.child);
else {
  if (values.gen || !existsSync(join(dir, 'items.parquet'))) {
    const t0 = performance.now();
    await generate();
    console.log(`generated ${rows} rows × ${dim} in ${Math.round(performance.now() - t0)} ms`);
  }
  const self = fileURLToPath(import.meta.url);
  const kinds = ['demo', 'demo', 'file-jsonl', 'file-csv', 'file-parquet', 'reader-hyparquet', 'reader-parquet-wasm', 'reader-parquet-wasm-groups'];
  for (const kind of kinds) {
    // The first demo run fills its cache (generation); the second is the cached load a restart pays.
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', self, '--child', kind, '--dir', dir, '--rows', String(rows), '--dim', String(dim)],
      { encoding: 'utf8' },
    );
    process.stdout.write(out);
  }
}
