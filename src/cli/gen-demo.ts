import { Engine } from '../engine/engine.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { createMetrics } from '../observability/metrics.js';
import { createLogger } from '../observability/logger.js';
import { readConfigFile } from '../config/load.js';
import type { CommandRun } from './command.js';
import type { GEN_DEMO_OPTIONS } from './commands.js';

/** `pairec gen-demo`: builds a config's catalog and indexes into the cache, so the first `serve` starts fast. */
export const runGenDemo: CommandRun<typeof GEN_DEMO_OPTIONS> = async (values) => {
  const logger = createLogger('info');
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: createMetrics(undefined, { defaultMetrics: false }), logger });
  const started = Date.now();
  await engine.reload(await readConfigFile(values.config));
  await engine.close();
  logger.info({ seconds: (Date.now() - started) / 1000 }, 'demo data ready');
  return 0;
};
