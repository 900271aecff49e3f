import type { FastifyInstance } from 'fastify';
import { recommend } from '../../engine/recommend.js';
import type { RecommendHandle } from '../../engine/recommend.js';
import type { Engine } from '../../engine/engine.js';
import { PairecError } from '../../errors.js';
import { parseRecommendBody } from '../request.js';
import { logRequestFailure, sendError, toPairecError } from '../error-reply.js';
import '../request-tracing.js'; // FastifyRequest.pairecSpans
import { RECOMMEND_ROUTE } from './paths.js';
import { cancelOnConnectionClose } from '../connection-work.js';
import { checkExplainAccess } from '../console/guard.js';

/** Response schema: lets fastify serialise with a compiled serializer. */
const responseSchema = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    msg: { type: 'string' },
    request_id: { type: 'string' },
    size: { type: 'integer' },
    experiment_id: { type: 'string' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { item_id: { type: 'string' }, retrieve_id: { type: 'string' }, score: { type: 'number' } },
      },
    },
    debug: { type: 'object', additionalProperties: true },
    explain: { type: 'object', additionalProperties: true },
  },
} as const;

/** POST /api/recommend in PaiRec's request and response shape. */
export function recommendRoute(app: FastifyInstance, engine: Engine): void {
  app.post(RECOMMEND_ROUTE, { schema: { response: { 200: responseSchema } } }, async (req, reply) => {
    // One lease per request: the body is checked against the config it then runs on.
    const lease = engine.acquire();
    if (!lease) return sendError(reply, new PairecError('ERR_NOT_READY', 'the engine is loading its config'));
    const { snapshot } = lease;
    let handedOver = false;
    let requestId: string | undefined;
    try {
      const request = parseRecommendBody(req.body, snapshot.config.ListenConf.MaxSize);
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
      } finally {
        forget();
        if (handle.experimentId !== undefined) req.pairecExperimentId = handle.experimentId;
      }
      req.pairecResult = result;
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
  });
}
