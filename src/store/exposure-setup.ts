import type { Config } from '../config/schema.js';
import { createLogger } from '../observability/logger.js';
import { exposureBounds } from './exposure-bounds.js';
import { keepExposureFile, loadExposureFile } from './exposure-file.js';
import { MemoryExposureStore } from './exposure-store.js';

/**
 * ExposureConf.SnapshotFile: loaded before anything serves, then kept written
 * (exposure-file.ts) by the one process that outlives the others — the cluster primary,
 * or a process serving alone. A cluster's serving processes never write it.
 */
export async function keepExposures(config: Config, store: MemoryExposureStore): Promise<void> {
  const { SnapshotFile: file, SnapshotIntervalS: interval } = config.ExposureConf;
  if (file === '') return;
  const logger = createLogger(config.LogConf.LogLevel);
  await loadExposureFile(file, store, logger);
  keepExposureFile(file, store, interval * 1000, logger);
}

/** The exposure store of a process serving alone (no cluster): its own, with its file if configured. */
export async function aloneExposureStore(config: Config): Promise<MemoryExposureStore> {
  const store = new MemoryExposureStore(exposureBounds(config.ExposureConf));
  await keepExposures(config, store);
  return store;
}
