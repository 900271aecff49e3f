import cluster from 'node:cluster';
import type { RunningServer } from '../server/start.js';
import { ConfigError } from '../errors.js';
import { registerLoopDelay } from '../observability/loop-delay.js';
import { loadConfigFile } from '../engine/load-config.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import { createLogger } from '../observability/logger.js';
import { planSizing, sizingEnv, v8Flags } from '../sizing/sizing.js';
import { bindListener, runPrimary } from '../server/cluster/primary.js';
import { joinCluster, sendToPrimary } from '../server/cluster/worker.js';
import { joinExposureSync } from '../server/cluster/exposure-sync.js';
import { startExposureRelay } from '../server/cluster/exposure-relay.js';
import { exposureBounds } from '../store/exposure-bounds.js';
import { aloneExposureStore, keepExposures } from '../store/exposure-setup.js';
import type { Config } from '../config/schema.js';
import { installProcessErrorHandlers } from '../observability/process-errors.js';
import type { CommandRun } from './command.js';
import type { SERVE_OPTIONS } from './commands.js';
import { intOption } from './int-option.js';

const printProblems = (err: ConfigError): number => {
  for (const p of err.problems) process.stderr.write(`${p.code} ${p.message}\n`);
  return 1;
};

/**
 * In the primary: validates the config, plans the processes (sizing/sizing.ts) and
 * starts the cluster when it takes more than this process as it is — several
 * processes, or V8 flags this process did not start with. Returns false to serve here.
 */
async function startCluster(configPath: string, workersFlag: string | undefined, port: number | undefined, hostFlag: string | undefined): Promise<boolean> {
  const logger = createLogger('info');
  // Validation only: the primary builds nothing, so no engine (metrics, Redis pool) is made.
  const { config } = await loadConfigFile(configPath, createDefaultRegistry());
  const env = sizingEnv();
  const plan = planSizing({ ...env, workers: workersFlag ?? env.workers }, config.performance.gc_percent);
  const flags = v8Flags(plan);
  const flagsNeeded = plan.heapMb !== undefined || plan.semiSpaceMb !== 16;
  logger.info({ ...plan, flags }, 'runtime sizing');
  if (plan.workers === 1 && !flagsNeeded) return false;
  const clusterLogger = createLogger(config.LogConf.LogLevel);
  const host = hostFlag ?? config.ListenConf.HttpAddr;
  const listenPort = port ?? config.ListenConf.HttpPort;
  // Bound before any process is forked: a port in use fails the command here, at once.
  const listener = await bindListener(listenPort, host).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot listen on ${host}:${listenPort}: ${code === 'EADDRINUSE' ? 'the address is already in use' : err instanceof Error ? err.message : String(err)}`,
    );
  });
  // The exposure store's bounds follow a serving process's heap (sizing/sizing.ts).
  const heapBytes = plan.heapMb === undefined ? undefined : plan.heapMb * 2 ** 20;
  const exposures = startExposureRelay({ logger: clusterLogger, store: exposureBounds(config.ExposureConf, heapBytes) });
  await keepExposures(config, exposures);
  runPrimary(listener, { workers: plan.workers, execArgv: flags, logger: clusterLogger, port: listenPort, host });
  return true;
}

/** `pairec serve` (options in cli/commands.ts). */
export const runServe: CommandRun<typeof SERVE_OPTIONS> = async (values) => {
  const configPath = values.config;
  const port = values.port === undefined ? undefined : intOption('port', values.port, 0, 65535);
  if (cluster.isPrimary) {
    try {
      if (await startCluster(configPath, values.workers, port, values.host)) return undefined; // the primary keeps running
    } catch (err) {
      if (err instanceof ConfigError) return printProblems(err);
      throw err;
    }
  }
  let server: RunningServer;
  const exposureSync = cluster.isWorker ? joinExposureSync() : undefined;
  try {
    const exposureStore = exposureSync ? (c: Config) => exposureSync.store(exposureBounds(c.ExposureConf)) : aloneExposureStore;
    // Loaded only where a server runs: the primary validates, binds and forks sooner without it.
    const { startServer } = await import('../server/start.js');
    server = await startServer({
      configPath,
      // In a cluster the primary listens (on the port it bound) and hands connections over.
      ...(cluster.isWorker ? { port: Number(process.env.PAIREC_LISTEN_PORT), fromPrimary: { send: sendToPrimary } } : { port }),
      host: values.host,
      watch: !values['no-watch'],
      exposureStore,
    });
  } catch (err) {
    if (err instanceof ConfigError) return printProblems(err);
    throw err;
  }
  const { logger } = server;
  if (exposureSync) {
    exposureSync.bind(logger, server.metrics.registry);
    const peers = joinCluster(server.metrics.registry, exposureSync.share);
    server.state.peers = peers;
    peers.reportReady(false); // accepting connections, still loading
    server.loaded.then(
      () => peers.reportReady(true),
      (err: unknown) => sendToPrimary({ pairec: 'failed', reason: `initial config failed to load: ${err instanceof Error ? err.message : String(err)}` }),
    );
    // The primary went away: stop serving rather than run unsupervised. Messages to it
    // (net.Server's close, metrics replies) then fail with EPIPE: not a reason to crash.
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
    cluster.worker?.on('error', (err) => logger.warn({ err }, 'message to the cluster primary failed'));
  }
  installProcessErrorHandlers({ registry: server.metrics.registry, logger });
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
};
