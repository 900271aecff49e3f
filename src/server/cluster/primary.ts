import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { isToPrimary } from './messages.js';
import type { ToWorker } from './messages.js';
import { ConnectionRouter } from './connection-router.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { sendSafely } from './ipc.js';

export interface PrimaryOptions {
  readonly workers: number;
  /** V8 flags of every serving process (sizing/sizing.ts). */
  readonly execArgv: readonly string[];
  readonly logger: Logger;
  /** Where the service listens: the primary binds it before any process is forked. */
  readonly port: number;
  readonly host: string;
  /** Longest graceful stop before the primary gives up on a process. */
  readonly stopTimeoutMs?: number;
}

/** A crashed process is restarted after 1 s, doubling to 30 s while it keeps crashing young. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** Last resort after SIGTERM: processes still alive are killed and the primary exits (deploy/k8s/deployment.yaml's grace period is sized on it). */
export const STOP_TIMEOUT_MS = 35_000;
/** A process that lived this long resets the backoff. */
const HEALTHY_AFTER_MS = 60_000;

/** Binds the service's port in the primary; rejects with the bind error (EADDRINUSE …). */
export function bindListener(port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    // The primary never reads from a connection: a serving process does, from the first byte.
    const server = createServer({ pauseOnConnect: true });
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * The cluster primary. It owns the listening socket (bound before any process is forked,
 * so a port in use fails the command at once) and hands each connection to a serving
 * process that is ready (connection-router.ts); it forks one serving process per worker
 * slot and restarts a crashed one with backoff for as long as it runs; it relays what
 * must reach every process (metrics collection, readiness; exposures in exposure-relay.ts), forwards SIGHUP,
 * and on SIGTERM/SIGINT drains every process and exits 0 when all stopped cleanly. If a
 * process cannot start before the service was ever ready (its config fails to load), it
 * stops the others and exits 1, the reason on stderr. It serves no request itself.
 */
export function runPrimary(listener: Server, opts: PrimaryOptions): void {
  const { logger } = opts;
  const metrics = new ClusterMetrics();
  const router = new ConnectionRouter({ logger });
  const ready = new Map<number, boolean>();
  const slots = new Map<number, number>(); // worker id → slot
  const backoff = new Map<number, number>(); // slot → next restart delay
  const failures = new Map<number, string>(); // worker id → why it could not serve
  let stopping = false;
  let exitCode = 0;
  let clusterReady = false;
  let everReady = false;

  cluster.setupPrimary({ execArgv: [...process.execArgv, ...opts.execArgv] });
  const address = listener.address();
  const boundPort = typeof address === 'object' && address ? address.port : opts.port;
  listener.on('connection', (socket) => router.route(socket));
  // After the bind, an accept can still fail (EMFILE): log it, keep listening.
  listener.on('error', (err) => logger.error({ err }, 'accepting a connection failed'));

  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const tell = (w: Worker, m: ToWorker): void =>
    sendSafely(w, m, (err) => logger.debug({ err, workerId: w.id, message: m.pairec }, 'message to a serving process failed'));
  const updateReadiness = (): void => {
    const workers = live();
    const now = !stopping && workers.length === opts.workers && workers.every((w) => ready.get(w.id) === true);
    if (now) everReady = true;
    if (now === clusterReady) return;
    clusterReady = now;
    for (const w of workers) tell(w, { pairec: 'cluster-ready', ready: now });
  };
  const exit = (code: number): void => {
    router.close();
    listener.close();
    process.exit(code);
  };

  const fork = (slot: number): void => {
    const started = Date.now();
    // The port the service is reached on (the primary's, which may have been 0: picked).
    const w = cluster.fork({ PAIREC_WORKER_SLOT: String(slot), PAIREC_LISTEN_PORT: String(boundPort) });
    slots.set(w.id, slot);
    router.setState(w, 'starting');
    // Without a listener an IPC error (EPIPE to a dying process) is thrown in the primary.
    w.on('error', (err) => logger.debug({ err, workerId: w.id }, 'channel to a serving process failed'));
    w.on('message', (m: unknown) => {
      if (!isToPrimary(m)) return;
      switch (m.pairec) {
        case 'state':
          ready.set(w.id, m.ready);
          router.setState(w, m.ready ? 'ready' : 'loading');
          updateReadiness();
          break;
        case 'failed':
          failures.set(w.id, m.reason);
          break;
        case 'connection-ack':
          router.acknowledged(w, m.id, m.accepted);
          break;
        case 'metrics':
          metrics.text().then(
            (text) => tell(w, { pairec: 'metrics-reply', id: m.id, text }),
            (err: unknown) => tell(w, { pairec: 'metrics-reply', id: m.id, error: err instanceof Error ? err.message : String(err) }),
          );
          break;
      }
    });
    w.on('exit', (code, signal) => {
      const wasReady = ready.get(w.id) === true;
      ready.delete(w.id);
      slots.delete(w.id);
      router.remove(w);
      updateReadiness();
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (live().length === 0) {
          logger.info({ exitCode }, 'cluster stopped');
          exit(exitCode);
        }
        return;
      }
      const reason = failures.get(w.id) ?? (signal ? `killed by ${signal}` : `exit code ${String(code)}`);
      failures.delete(w.id);
      if (!everReady && !wasReady) {
        // The service never served: the config cannot start (a missing or broken model
        // file …). Restarting would only hide that from the supervisor, as exit 0 would.
        logger.error({ slot, workerPid: w.process.pid, code, signal, reason }, 'serving process could not start; stopping');
        process.stderr.write(`pairec: a serving process could not start: ${reason}\n`);
        stopping = true;
        for (const o of live()) o.process.kill('SIGKILL');
        exit(1);
        return;
      }
      const lived = Date.now() - started;
      const delay = lived > HEALTHY_AFTER_MS ? RESTART_MIN_MS : (backoff.get(slot) ?? RESTART_MIN_MS);
      backoff.set(slot, Math.min(RESTART_MAX_MS, delay * 2));
      logger.error({ slot, workerPid: w.process.pid, code, signal, reason, restartInMs: delay }, 'serving process exited; restarting');
      // Not unref'd: with every process dead this timer is what the primary waits on.
      setTimeout(() => {
        if (stopping) return;
        metrics.restarts.inc();
        fork(slot);
      }, delay);
    });
  };

  for (let slot = 0; slot < opts.workers; slot++) fork(slot);
  logger.info({ workers: opts.workers, execArgv: opts.execArgv }, 'cluster started');
  logger.info({ port: boundPort, host: opts.host }, 'listening');

  process.on('SIGHUP', () => {
    for (const w of live()) w.process.kill('SIGHUP');
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining cluster');
    for (const w of live()) w.process.kill('SIGTERM');
    const force = setTimeout(() => {
      logger.error('serving processes took too long to stop; exiting');
      for (const w of live()) w.process.kill('SIGKILL');
      exit(1);
    }, opts.stopTimeoutMs ?? STOP_TIMEOUT_MS);
    force.unref();
    if (live().length === 0) exit(0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
