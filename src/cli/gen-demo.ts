import { parseArgs } from 'node:util';
import { Engine } from '../engine/engine.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { createMetrics } from '../observability/metrics.js';
import { createLogger } from '../observability/logger.js';
import { readConfigFile } from '../config/load.js';
import type { Command } from './command.js';

/** Builds a config's catalog and indexes into the cache, so the first `serve` starts fast. */
export const genDemoCommand: Command = {
  name: 'gen-demo',
  usage: 'pairec gen-demo --config FILE',
  summary: 'generate the demo catalog and build its ANN index into the cache',
  run: async (argv) => {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' } } });
    if (!values.config) throw new Error('--config FILE is required');
    const logger = createLogger('info');
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: createMetrics(undefined, { defaultMetrics: false }), logger });
    const started = Date.now();
    await engine.reload(await readConfigFile(values.config));
    await engine.close();
    logger.info({ seconds: (Date.now() - started) / 1000 }, 'demo data ready');
    return 0;
  },
};
