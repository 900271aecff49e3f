import type { FastifyInstance } from 'fastify';
import type { Tracing } from '../observability/tracing.js';
import type { RequestSpans } from '../observability/request-spans.js';
import { FALLBACK_RETRIEVE_ID } from '../pipeline/fallback.js';
import { RECOMMEND_ROUTES } from './routes/paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's spans when tracing is on and samples it. */
    pairecSpans?: RequestSpans | undefined;
  }
}

/**
 * A server span per POST /api/recommend, continuing the caller's W3C traceparent. With
 * tracing off no hook is installed: the hot path does not know tracing exists.
 */
export function requestTracing(app: FastifyInstance, tracing: Tracing | undefined): void {
  if (!tracing) return;
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url ?? '';
    if (RECOMMEND_ROUTES.has(route)) {
      req.pairecSpans = tracing.startRequest(`POST ${route}`, req.headers, { 'http.request.method': 'POST', 'http.route': route });
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const spans = req.pairecSpans;
    if (spans) {
      const request = req.pairecRequest;
      const result = req.pairecResult;
      spans.end(reply.statusCode, {
        'pairec.request_id': request?.requestId ?? '',
        'pairec.scene': result?.sceneId ?? request?.sceneId ?? '',
        'pairec.items': result ? result.items.length : 0,
        'pairec.fallback': result ? result.items[0]?.retrieveId === FALLBACK_RETRIEVE_ID : false,
        ...(req.pairecErrorCode ? { 'pairec.error_code': req.pairecErrorCode } : {}),
      });
    }
    done();
  });
}
