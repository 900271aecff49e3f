import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.js';
import { CALLBACK_ROUTE, RECOMMEND_ROUTES } from '../routes/paths.js';

/** ListenConf.ApiMode. */
export type ApiMode = 'strict' | 'pairec';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set to `pairec` on the routes PaiRec's API covers while ListenConf.ApiMode is `pairec`. */
    pairecApiMode?: ApiMode;
  }
}

/** The routes whose requests and answers follow PaiRec's API in the `pairec` mode. */
const PAIREC_ROUTES: ReadonlySet<string> = new Set([...RECOMMEND_ROUTES, CALLBACK_ROUTE]);

/**
 * The serving config's API mode, read per request (a reload changes it like MaxSize);
 * `loading` while no config is served yet (the one the process starts with), so the
 * answers given while it loads (503 ERR_NOT_READY) are already in the configured shape.
 */
export function apiModeOf(engine: Engine, loading: ApiMode = 'strict'): ApiMode {
  return engine.current()?.config.ListenConf.ApiMode ?? loading;
}

/**
 * Marks the requests of PaiRec's routes in the `pairec` mode, and reads their bodies as
 * JSON whatever their Content-Type, as PaiRec does (its documented `curl -d` sends
 * application/x-www-form-urlencoded). Only those routes: the console's JSON-only bodies
 * are a defence against cross-site form posts and stay so.
 */
export function apiMode(app: FastifyInstance, engine: Engine, loading: ApiMode = 'strict'): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (PAIREC_ROUTES.has(req.routeOptions.url ?? '') && apiModeOf(engine, loading) === 'pairec') {
      req.pairecApiMode = 'pairec';
      req.headers['content-type'] = 'application/json';
    }
    done();
  });
}
