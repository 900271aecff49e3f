import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import type { ServerState } from '../state.js';
import { PairecError } from '../../errors.js';
import { sendError } from '../error-reply.js';
import { PING_ROUTE } from './paths.js';

/**
 * /health and /ping (the process only: it answers while the event loop runs), /ready (config loaded,
 * not draining, and no dependency failing requests that have no fallback), /metrics.
 */
export function probeRoutes(app: FastifyInstance, engine: Engine, metrics: EngineMetrics, state: ServerState): void {
  app.get('/health', () => ({ status: 'ok' }));

  // PaiRec's liveness probe (any method, text `success`), kept for the health checks of
  // services moved from PaiRec; the same in both API modes.
  app.all(PING_ROUTE, (_req, reply) => reply.type('text/plain; charset=utf-8').send('success'));

  app.get('/ready', (_req, reply) => {
    const snap = engine.current();
    if (state.draining) return reply.code(503).send({ status: 'draining' });
    if (!snap) return reply.code(503).send({ status: state.loadError ? 'failed' : 'loading' });
    // In a cluster, ready when every sibling is: connections go to any of them.
    if (state.peers && !state.peers.ready) return reply.code(503).send({ status: 'starting' });
    if (state.dependencies?.down()) return reply.code(503).send({ status: 'dependency_down', config: snap.signature });
    return { status: 'ready', config: snap.signature };
  });

  app.get('/metrics', async (_req, reply) => {
    const snap = engine.current();
    if (snap && !snap.config.monitoring.enable_metrics) {
      return sendError(reply, new PairecError('ERR_NOT_FOUND', 'metrics are disabled (monitoring.enable_metrics)'));
    }
    const text = state.peers ? await state.peers.metrics() : await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
