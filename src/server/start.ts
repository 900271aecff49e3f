import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Engine } from '../engine/engine.js';
import type { ApplyResult, EngineOptions } from '../engine/engine.js';
import { observeExposureStore } from '../store/exposure-metrics.js';
import { createDefaultRegistry } from '../algorithm/builtins.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { PipelineTypes } from '../pipeline/types.js';
import { createDefaultPipelineTypes } from '../pipeline/types.js';
import { stageKeysOf } from '../config/stage-confs.js';
import { builtinVocabulary } from '../engine/vocabulary.js';
import { createMetrics } from '../observability/metrics.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { createLogger } from '../observability/logger.js';
import { readConfigFile } from '../config/load.js';
import { warnIgnoredKeys } from '../config/compatibility.js';
import { loadConfigFile } from '../engine/load-config.js';
import { watchFile } from '../config/watch.js';
import { ConfigError, isPairecError } from '../errors.js';
import { RemoteExperiments, withRemoteExperiments } from '../experiment/remote.js';
import { buildApp, defaultAdmission } from './app.js';
import { Tracing } from '../observability/tracing.js';
import { withTracing } from '../algorithm/middleware/tracing.js';
import type { ReloadOutcome, ServerState } from './state.js';
import { privateListenPath, takeConnections } from './cluster/handoff.js';
import type { Handoff } from './cluster/handoff.js';
import type { ToPrimary } from './cluster/messages.js';

/** A load's outcome for the console: refusals by their catalog messages (JSON paths, no values). */
function reloadOutcome(trigger: string, result: ApplyResult | undefined, err?: unknown): ReloadOutcome {
  const at = new Date().toISOString();
  if (result) return { at, trigger, ok: true, signature: result.signature };
  const problems =
    err instanceof ConfigError
      ? err.problems.slice(0, 20).map((p) => p.message)
      : [isPairecError(err) ? `${err.code}: ${err.message}` : 'failed; see the error log'];
  return { at, trigger, ok: false, problems };
}

