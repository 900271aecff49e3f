import { createLogger } from '../observability/logger.js';
import { startVectorServer } from '../companions/vector-server/server.js';
import { startChangePoll } from '../companions/change-poll.js';
import { INDEX_KINDS } from '../vector/vector-index.js';
import type { IndexKind, IndexSpec, Space } from '../vector/vector-index.js';
import { usageError } from './command.js';
import type { CommandRun } from './command.js';
import type { VECTOR_SERVER_OPTIONS } from './commands.js';
import { intOption } from './int-option.js';
import { reloadOnSighup } from './reload-signal.js';
import { vectorSource } from './vector-source.js';

const SPACES: readonly Space[] = ['ip', 'cosine', 'l2'];

/** `pairec vector-server` (options in cli/commands.ts). */
export const runVectorServer: CommandRun<typeof VECTOR_SERVER_OPTIONS> = async (values) => {
  const sighup = reloadOnSighup();
  const kind = values.index as IndexKind;
  if (!INDEX_KINDS.includes(kind)) throw usageError(`--index must be one of ${INDEX_KINDS.join(', ')}`);
  const space = values.space as Space;
  if (!SPACES.includes(space)) throw usageError(`--space must be one of ${SPACES.join(', ')}`);
  const spec: IndexSpec = {
    kind,
    space,
    M: intOption('m', values.m, 2),
    EfConstruction: intOption('ef-construction', values['ef-construction'], 8),
    Nlist: intOption('nlist', values.nlist, 0),
    Seed: 100,
  };
  const refreshSeconds = intOption('refresh-seconds', values['refresh-seconds'], 0, 86_400);
  const src = await vectorSource(values.data, values.catalog, values['cache-dir'], spec);
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
  // Reload when the data files change (0: on SIGHUP only), through the same serialized path.
  const poll = refreshSeconds > 0 ? startChangePoll({ intervalMs: refreshSeconds * 1000, record: src.record, reload: server.reload, logger }) : undefined;
  const stop = (signal: string): void => {
    poll?.stop();
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
};
