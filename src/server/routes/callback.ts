import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import type { ServerState } from '../state.js';
import type { Engine } from '../../engine/engine.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import { PairecError } from '../../errors.js';
import { assertValid, compileBody } from '../validation.js';
import { sendError, toPairecError } from '../error-reply.js';
import { CALLBACK_ROUTE } from './paths.js';
import { parsePairecCallbackBody } from '../pairec/callback-body.js';
import type { PairecCallback } from '../pairec/callback-body.js';
import '../pairec/api-mode.js'; // FastifyRequest.pairecApiMode

/**
 * PaiRec's callback body: the items a client showed to a user. Items may carry more
 * fields (PaiRec clients send scores, positions …); only `item_id` is read.
 */
const CallbackBodySchema = Type.Object(
  {
    uid: Type.String({ minLength: 1, maxLength: 256 }),
    scene_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    request_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    /** The experiment_id of the recommend response the items came from (PaiRec's callback sends it back). */
    experiment_id: Type.Optional(Type.String({ maxLength: 1024 })),
    item_list: Type.Array(Type.Object({ item_id: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: true }), { maxItems: 1000 }),
  },
  { additionalProperties: false },
);
type CallbackBody = Static<typeof CallbackBodySchema>;
const validate = compileBody<CallbackBody>(CallbackBodySchema);

/** The strict API's callback body, in the shape the route works with. */
function strictBody(body: unknown): PairecCallback {
  assertValid(validate, body);
  return {
    uid: body.uid,
    sceneId: body.scene_id ?? '',
    requestId: body.request_id ?? randomUUID(),
    experimentId: body.experiment_id,
    items: body.item_list.map((i) => i.item_id),
  };
}

/** POST /api/callback: records the listed items as exposed to the user (the exposure filter drops them). */
export function callbackRoute(app: FastifyInstance, engine: Engine, state?: ServerState, metrics?: EngineMetrics): void {
  app.post(CALLBACK_ROUTE, async (req, reply) => {
    const exposures = engine.exposures;
    if (!exposures) return sendError(reply, new PairecError('ERR_NOT_READY', 'the engine is loading its config'));
    let requestId: string | undefined;
    try {
      // PaiRec's body in the `pairec` API mode (ListenConf.ApiMode), this engine's strict one otherwise.
      const body = req.pairecApiMode === 'pairec' ? parsePairecCallbackBody(req.body) : strictBody(req.body);
      requestId = body.requestId;
      const items = body.items;
      const at = Date.now();
      await exposures.add(body.uid, items, at);
      // In a cluster, 200 means the primary's copy and every ready sibling hold it too
      // (server/cluster/exposure-relay.ts): it then survives any process's restart.
      await state?.peers?.shareExposure(body.uid, items, at);
      // Exposures per experiment arm: a configured experiment_id only, anything else counts as "".
      // The exposure store keeps (time, item) pairs only: the id is counted here, not stored per item.
      const snapshot = engine.current();
      if (metrics && snapshot?.experiments && snapshot.config.monitoring.enable_metrics) {
        const id = body.experimentId !== undefined && snapshot.experiments.ids.has(body.experimentId) ? body.experimentId : '';
        metrics.experimentExposures.labels(id).inc(items.length);
      }
      return { code: 200, msg: 'success', request_id: body.requestId, size: items.length };
    } catch (err) {
      return sendError(reply, toPairecError(err), requestId);
    }
  });
}
