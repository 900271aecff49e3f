/** The routes that do work: named once, as hooks (logging, tracing, admission, metrics) match on them. */
export const RECOMMEND_ROUTE = '/api/recommend';
export const CALLBACK_ROUTE = '/api/callback';
