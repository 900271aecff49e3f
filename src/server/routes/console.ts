import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import type { EngineMetrics } from '../../observability/metrics.js';
import { PairecError } from '../../errors.js';
import { sendError } from '../error-reply.js';
import type { ServerState } from '../state.js';
import { ConsoleAssets } from '../console/assets.js';
import { checkConsoleAccess, checkConsoleShellAccess } from '../console/guard.js';
import { consoleOverview, consoleStats } from '../console/overview.js';

/** The page loads nothing from elsewhere, runs only its own script and talks only to this server. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
};

/**
 * GET /console (page, script, style) and its read-only JSON under /console/api/. Off unless
 * monitoring.console.enabled, read per request (a reload turns it on or off); while off
 * every console route answers 404 as an unknown route does, and the console adds no hook:
 * other requests run none of it. Explaining a request is /api/recommend's `explain` flag.
 */
export function consoleRoutes(app: FastifyInstance, engine: Engine, metrics: EngineMetrics, state: ServerState): void {
  const assets = new ConsoleAssets();
  const conf = () => engine.current()?.config.monitoring.console;
  const deny = (reply: FastifyReply, denied: PairecError): FastifyReply => {
    if (denied.code === 'ERR_UNAUTHORIZED') void reply.header('www-authenticate', 'Bearer');
    return sendError(reply, denied);
  };

  const page = (route: string, file: string) =>
    app.get(route, async (req, reply) => {
      const denied = checkConsoleShellAccess(conf(), req.socket.remoteAddress, route);
      if (denied) return deny(reply, denied);
      const asset = await assets.get(file);
      if (!asset) throw new PairecError('ERR_INTERNAL', `console asset ${file} is missing from the package`);
      return reply.headers(SECURITY_HEADERS).type(asset.type).send(asset.body);
    });
  page('/console', 'index.html');
  page('/console/', 'index.html');
  page('/console/console.js', 'console.js');
  page('/console/console.css', 'console.css');

  /** The cluster's /metrics text when this process has siblings; undefined while metrics are off. */
  const metricsText = async (): Promise<string | undefined> => {
    if (engine.current()?.config.monitoring.enable_metrics === false) return undefined;
    return state.peers ? state.peers.metrics() : metrics.registry.metrics();
  };

  const api = (route: string, answer: () => Promise<unknown>) =>
    app.get(route, async (req, reply) => {
      const denied = checkConsoleAccess(conf(), req.headers.authorization, req.socket.remoteAddress, route);
      if (denied) return deny(reply, denied);
      return reply.headers({ 'cache-control': 'no-store' }).send(await answer());
    });
  api('/console/api/overview', async () => consoleOverview(engine.current(), state, (await metricsText()) ?? ''));
  api('/console/api/stats', async () => consoleStats(await metricsText(), Date.now()));
}
