import { parseArgs } from 'node:util';
import { startServer } from '../server/start.js';
import { ConfigError } from '../errors.js';
import { registerLoopDelay } from '../observability/loop-delay.js';
import type { Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'pairec serve --config FILE [--port N] [--host ADDR] [--no-watch] [--loop-delay]',
  summary: 'serve /api/recommend from a config file (reloads on change and on SIGHUP)',
  run: async (argv) => {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'no-watch': { type: 'boolean', default: false },
        // Event-loop delay at 1 ms resolution in /metrics (bench/onnx.ts reads it).
        'loop-delay': { type: 'boolean', default: false },
      },
    });
    if (!values.config) throw new Error('--config FILE is required');
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`--port must be 0..65535, got ${values.port}`);
    let server;
    try {
      server = await startServer({ configPath: values.config, port, host: values.host, watch: !values['no-watch'] });
    } catch (err) {
      if (err instanceof ConfigError) {
        for (const p of err.problems) process.stderr.write(`${p.code} ${p.message}\n`);
        return 1;
      }
      throw err;
    }
    const { logger } = server;
    if (values['loop-delay']) registerLoopDelay(server.metrics.registry);
    server.loaded.catch(() => {
      void server.close().then(() => process.exit(1));
    });
    process.on('SIGHUP', () => void server.reload('SIGHUP'));
    const stop = (signal: string): void => {
      logger.info({ signal }, 'draining');
      const force = setTimeout(() => {
        logger.error('drain took longer than 30 s; exiting');
        process.exit(1);
      }, 30_000);
      force.unref();
      void server.close().then(() => {
        logger.info('stopped');
        process.exit(0);
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    return undefined; // keep running
  },
};
