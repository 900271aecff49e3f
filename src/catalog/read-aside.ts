import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CatalogConf } from '../config/schema.js';
import { isErrorCode, PairecError } from '../errors.js';
import { relayLog } from '../worker/background-thread.js';
import type { FileCatalogColumns } from './file-source.js';
import type { ReadMessage } from './read-worker.js';

const WORKER = new URL('./read-worker.js', import.meta.url);

/**
 * Reads a file catalog on a worker thread at low priority: the decoding never holds the
 * event loop that answers requests, which is what a live refresh needs (at RW-100k on the
 * serving thread it held it for up to ≈ 0.3 s at a time, ≈ 2.6 s in all). One worker per
 * read, like index builds: reads are rare and a pool would keep a heap alive between them.
 */
export function readFileCatalogAside(conf: CatalogConf, logger: Logger): Promise<FileCatalogColumns> {
  return new Promise<FileCatalogColumns>((resolve, reject) => {
    const worker = new Worker(WORKER, { workerData: conf });
    let settled = false;
    const finish = (err: Error | undefined, read?: FileCatalogColumns): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      if (read) resolve(read);
      else reject(err ?? new PairecError('ERR_DATA_INVALID', 'catalog read: no result'));
    };
    worker.on('message', (m: ReadMessage) => {
      if (m.kind === 'log') relayLog(logger, m);
      else if (m.kind === 'done') finish(undefined, m.read);
      else finish(new PairecError(m.code !== undefined && isErrorCode(m.code) ? m.code : 'ERR_DATA_INVALID', m.message, { path: m.path }));
    });
    worker.on('error', (err) => finish(new PairecError('ERR_DATA_INVALID', `catalog read: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => finish(new PairecError('ERR_DATA_INVALID', `catalog read: the worker exited (${code}) before it finished`)));
  });
}
