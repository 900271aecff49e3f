import { LogController, fastify } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { PairecError } from '../errors.js';
import { clientErrorHandler, errorHandler, sendError, toPairecError } from './error-reply.js';
import { DEPENDENCY_CODES, DependencyHealth } from './dependency-health.js';
import { parseJsonBody } from './json-body.js';
import { recommendRoute } from './routes/recommend.js';
import { probeRoutes } from './routes/probes.js';
import { callbackRoute } from './routes/callback.js';
import { profilingRoutes } from './routes/profiling.js';
import { consoleRoutes } from './routes/console.js';
import { requestLog } from './request-log.js';
import { observeExperiment } from './experiment-metrics.js';
import { requestTracing } from './request-tracing.js';
import type { Tracing } from '../observability/tracing.js';
import type { ServerState } from './state.js';
import { ADMITTED_ROUTES, Admission } from './admission.js';
import { LoopLagSampler } from '../observability/loop-lag.js';
import { bodyReading } from './body-reading.js';
import type { BodyReadingOptions } from './body-reading.js';
import { requestEncoding } from './request-encoding.js';
import { RECOMMEND_ROUTES } from './routes/paths.js';
import { apiMode } from './pairec/api-mode.js';
import type { ApiMode } from './pairec/api-mode.js';
import { observePairecHttp } from './pairec/http-metrics.js';

export interface AppOptions {
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly state: ServerState;
  /** Largest accepted body in bytes (413 above). */
  readonly bodyLimit: number;
  /** Request and stage spans; undefined (the default) installs nothing. */
  readonly tracing?: Tracing | undefined;
  /** ListenConf's RequestTimeoutMs, HeadersTimeoutMs and KeepAliveTimeoutMs (schema defaults when absent). */
  readonly timeouts?: { readonly requestMs: number; readonly headersMs: number; readonly keepAliveMs: number };
  /** Admission control; one reading the serving config's `performance` block by default. */
  readonly admission?: Admission;
  /** ListenConf's BodyTimeoutMs and MaxBodyReaders (schema defaults when absent). */
  readonly bodyReading?: BodyReadingOptions;
  /** ListenConf.ApiMode of the config the process starts with, used until a config is served ("strict" when absent). */
  readonly apiMode?: ApiMode;
}

const DEFAULT_TIMEOUTS = { requestMs: 30_000, headersMs: 10_000, keepAliveMs: 72_000 };

const statusClass = (code: number): string => `${Math.floor(code / 100)}xx`;

/** Admission control reading the serving config's `performance` block, with its own loop-lag sampler. */
export function defaultAdmission(engine: Engine, metrics: EngineMetrics): Admission {
  return new Admission({ registry: metrics.registry, lag: new LoopLagSampler().start(), limits: () => engine.current()?.config.performance });
}

/** The HTTP service: PaiRec's recommend API, probes and metrics. */
export function buildApp(opts: AppOptions): FastifyInstance {
  const { engine, metrics, logger, state } = opts;
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  const app = fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per request is the engine's own job; fastify's two per request cost throughput.
    logController: new LogController({ disableRequestLogging: true }),
    // fastify makes every request's child logger with an options object ({}), which sends
    // pino down its slow child path (formatters rebuilt, redaction re-applied): ≈ 2 % of
    // a light request in profiles. Without options pino takes its fast path.
    childLoggerFactory: (logger, bindings, opts) => (Object.keys(opts).length === 0 ? logger.child(bindings) : logger.child(bindings, opts)),
    bodyLimit: opts.bodyLimit,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // Node enforces headersTimeout only when at most requestTimeout, and checks both every
    // connectionsCheckingInterval (30 s by default: a 10 s bound would fire up to 40 s late).
    http: { headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs), connectionsCheckingInterval: 1000 },
    return503OnClosing: true,
    // Errors fastify raises before routing (a malformed URL …) get catalog bodies too.
    frameworkErrors: (err, _req, reply) => {
      void sendError(reply, toPairecError(err));
    },
    clientErrorHandler,
  });

  const admission = opts.admission ?? defaultAdmission(engine, metrics);
  const lag = admission.lag;
  app.addHook('onClose', (_app, done) => {
    lag.stop();
    done();
  });
  const admit = admission.admit;
  // Admission runs once the body is read, on the routes that do work; probes and /metrics are never shed.
  app.addHook('onRoute', (route) => {
    if (!ADMITTED_ROUTES.has(route.url)) return;
    const own = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [admit, ...own];
  });
  // PaiRec's API mode marks its routes' requests before anything reads their bodies.
  apiMode(app, engine, opts.apiMode);
  // Reading a body is bounded on its own: a timeout and a count of slow readers.
  bodyReading(app, metrics.registry, opts.bodyReading);
  requestEncoding(app, opts.bodyLimit);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as PairecError, undefined);
    }
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => sendError(reply, new PairecError('ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)));

  // While draining, every answer closes its connection: clients move to new connections
  // (served until the listener closes), so no idle keep-alive socket is left for a request
  // to race the close on.
  app.addHook('onRequest', (_req, reply, done) => {
    if (state.draining) void reply.header('connection', 'close');
    done();
  });

  const dependencies = (state.dependencies ??= new DependencyHealth());
  // Labels come from closed sets only: the route template, a configured scene, a status class.
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    // Readiness reads these whether or not metrics are on.
    if (RECOMMEND_ROUTES.has(route)) {
      // A 200 that carries an error (the pairec API mode's bad body, its unknown scene) ran no dependency.
      if (reply.statusCode === 200 && req.pairecErrorCode === undefined) dependencies.ok();
      else {
        const code = req.pairecErrorCode;
        if (code !== undefined && DEPENDENCY_CODES.has(code)) dependencies.failed();
      }
    }
    if (engine.current()?.config.monitoring.enable_metrics === false) return done();
    metrics.requestDuration
      // The configured scene the request ran in: the only scene value used as a label.
      .labels(route, req.pairecResult?.sceneId ?? 'none', statusClass(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    observePairecHttp(metrics.pairec, req, reply, route);
    // Set only for a scene with experiment layers: ids and scene come from the config, never from the client.
    const experiment = req.pairecExperimentId;
    const scene = req.pairecRequest?.sceneId;
    if (experiment !== undefined && scene !== undefined)
      observeExperiment(metrics, scene, experiment, statusClass(reply.statusCode), reply.elapsedTime / 1000, req.pairecResult);
    done();
  });

  requestLog(app, logger);
  requestTracing(app, opts.tracing);
  recommendRoute(app, engine, metrics);
  callbackRoute(app, engine, state, metrics);
  probeRoutes(app, engine, metrics, state);
  profilingRoutes(app, engine);
  consoleRoutes(app, engine, metrics, state);
  return app;
}
