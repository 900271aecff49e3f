/** The routes that do work: named once, as hooks (logging, tracing, admission, metrics) match on them. */
export const RECOMMEND_ROUTE = '/api/recommend';
export const CALLBACK_ROUTE = '/api/callback';
/**
 * The recommend route of a project made by PaiRec's generator (`pairecmd project`), which
 * its documentation's curl example calls: served like /api/recommend in the `pairec`
 * API mode only (ListenConf.ApiMode), 404 in `strict`.
 */
export const FEED_ROUTE = '/api/rec/feed';
/** The routes that answer a recommendation. */
export const RECOMMEND_ROUTES: ReadonlySet<string> = new Set([RECOMMEND_ROUTE, FEED_ROUTE]);
/** PaiRec's liveness route: `success` as text, in both API modes. */
export const PING_ROUTE = '/ping';
