import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { recommend } from '../../engine/recommend.js';
import type { RecommendHandle } from '../../engine/recommend.js';
import type { Engine } from '../../engine/engine.js';
import { PairecError } from '../../errors.js';
import { parseRecommendBody } from '../request.js';
import { logRequestFailure, sendError, toPairecError } from '../error-reply.js';
import '../request-tracing.js'; // FastifyRequest.pairecSpans
import { FEED_ROUTE, RECOMMEND_ROUTE } from './paths.js';
import { cancelOnConnectionClose } from '../connection-work.js';
import { checkExplainAccess } from '../console/guard.js';
import { parsePairecRecommendBody } from '../pairec/recommend-body.js';
import { pairecRecommendReply } from '../pairec/reply.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import { countRecommend } from '../../observability/pairec-metrics.js';
import type { RecommendRequest } from '../../pipeline/context.js';
import '../pairec/api-mode.js'; // FastifyRequest.pairecApiMode

/** Response schema: lets fastify serialise with a compiled serializer. */
const responseSchema = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    msg: { type: 'string' },
    request_id: { type: 'string' },
    size: { type: 'integer' },
    experiment_id: { type: 'string' },
    // An error answered with HTTP 200 in the `pairec` API mode (server/error-reply.ts) keeps its code and field.
    error_code: { type: 'string' },
    field: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { item_id: { type: 'string' }, item_type: { type: 'string' }, retrieve_id: { type: 'string' }, score: { type: 'number' } },
      },
    },
    debug: { type: 'object', additionalProperties: true },
    explain: { type: 'object', additionalProperties: true },
  },
} as const;

/**
 * POST /api/recommend in PaiRec's request and response shape; in the `pairec` API mode
 * (ListenConf.ApiMode) read and answered as PaiRec does, and POST /api/rec/feed (the route
 * of PaiRec's generated project) too.
 */
export function recommendRoute(app: FastifyInstance, engine: Engine, metrics?: EngineMetrics): void {
  app.post(FEED_ROUTE, { schema: { response: { 200: responseSchema } } }, async (req, reply) => {
    if (req.pairecApiMode !== 'pairec')
      return sendError(reply, new PairecError('ERR_NOT_FOUND', `no route POST ${FEED_ROUTE} (it is served with ListenConf.ApiMode "pairec")`));
    return serve(req, reply);
  });
  app.post(RECOMMEND_ROUTE, { schema: { response: { 200: responseSchema } } }, (req, reply) => serve(req, reply));

  async function serve(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const pairec = req.pairecApiMode === 'pairec';
    const started = performance.now();
    // One lease per request: the body is checked against the config it then runs on.
    const lease = engine.acquire();
    if (!lease) return sendError(reply, new PairecError('ERR_NOT_READY', 'the engine is loading its config'));
    const { snapshot } = lease;
    let handedOver = false;
    let requestId: string | undefined;
    try {
      const maxSize = snapshot.config.ListenConf.MaxSize;
      const request: RecommendRequest = pairec ? parsePairecRecommendBody(req.body, maxSize) : parseRecommendBody(req.body, maxSize);
      const countsOn = snapshot.config.monitoring.enable_metrics ? metrics : undefined;
      requestId = request.requestId;
      req.pairecRequest = request;
      if (request.explain) {
        const denied = checkExplainAccess(snapshot.config.monitoring.console, req.headers.authorization, req.socket.remoteAddress);
        if (denied) {
          if (denied.code === 'ERR_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
          throw denied;
        }
      }
      // The response closing before it finished means the client went away: stop the work.
      const handle: RecommendHandle = {};
      const gone = (): void => {
        if (!reply.raw.writableFinished) handle.cancel?.();
      };
      reply.raw.once('close', gone);
      // A pipelined request queued behind others gets no response 'close' when the client
      // leaves: its connection's close cancels it too.
      const forget = cancelOnConnectionClose(req.raw.socket, gone);
      let result;
      try {
        handedOver = true;
        result = await recommend(engine, request, handle, req.pairecSpans, lease);
      } catch (err) {
        // PaiRec serves an unknown scene what its (absent) recalls found: nothing, code 299.
        if (!pairec || toPairecError(err).code !== 'ERR_UNKNOWN_SCENE') throw err;
        // Named in the access log line, and kept from counting as a healthy dependency.
        req.pairecErrorCode = 'ERR_UNKNOWN_SCENE';
        result = { sceneId: 'none', items: [], trace: undefined, experimentId: handle.experimentId ?? '' };
      } finally {
        forget();
        if (handle.experimentId !== undefined) req.pairecExperimentId = handle.experimentId;
      }
      req.pairecResult = result;
      if (countsOn) countRecommend(countsOn.pairec, result.sceneId, request.size, result.items.length, (performance.now() - started) / 1000);
      if (pairec) {
        return {
          ...pairecRecommendReply(snapshot.config, request, result.items, result.experimentId),
          ...(result.trace ? { debug: { experiment_id: result.experimentId, stages: result.trace } } : {}),
        };
      }
      const items = result.items.map((c) => ({ item_id: c.itemId, retrieve_id: c.retrieveId, score: c.score }));
      return {
        code: 200,
        msg: 'success',
        request_id: request.requestId,
        size: items.length,
        experiment_id: result.experimentId,
        items,
        ...(result.trace ? { debug: { experiment_id: result.experimentId, stages: result.trace } } : {}),
        ...(result.explain ? { explain: result.explain } : {}),
      };
    } catch (err) {
      const e = toPairecError(err);
      logRequestFailure(req.log, e, err, { request_id: requestId }, 'recommend failed');
      return sendError(reply, e, requestId);
    } finally {
      if (!handedOver) lease.release();
    }
  }
}
