import { dirname, resolve } from 'node:path';
import { createLogger } from '../observability/logger.js';
import { readConfigFile } from '../config/load.js';
import { Engine } from '../engine/engine.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { createMetrics } from '../observability/metrics.js';
import { cacheRoot, catalogSignature, loadCatalog } from '../catalog/load.js';
import { signatureOf } from '../algorithm/signature.js';
import { readVectorFile } from '../companions/vector-server/data.js';
import type { LoadedVectors } from '../companions/vector-server/server.js';
import { ReadRecord } from '../companions/read-record.js';
import { PairecError } from '../errors.js';
import { usageError } from './command.js';
import type { CatalogConf } from '../config/schema.js';
import type { IndexSpec } from '../vector/vector-index.js';

export interface VectorSource {
  readonly load: () => Promise<LoadedVectors>;
  readonly cacheDir: string | undefined;
  /** The files the last load read, for the change poll. */
  readonly record: ReadRecord;
}

/**
 * Where the vectors come from: a data file, or the catalog of a pairec config. Each load
 * (start and every reload) reads the file or the config again; the cache key follows
 * what was read, so a changed file never meets the index built from the old one. Each
 * file is recorded just before it is read, so a change that lands during a load is seen
 * by the next poll.
 */
export async function vectorSource(
  data: string | undefined,
  catalogConfig: string | undefined,
  cacheDir: string | undefined,
  spec: IndexSpec,
): Promise<VectorSource> {
  const record = new ReadRecord();
  if (data) {
    const file = resolve(data);
    const load = async (): Promise<LoadedVectors> => {
      record.begin();
      const before = await record.mark(file);
      const vectors = await readVectorFile(file);
      // Written in place while being read: the data may be half old, half new.
      if ((await record.current()).identity !== record.recorded()) {
        throw new PairecError('ERR_CONFIG_READ', `${file} changed while it was read; write it elsewhere and rename it into place`);
      }
      return { data: vectors, cacheKey: signatureOf(file, before, spec) };
    };
    return { load, cacheDir: cacheDir ?? dirname(file), record };
  }
  if (!catalogConfig) throw usageError('--data FILE (.fvecs or .svm) or --catalog CONFIG is required');
  const configFile = resolve(catalogConfig);
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: createMetrics(undefined, { defaultMetrics: false }), logger: createLogger('warn') });
  const catalogConf = async (): Promise<CatalogConf> => {
    const conf = engine.parse(await readConfigFile(configFile)).CatalogConf;
    if (!conf) throw new PairecError('ERR_CONFIG_INVALID', `${catalogConfig} has no CatalogConf`);
    return conf;
  };
  const load = async (): Promise<LoadedVectors> => {
    record.begin();
    await record.mark(configFile);
    const conf = await catalogConf();
    // A file catalog's own files: replacing them is a change as much as editing the config.
    if (conf.Source === 'file') for (const part of [conf.Items, conf.Users]) if (part?.Path !== undefined) await record.mark(part.Path);
    const catalog = await loadCatalog(conf, createLogger('info'));
    return { data: { dim: catalog.dim, vectors: catalog.itemEmbeddings, labels: catalog.itemIds }, cacheKey: signatureOf(catalogSignature(conf), spec) };
  };
  return { load, cacheDir: cacheDir ?? cacheRoot(await catalogConf()), record };
}
