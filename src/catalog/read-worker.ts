/**
 * Worker-thread entry of readFileCatalogAside(): reads and checks a file catalog (seconds
 * of Parquet, CSV or JSON Lines decoding at 100k rows) and sends back its columns, whose
 * typed arrays are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CatalogConf } from '../config/schema.js';
import { serveInWorker } from '../worker/run-in-worker.js';
import { readFileCatalog } from './file-source.js';
import type { FileCatalogColumns } from './file-source.js';

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

if (parentPort) void serveInWorker(parentPort, (logger) => readFileCatalog(workerData as CatalogConf, logger), buffersOf);
