import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errors.js';
import type { RecommendRequest } from '../pipeline/context.js';
import type { RecommendResult } from '../engine/recommend.js';
import { FALLBACK_RETRIEVE_ID } from '../pipeline/fallback.js';
import { RECOMMEND_ROUTES } from './routes/paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The validated body of a recommend request (set by the route; read by the access log). */
    pairecRequest?: RecommendRequest;
    /** What the pipeline answered. */
    pairecResult?: RecommendResult;
    /** The experiment_id the request got (set when its scene has experiment layers, failed or not). */
    pairecExperimentId?: string;
    /** The catalog code of an error reply. */
    pairecErrorCode?: ErrorCode;
  }
}

/**
 * One structured line per POST /api/recommend, written when the response is done:
 * request_id, scene, latency, item count, status, whether the fallback list answered, and
 * the experiment_id.
 * The uid is left out on purpose: it identifies a person, and request_id already ties the
 * line to the caller's own records. The log level is fixed at start; below info no hook is
 * installed at all, so a request pays nothing for it.
 */
export function requestLog(app: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  app.addHook('onResponse', (req, reply, done) => {
    if (RECOMMEND_ROUTES.has(req.routeOptions.url ?? '')) {
      const request = req.pairecRequest;
      const result = req.pairecResult;
      logger.info(
        {
          request_id: request?.requestId,
          scene: result?.sceneId ?? request?.sceneId,
          status: reply.statusCode,
          latency_ms: Math.round(reply.elapsedTime * 1000) / 1000,
          items: result ? result.items.length : 0,
          fallback: result ? result.items[0]?.retrieveId === FALLBACK_RETRIEVE_ID : false,
          experiment_id: req.pairecExperimentId ?? '',
          error_code: req.pairecErrorCode,
        },
        'recommend',
      );
    }
    done();
  });
}
