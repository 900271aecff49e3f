import { Type } from '@sinclair/typebox';
import { defineFilterType } from './filter.js';

/**
 * User2ItemCustomFilter: a per-user blacklist held in memory (UserBlacklist: uid → item
 * ids; "*" applies to every user). Sets are built once per config, so a request costs
 * one lookup per candidate.
 */
export const userBlacklistFilter = defineFilterType(
  {
    /** Item ids never shown to a user; the key "*" applies to every user. */
    UserBlacklist: Type.Record(
      Type.String({ minLength: 1, maxLength: 256 }),
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 100_000 }),
      {
        maxProperties: 100_000,
      },
    ),
  },
  {
    type: 'User2ItemCustomFilter',
    create: (conf) => {
      const everyone = new Set(conf.UserBlacklist['*'] ?? []);
      const byUser = new Map(Object.entries(conf.UserBlacklist).map(([uid, ids]) => [uid, new Set(ids)]));
      return (candidates, ctx) => {
        const own = byUser.get(ctx.request.uid);
        if (!own && everyone.size === 0) return candidates;
        return candidates.filter((c) => !everyone.has(c.itemId) && !own?.has(c.itemId));
      };
    },
    explain: (conf) => {
      const everyone = new Set(conf.UserBlacklist['*'] ?? []);
      return (c) => (everyone.has(c.itemId) ? 'in UserBlacklist["*"]' : "in the user's UserBlacklist");
    },
  },
);
