import type { FilterTypeDef } from './filter.js';

/**
 * User2ItemExposureFilter: drops items the user was shown (recorded through
 * `POST /api/callback`) within the last `TimeInterval` seconds.
 */
export const exposureFilter: FilterTypeDef = {
  type: 'User2ItemExposureFilter',
  // Where the exposures are kept (memory, Redis, Hologres, MySQL): the engine builds the store (engine/store-parts.ts).
  uses: ['DaoConf'],
  create: (conf, env) => async (candidates, ctx) => {
    const seen = await env.exposures.seen(ctx.request.uid, Date.now() - conf.TimeInterval * 1000, ctx);
    return seen.size === 0 ? candidates : candidates.filter((c) => !seen.has(c.itemId));
  },
  explain: (conf) => () => `shown to this user within TimeInterval (${conf.TimeInterval} s)`,
};
