import { LogController, fastify } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { EngineMetrics } from '../observability/metrics.js';
import { PairecError } from '../errors.js';
import { clientErrorHandler, errorHandler, sendError, toPairecError } from './error-reply.js';
import { parseJsonBody } from './json-body.js';
import { recommendRoute } from './routes/recommend.js';
import { probeRoutes } from './routes/probes.js';
import { callbackRoute } from './routes/callback.js';
import { profilingRoutes } from './routes/profiling.js';
import { requestLog } from './request-log.js';
import { requestTracing } from './request-tracing.js';
import type { Tracing } from '../observability/tracing.js';
import type { ServerState } from './state.js';

export interface AppOptions {
  readonly engine: Engine;
  readonly metrics: EngineMetrics;
  readonly logger: Logger;
  readonly state: ServerState;
  /** Largest accepted body in bytes (413 above). */
  readonly bodyLimit: number;
  /** Request and stage spans; undefined (the default) installs nothing. */
  readonly tracing?: Tracing | undefined;
}

const statusClass = (code: number): string => `${Math.floor(code / 100)}xx`;

/** The HTTP service: PaiRec's recommend API, probes and metrics. */
export function buildApp(opts: AppOptions): FastifyInstance {
  const { engine, metrics, logger, state } = opts;
  const app = fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per request is the engine's own job; fastify's two per request cost throughput.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit,
    requestTimeout: 30_000,
    return503OnClosing: true,
    // Errors fastify raises before routing (a malformed URL …) get catalog bodies too.
    frameworkErrors: (err, _req, reply) => {
      void sendError(reply, toPairecError(err));
    },
    clientErrorHandler,
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as PairecError, undefined);
    }
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, new PairecError('ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0] ?? ''}`)),
  );

  // Labels come from closed sets only: the route template, a configured scene, a status class.
  app.addHook('onResponse', (req, reply, done) => {
    if (engine.current()?.config.monitoring.enable_metrics === false) return done();
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requestDuration
      .labels(route, req.pairecScene ?? 'none', statusClass(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
    done();
  });

  requestLog(app, logger);
  requestTracing(app, opts.tracing);
  recommendRoute(app, engine);
  callbackRoute(app, engine, state);
  probeRoutes(app, engine, metrics, state);
  profilingRoutes(app, engine);
  return app;
}