export interface StartOptions {
  readonly configPath: string;
  /** Overrides ListenConf.HttpPort (0 picks a free port). */
  readonly port?: number;
  readonly host?: string;
  /** A registry with custom types registered; the built-ins by default. */
  readonly registry?: AlgorithmRegistry;
  /** Recall, filter and sort types with custom ones registered; the built-ins by default. */
  readonly pipelineTypes?: PipelineTypes;
  readonly logger?: Logger;
  /** Reload when the file changes (SIGHUP always reloads in the CLI). */
  readonly watch?: boolean;
  /** Makes the in-memory exposure store (a cluster process's holds the primary's copy). */
  readonly exposureStore?: EngineOptions['exposureStore'];
  /**
   * In a cluster: take the connections the primary accepted on `port` (it owns the
   * listening socket, cluster/connection-router.ts) instead of listening there; `send`
   * reaches the primary.
   */
  readonly fromPrimary?: { readonly send: (m: ToPrimary) => void };
}

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly state: ServerState;
  readonly port: number;
  /** Resolves when the initial config is applied. */
  readonly loaded: Promise<ApplyResult>;
  /** Re-reads the config file and swaps it in if valid; the running config serves otherwise. */
  reload(trigger?: string): Promise<ApplyResult | undefined>;
  /** /ready → 503 for ListenConf.DrainDelayMs while still serving, then in-flight requests finish and algorithms close. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP service, then loads the config in the background: /health answers at
 * once, /ready turns 200 when algorithms and indexes are loaded.
 */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const registry = opts.registry ?? createDefaultRegistry();
  // Invalid at start: throw, nothing listens. Parsed once; the engine applies this config.
  const pipelineTypes = opts.pipelineTypes ?? createDefaultPipelineTypes();
  const { raw, config } = await loadConfigFile(opts.configPath, registry, pipelineTypes);
  const metrics = createMetrics();
  const logger = opts.logger ?? createLogger(config.LogConf.LogLevel);
  warnIgnoredKeys(raw, logger, stageKeysOf(builtinVocabulary(registry, new Map(), pipelineTypes)));
  // Tracing is set up once from the config the process starts with (a reload does not change it).
  const tracing = Tracing.create(config.monitoring);
  const engine = new Engine({
    registry,
    pipelineTypes,
    metrics,
    logger,
    middlewares: tracing ? [withTracing(tracing.tracer)] : [],
    exposureStore: opts.exposureStore,
  });
  observeExposureStore(metrics.registry, () => engine.localExposures);
  const state: ServerState = { draining: false, loadError: false };
  const listen = config.ListenConf;
  const timeouts = { requestMs: listen.RequestTimeoutMs, headersMs: listen.HeadersTimeoutMs, keepAliveMs: listen.KeepAliveTimeoutMs };
  const admission = defaultAdmission(engine, metrics);
  const app = buildApp({
    engine,
    metrics,
    logger,
    state,
    bodyLimit: listen.BodyLimit,
    timeouts,
    admission,
    tracing,
    bodyReading: { timeoutMs: listen.BodyTimeoutMs, maxReaders: listen.MaxBodyReaders },
    apiMode: listen.ApiMode,
  });
  const host = opts.host ?? config.ListenConf.HttpAddr;
  let handoff: Handoff | undefined;
  let accepting = true;
  let port: number;
  if (opts.fromPrimary) {
    // Exclusive: a cluster worker's listen() would otherwise go through the primary.
    await app.listen({ path: privateListenPath(tmpdir()), exclusive: true, listenTextResolver: () => 'private handoff socket bound' });
    handoff = takeConnections(app.server, () => accepting, opts.fromPrimary.send);
    port = opts.port ?? config.ListenConf.HttpPort;
    logger.info({ port, host }, 'taking connections from the cluster primary');
  } else {
    await app.listen({ port: opts.port ?? config.ListenConf.HttpPort, host });
    port = (app.server.address() as AddressInfo).port;
    logger.info({ port, host }, 'listening');
  }

  const loaded = engine.apply(config);
  loaded.then(
    (r) => (state.lastReload = reloadOutcome('start', r)),
    (err: unknown) => {
      state.loadError = true;
      state.lastReload = reloadOutcome('start', undefined, err);
      logger.error({ err }, 'initial config failed to load');
    },
  );

  // Reloads go through the engine's one queue and read the file when their turn comes, so
  // an older read is never applied after a newer one; triggers that arrive while one waits
  // to start join it.
  let queued: Promise<ApplyResult | undefined> | undefined;
  // ABTestConf.Remote: a new experiments document is tried by a reload that writes it over
  // the file's ABTestConf; refused, the last good one stays (experiment/remote.ts).
  let candidate: Record<string, unknown> | undefined;
  const remote = new RemoteExperiments(
    async (doc) => {
      candidate = doc;
      try {
        return (await reload('experiments')) !== undefined;
      } finally {
        candidate = undefined;
      }
    },
    (result) => metrics.experimentFetches.labels(result).inc(),
    logger,
  );
  const followRemote = (): void => remote.configure(engine.current()?.config.ABTestConf?.Remote);
  loaded.then(followRemote, () => undefined);
  const readForReload = async (): Promise<unknown> => {
    queued = undefined;
    const raw = await readConfigFile(opts.configPath);
    return withRemoteExperiments(raw, candidate ?? remote.current);
  };
  const reload = (trigger = 'api'): Promise<ApplyResult | undefined> => {
    if (queued) return queued;
    const next = engine.reloadFrom(readForReload).then(
      (result) => {
        logger.info({ trigger, built: result.built, removed: result.removed }, 'config reloaded');
        followRemote();
        state.lastReload = reloadOutcome(trigger, result);
        return result;
      },
      (err: unknown) => {
        state.lastReload = reloadOutcome(trigger, undefined, err);
        const problems = err instanceof ConfigError ? err.problems.map((p) => p.message) : undefined;
        logger.error({ trigger, err, problems }, 'config reload rejected; the running config keeps serving');
        return undefined;
      },
    );
    queued = next;
    return next;
  };
  const stopWatch = opts.watch === false ? () => undefined : watchFile(opts.configPath, () => void reload('file'));

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state.draining = true;
      stopWatch();
      remote.stop();
      const delay = engine.current()?.config.ListenConf.DrainDelayMs ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      accepting = false;
      await app.close();
      // Handed connections are not counted by the listener's close: wait for them too.
      await handoff?.drained();
      // Every request admitted was answered (in_flight 0): what a drain promises.
      logger.info({ admitted: admission.admitted, in_flight: admission.inFlight }, 'listener closed; in-flight requests done');
      await engine.close();
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'trace export failed at shutdown'));
    })();
    return closing;
  };
  return { app, engine, metrics, logger, state, port, loaded, reload, close };
}
