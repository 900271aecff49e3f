/**
 * Worker-thread entry of readFileCatalogAside() and readTableCatalogAside(): reads and
 * checks a file catalog (seconds of Parquet, CSV or JSON Lines decoding at 100k rows) or
 * a table catalog (rows streamed from the database, decoded and checked the same way)
 * and sends back its columns, whose typed arrays are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CatalogConf } from '../config/schema.js';
import { serveInWorker } from '../worker/run-in-worker.js';
import { readFileCatalog } from './file-source.js';
import type { FileCatalogColumns } from './file-source.js';
import { readTableCatalog } from './sql-source.js';
import type { CatalogTables } from './sql-tables.js';

/** What the parent sends: a file catalog's conf, or a table catalog's resolved tables. */
export type CatalogReadJob = { readonly kind: 'file'; readonly conf: CatalogConf } | { readonly kind: 'table'; readonly tables: CatalogTables };

/** The distinct buffers of the typed arrays in `read`: each may be transferred once. */
function buffersOf(read: FileCatalogColumns): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [read.itemEmbeddings, read.userEmbeddings];
  for (const column of read.itemColumns.values()) {
    if (column.kind === 'string') arrays.push(column.ids);
    else {
      arrays.push(column.values);
      if (column.missing) arrays.push(column.missing);
    }
  }
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

if (parentPort) {
  const job = workerData as CatalogReadJob;
  void serveInWorker(parentPort, (logger) => (job.kind === 'file' ? readFileCatalog(job.conf, logger) : readTableCatalog(job.tables, logger)), buffersOf);
}
