import { parseArgs } from 'node:util';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createLogger } from '../observability/logger.js';
import { readConfigFile } from '../config/load.js';
import { Engine } from '../engine/engine.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { createMetrics } from '../observability/metrics.js';
import { cacheRoot, catalogSignature, loadCatalog } from '../catalog/load.js';
import { signatureOf } from '../algorithm/signature.js';
import { readVectorFile } from '../servers/vector-server/data.js';
import { startVectorServer } from '../servers/vector-server/server.js';
import type { LoadedVectors } from '../servers/vector-server/server.js';
import { PairecError } from '../errors.js';
import type { CatalogConf } from '../config/schema.js';
import { INDEX_KINDS } from '../vector/vector-index.js';
import type { IndexKind, IndexSpec, Space } from '../vector/vector-index.js';
import type { Command } from './command.js';
import { intOption } from './int-option.js';
import { reloadOnSighup } from './reload-signal.js';

const SPACES: readonly Space[] = ['ip', 'cosine', 'l2'];


/**
 * Where the vectors come from: a data file, or the catalog of a pairec config. Each load
 * (start and every reload) reads the file or the config again; the cache key follows
 * what was read, so a changed file never meets the index built from the old one.
 */
async function source(data: string | undefined, catalogConfig: string | undefined, cacheDir: string | undefined, spec: IndexSpec) {
  if (data) {
    const file = resolve(data);
    const load = async (): Promise<LoadedVectors> => {
      const before = await stat(file);
      const vectors = await readVectorFile(file);
      const after = await stat(file);
      // Written in place while being read: the data may be half old, half new.
      if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
        throw new PairecError('ERR_CONFIG_READ', `${file} changed while it was read; write it elsewhere and rename it into place`);
      }
      return { data: vectors, cacheKey: signatureOf(file, after.size, after.mtimeMs, spec) };
    };
    return { load, cacheDir: cacheDir ?? dirname(file) };
  }
  if (!catalogConfig) throw new Error('--data FILE (.fvecs or .svm) or --catalog CONFIG is required');
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: createMetrics(undefined, { defaultMetrics: false }), logger: createLogger('warn') });
  const catalogConf = async (): Promise<CatalogConf> => {
    const conf = engine.parse(await readConfigFile(catalogConfig)).CatalogConf;
    if (!conf) throw new PairecError('ERR_CONFIG_INVALID', `${catalogConfig} has no CatalogConf`);
    return conf;
  };
  const load = async (): Promise<LoadedVectors> => {
    const conf = await catalogConf();
    const catalog = await loadCatalog(conf, createLogger('info'));
    return { data: { dim: catalog.dim, vectors: catalog.itemEmbeddings, labels: catalog.itemIds }, cacheKey: signatureOf(catalogSignature(conf), spec) };
  };
  return { load, cacheDir: cacheDir ?? cacheRoot(await catalogConf()) };
}

export const vectorServerCommand: Command = {
  name: 'vector-server',
  usage:
    'pairec vector-server (--data FILE | --catalog CONFIG) [--port 9000] [--index hnsw|ivf|flat] [--space ip|cosine|l2]\n' +
    '                     [--m 16] [--ef-construction 100] [--ef-search 100] [--nlist 0] [--nprobe 16] [--metrics-port 9001|none] [--cache-dir DIR] [--no-cache]',
  summary: 'serve pai.web.VectorRetrieval (Faiss-Server protocol) over .fvecs/.svm vectors or a catalog',
  run: async (argv) => {
    const sighup = reloadOnSighup();
    const { values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string' },
        catalog: { type: 'string' },
        port: { type: 'string', default: '9000' },
        host: { type: 'string', default: '0.0.0.0' },
        index: { type: 'string', default: 'hnsw' },
        space: { type: 'string', default: 'ip' },
        m: { type: 'string', default: '16' },
        'ef-construction': { type: 'string', default: '100' },
        'ef-search': { type: 'string', default: '100' },
        nlist: { type: 'string', default: '0' },
        nprobe: { type: 'string', default: '16' },
        'metrics-port': { type: 'string', default: '9001' },
        'cache-dir': { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
      },
    });
    const kind = values.index as IndexKind;
    if (!INDEX_KINDS.includes(kind)) throw new Error(`--index must be one of ${INDEX_KINDS.join(', ')}`);
    const space = values.space as Space;
    if (!SPACES.includes(space)) throw new Error(`--space must be one of ${SPACES.join(', ')}`);
    const spec: IndexSpec = {
      kind,
      space,
      M: intOption('m', values.m, 2),
      EfConstruction: intOption('ef-construction', values['ef-construction'], 8),
      Nlist: intOption('nlist', values.nlist, 0),
      Seed: 100,
    };
    const src = await source(values.data, values.catalog, values['cache-dir'], spec);
    const logger = createLogger('info');
    const server = await startVectorServer({
      load: src.load,
      spec,
      effort: kind === 'ivf' ? intOption('nprobe', values.nprobe, 1) : intOption('ef-search', values['ef-search'], 1),
      host: values.host,
      port: intOption('port', values.port, 0, 65535),
      metricsPort: values['metrics-port'] === 'none' ? undefined : intOption('metrics-port', values['metrics-port'], 0, 65535),
      cacheDir: values['no-cache'] ? undefined : src.cacheDir,
      logger,
    });
    server.ready.catch((err: unknown) => {
      logger.error({ err }, 'could not load the vectors');
      void server.close(0).then(() => process.exit(1));
    });
    const stop = (signal: string): void => {
      logger.info({ signal }, 'draining');
      void server.close().then(() => {
        logger.info('stopped');
        process.exit(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // Reload the vectors; the served index keeps serving if that fails.
    sighup.attach(server.reload);
    return undefined;
  },
};
