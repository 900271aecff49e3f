/**
 * Worker-thread entry of readFileCatalogAside(): reads and checks a file catalog (seconds
 * of Parquet, CSV or JSON Lines decoding at 100k rows) and sends back its columns, whose
 * typed arrays are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { CatalogConf } from '../config/schema.js';
import { idlePriority, parentLogger } from '../worker/background-thread.js';
import type { WorkerLogLine } from '../worker/background-thread.js';
import { readFileCatalog } from './file-source.js';
import type { FileCatalogColumns } from './file-source.js';

/** What the worker posts back: log lines for the parent's logger, then the result. */
export type ReadMessage =
  | WorkerLogLine
  | { readonly kind: 'done'; readonly read: FileCatalogColumns }
  | { readonly kind: 'failed'; readonly code: string | undefined; readonly message: string; readonly path: string | undefined };

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

async function run(conf: CatalogConf, port: MessagePort): Promise<void> {
  idlePriority();
  try {
    const read = await readFileCatalog(conf, parentLogger(port));
    port.postMessage({ kind: 'done', read } satisfies ReadMessage, buffersOf(read));
  } catch (err) {
    const e = err as { code?: string; path?: string };
    port.postMessage({ kind: 'failed', code: e.code, message: err instanceof Error ? err.message : String(err), path: e.path } satisfies ReadMessage);
  }
}

if (parentPort) void run(workerData as CatalogConf, parentPort);
