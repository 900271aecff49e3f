import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { NameSchema, redisDataType, strict } from '../../config/pipeline-schema.js';
import type { Candidate } from '../context.js';
import { defineRecallType, toCandidates } from './recall.js';
import { checkRedisName, redisListReader } from './redis-lists.js';
import type { ScoredId } from './scored-list.js';

/**
 * PaiRec's UserCollaborativeDaoConf on Redis: User2ItemTable / Item2ItemTable are the key
 * prefixes of a user's recent items and of an item's neighbour list.
 */
export const UserCollaborativeDaoConfSchema = Type.Object(
  {
    AdapterType: Type.Literal('redis'),
    RedisName: NameSchema,
    User2ItemTable: Type.String({ maxLength: 128, default: '' }),
    Item2ItemTable: Type.String({ maxLength: 128, default: '' }),
    User2ItemDataType: redisDataType('list'),
    Item2ItemDataType: redisDataType('string'),
    /** The user's most recent items used as triggers (PaiRec's TriggerCount). */
    TriggerCount: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
  },
  strict,
);
export type UserCollaborativeDaoConf = Static<typeof UserCollaborativeDaoConfSchema>;

/**
 * Item-to-item aggregation: each neighbour n of the user's items h scores
 * Σ weight(h) · similarity(h, n); the user's own items are left out (already known to
 * them); best first, ties in first-seen order, at most `count`.
 */
export function aggregateNeighbours(history: readonly ScoredId[], neighbours: readonly (readonly ScoredId[])[], count: number): ScoredId[] {
  const own = new Set(history.map((h) => h.id));
  const scores = new Map<string, number>();
  history.forEach((h, i) => {
    for (const n of neighbours[i] ?? []) {
      if (own.has(n.id)) continue;
      scores.set(n.id, (scores.get(n.id) ?? 0) + h.score * n.score);
    }
  });
  const out: ScoredId[] = [];
  for (const [id, score] of scores) out.push({ id, score });
  return out.sort((a, b) => b.score - a.score).slice(0, count);
}

/**
 * ItemCollaborativeFilterRecall: item-to-item from the user's recent history, on Redis
 * (UserCollaborativeDaoConf). Round trip 1 reads the user's TriggerCount most recent
 * items at `User2ItemTable + uid` (default a list, newest first, as LPUSH + LTRIM keep
 * it; entries `item` or `item:weight`, weight 1 when absent; a sorted set is read highest
 * score first — e.g. scored by time — with weight 1). Round trip 2 reads every history
 * item's neighbour list at `Item2ItemTable + item_id` (default PaiRec's string
 * `"item:similarity,…"`) in one pipeline. A user without history contributes nothing.
 */
export const itemCollaborativeFilterRecall = defineRecallType(
  {
    /** The user's recent items and each item's neighbours. */
    UserCollaborativeDaoConf: UserCollaborativeDaoConfSchema,
  },
  {
  type: 'ItemCollaborativeFilterRecall',
  check: (conf, ctx) => checkRedisName(conf.UserCollaborativeDaoConf, ctx, `${ctx.at}.UserCollaborativeDaoConf`),
  create: (conf, env) => {
    const dao = conf.UserCollaborativeDaoConf;
    const read = redisListReader(env, dao.RedisName);
    return {
      name: conf.Name,
      recall: async (ctx): Promise<Candidate[]> => {
        const [raw] = await read([`${dao.User2ItemTable}${ctx.request.uid}`], dao.User2ItemDataType, dao.TriggerCount, 1);
        // A zset's score orders the history (e.g. a timestamp); it is not a weight.
        const history = dedupe(dao.User2ItemDataType === 'zset' ? (raw ?? []).map((h) => ({ id: h.id, score: 1 })) : (raw ?? []));
        if (history.length === 0 || ctx.signal.aborted) return [];
        const neighbours = await read(history.map((h) => `${dao.Item2ItemTable}${h.id}`), dao.Item2ItemDataType, conf.RecallCount, 0);
        return toCandidates(aggregateNeighbours(history, neighbours, conf.RecallCount), ctx.catalog, conf.Name);
      },
    };
  },
  },
);

/** A history item seen twice counts once, with its first (most recent) weight. */
function dedupe(list: readonly ScoredId[]): ScoredId[] {
  const seen = new Set<string>();
  return list.filter((h) => !seen.has(h.id) && (seen.add(h.id), true));
}
