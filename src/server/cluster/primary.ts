import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from 'pino';
import { isToPrimary } from './messages.js';
import type { ToWorker } from './messages.js';

export interface PrimaryOptions {
  readonly workers: number;
  /** V8 flags of every serving process (runtime/sizing.ts). */
  readonly execArgv: readonly string[];
  readonly logger: Logger;
  /** Longest graceful stop before the primary gives up on a process. */
  readonly stopTimeoutMs?: number;
}

/** A crashed process is restarted after 1 s, doubling to 30 s while it keeps crashing young. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A process that lived this long resets the backoff. */
const HEALTHY_AFTER_MS = 60_000;

/**
 * The cluster primary: forks one serving process per worker slot (the processes share the
 * listening socket; the primary hands out connections), restarts a crashed one with
 * backoff, relays what must reach every process (metrics collection, readiness; exposures
 * in exposure-relay.ts), forwards SIGHUP, and on SIGTERM/SIGINT drains every process and exits 0
 * when all stopped cleanly. It serves no request itself.
 */
export function runPrimary(opts: PrimaryOptions): void {
  const { logger } = opts;
  const aggregator = new AggregatorRegistry();
  const ready = new Map<number, boolean>();
  const slots = new Map<number, number>(); // worker id → slot
  const backoff = new Map<number, number>(); // slot → next restart delay
  let stopping = false;
  let exitCode = 0;
  let clusterReady = false;

  cluster.setupPrimary({ execArgv: [...process.execArgv, ...opts.execArgv] });

  const live = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  const tell = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  const updateReadiness = (): void => {
    const workers = live();
    const now = !stopping && workers.length === opts.workers && workers.every((w) => ready.get(w.id) === true);
    if (now === clusterReady) return;
    clusterReady = now;
    for (const w of workers) tell(w, { pairec: 'cluster-ready', ready: now });
  };

  const fork = (slot: number): void => {
    const started = Date.now();
    const w = cluster.fork({ PAIREC_WORKER_SLOT: String(slot) });
    slots.set(w.id, slot);
    w.on('message', (m: unknown) => {
      if (!isToPrimary(m)) return;
      switch (m.pairec) {
        case 'state':
          ready.set(w.id, m.ready);
          updateReadiness();
          break;
        case 'metrics':
          aggregator.clusterMetrics().then(
            (text) => tell(w, { pairec: 'metrics-reply', id: m.id, text }),
            (err: unknown) => tell(w, { pairec: 'metrics-reply', id: m.id, error: err instanceof Error ? err.message : String(err) }),
          );
          break;
      }
    });
    w.on('exit', (code, signal) => {
      ready.delete(w.id);
      slots.delete(w.id);
      updateReadiness();
      if (stopping) {
        if (code !== 0) exitCode = 1;
        if (live().length === 0) {
          logger.info({ exitCode }, 'cluster stopped');
          process.exit(exitCode);
        }
        return;
      }
      const lived = Date.now() - started;
      const delay = lived > HEALTHY_AFTER_MS ? RESTART_MIN_MS : (backoff.get(slot) ?? RESTART_MIN_MS);
      backoff.set(slot, Math.min(RESTART_MAX_MS, delay * 2));
      logger.error({ slot, workerPid: w.process.pid, code, signal, restartInMs: delay }, 'serving process exited; restarting');
      setTimeout(() => {
        if (!stopping) fork(slot);
      }, delay).unref();
    });
  };

  for (let slot = 0; slot < opts.workers; slot++) fork(slot);
  logger.info({ workers: opts.workers, execArgv: opts.execArgv }, 'cluster started');

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
      process.exit(1);
    }, opts.stopTimeoutMs ?? 35_000);
    force.unref();
    if (live().length === 0) process.exit(0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
