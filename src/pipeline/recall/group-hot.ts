import type { Catalog } from '../../catalog/catalog.js';
import type { Candidate } from '../context.js';
import { copyCandidate } from '../context.js';
import { Type } from '@sinclair/typebox';
import { defineRecallType, toCandidates } from './recall.js';
import { checkRedisName, redisListReader } from './redis-lists.js';
import { sqlGroupHot } from './sql-lists.js';
import { DEFAULT_TRIGGERS, TriggerConfSchema, groupsOf } from './triggers.js';
import type { TriggerConf } from './triggers.js';

/** Candidates of several lists, each item once with its best score, best first, at most `count`. */
export function mergeByBest(lists: readonly (readonly Candidate[])[], count: number): Candidate[] {
  if (lists.length === 1) return (lists[0] ?? []).slice(0, count);
  const best = new Map<string, Candidate>();
  for (const list of lists) {
    for (const c of list) {
      const prev = best.get(c.itemId);
      if (!prev || c.score > prev.score) best.set(c.itemId, c);
    }
  }
  // Stable: equal scores keep the order the groups were listed in.
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, count);
}

/**
 * Per group, the `count` most popular catalog items, grouped by the same trigger keys
 * read from item features (`category` → `cat_3`). Built once when the config loads.
 */
export function groupHotLists(catalog: Catalog | undefined, triggers: readonly TriggerConf[], count: number, retrieveId: string): Map<string, Candidate[]> {
  const rows = new Map<string, number[]>();
  if (!catalog) return new Map();
  for (let row = 0; row < catalog.itemIds.length; row++) {
    for (const g of groupsOf(triggers, (k) => catalog.itemField(row, k), false)) {
      let list = rows.get(g);
      if (!list) rows.set(g, (list = []));
      list.push(row);
    }
  }
  const pop = (row: number): number => {
    const v = catalog.itemField(row, 'popularity');
    return typeof v === 'number' ? v : 0;
  };
  const out = new Map<string, Candidate[]>();
  for (const [g, list] of rows) {
    const top = list.sort((a, b) => pop(b) - pop(a)).slice(0, count);
    out.set(
      g,
      top.map((row) => ({ itemId: catalog.itemIds[row] ?? '', row, retrieveId, recallScore: pop(row), score: pop(row) })),
    );
  }
  return out;
}

/**
 * UserGroupHotRecall: the popular items of the user's group(s). The group comes from the
 * user's features (the request's `features`) through Triggers — by default the
 * `category` feature, several preferred categories as `"cat_1,cat_4"` — or a trigger's
 * DefaultValue; a user with no group gets nothing from this source. Lists come from
 * Redis (DaoConf: key RedisPrefix + group, one round trip for all the user's groups), from
 * PaiRec's table in Hologres or MySQL (DaoConf AdapterType "hologres" | "mysql": trigger_id, item_ids) or,
 * without DaoConf, from the catalog (popularity per group of item features).
 */
export const groupHotRecall = defineRecallType(
  {
    /** The user's group (default: the `category` feature). */
    Triggers: Type.Optional(Type.Array(TriggerConfSchema, { minItems: 1, maxItems: 4 })),
  },
  {
    type: 'UserGroupHotRecall',
    usesCatalog: true,
    uses: ['DaoConf'],
    check: (conf, ctx) => {
      if (conf.DaoConf) checkRedisName(conf.DaoConf, ctx, `${ctx.at}.DaoConf`);
    },
    create: (conf, env) => {
      const triggers = conf.Triggers ?? DEFAULT_TRIGGERS;
      const count = conf.RecallCount;
      const userGroups = (features: Readonly<Record<string, unknown>>): string[] =>
        groupsOf(triggers, (k) => (Object.hasOwn(features, k) ? features[k] : undefined), true);
      const dao = conf.DaoConf;
      if (dao && dao.AdapterType !== 'redis') return sqlGroupHot(conf, dao, env, (ctx) => userGroups(ctx.userFeatures));
      if (dao) {
        const read = redisListReader(env, dao.RedisName ?? '');
        return {
          name: conf.Name,
          recall: async (ctx) => {
            const groups = userGroups(ctx.userFeatures);
            if (groups.length === 0) return [];
            const lists = await read(
              groups.map((g) => `${dao.RedisPrefix}${g}`),
              dao.RedisDataType,
              count,
              0,
            );
            return mergeByBest(
              lists.map((l) => toCandidates(l, ctx.catalog, conf.Name)),
              count,
            );
          },
        };
      }
      const table = groupHotLists(env.catalog, triggers, count, conf.Name);
      return {
        name: conf.Name,
        recall: (ctx) => {
          const lists = userGroups(ctx.userFeatures).flatMap((g) => {
            const l = table.get(g);
            return l ? [l] : [];
          });
          // Candidates are mutable (rank writes score): each request gets its own copies.
          return Promise.resolve(mergeByBest(lists, count).map(copyCandidate));
        },
      };
    },
  },
);
