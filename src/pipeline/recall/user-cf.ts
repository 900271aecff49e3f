import type { Candidate, PipelineContext } from '../context.js';
import { COLLABORATIVE_LAYOUTS } from '../../store/collaborative-layouts.js';
import { checkCollaborativeDao, sqlTable, UserCollaborativeDaoConfSchema } from './cf-dao.js';
import type { UserCollaborativeDaoConf } from './cf-dao.js';
import { defineRecallType, toCandidates } from './recall.js';
import type { RecallEnv } from './recall.js';
import { redisListReader } from './redis-lists.js';
import { parseScoredList } from './scored-list.js';
import type { ScoredId } from './scored-list.js';
import { sqlListReader } from './sql-lists.js';

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

/** PaiRec's Normalization: every score divided by the best one, when that is positive. */
export function normalized(list: readonly ScoredId[]): ScoredId[] {
  const best = list.reduce((m, e) => Math.max(m, e.score), 0);
  return best > 0 ? list.map((e) => ({ id: e.id, score: e.score / best })) : [...list];
}

/** A user's triggers and each trigger's neighbours (same order), from one store. */
type Lists = (ctx: PipelineContext, recallCount: number) => Promise<{ history: ScoredId[]; neighbours: ScoredId[][] }>;

/**
 * Redis: round trip 1 reads the user's TriggerCount most recent items at
 * `User2ItemTable + uid` (default a list, newest first, as LPUSH + LTRIM keep it; entries
 * `item` or `item:weight`, weight 1 when absent; a sorted set is read highest score first —
 * e.g. scored by time — with weight 1). Round trip 2 reads every trigger's neighbour list
 * at `Item2ItemTable + item_id` (default PaiRec's string `"item:similarity,…"`) in one pipeline.
 */
function redisLists(dao: UserCollaborativeDaoConf, env: RecallEnv): Lists {
  const read = redisListReader(env, dao.RedisName ?? '');
  return async (ctx, recallCount) => {
    const [raw] = await read([`${dao.User2ItemTable}${ctx.request.uid}`], dao.User2ItemDataType, dao.TriggerCount, 1);
    // A zset's score orders the history (e.g. a timestamp); it is not a weight.
    const history = dedupe(dao.User2ItemDataType === 'zset' ? (raw ?? []).map((h) => ({ id: h.id, score: 1 })) : (raw ?? []));
    if (history.length === 0 || ctx.signal.aborted) return { history, neighbours: [] };
    const neighbours = await read(
      history.map((h) => `${dao.Item2ItemTable}${h.id}`),
      dao.Item2ItemDataType,
      recallCount,
      0,
    );
    return { history, neighbours };
  };
}

/**
 * Hologres / MySQL, PaiRec's tables: the user's row of User2ItemTable (its first
 * TriggerCount entries `item:weight`), then the rows of all triggers in Item2ItemTable in
 * one query. Columns per adapter in store/collaborative-layouts.ts.
 */
function sqlLists(dao: UserCollaborativeDaoConf, env: RecallEnv, recallName: string): Lists {
  const adapter = dao.AdapterType === 'mysql' ? 'mysql' : 'hologres';
  const layout = COLLABORATIVE_LAYOUTS[adapter];
  const users = sqlListReader(sqlTable(dao, dao.User2ItemTable) ?? { adapter, name: '', table: '' }, env, recallName);
  const items = sqlListReader(sqlTable(dao, dao.Item2ItemTable) ?? { adapter, name: '', table: '' }, env, recallName);
  return async (ctx, recallCount) => {
    const [row] = await users(layout.user2item, [ctx.request.uid], ctx);
    const history = dedupe(row ? parseScoredList(row.list, 1, dao.TriggerCount) : []);
    if (history.length === 0 || ctx.signal.aborted) return { history, neighbours: [] };
    const byItem = new Map(
      (
        await items(
          layout.item2item,
          history.map((h) => h.id),
          ctx,
        )
      ).map((r) => [r.key, r.list]),
    );
    return { history, neighbours: history.map((h) => parseScoredList(byItem.get(h.id) ?? '', 0, recallCount)) };
  };
}

/**
 * UserCollaborativeFilterRecall (PaiRec's u2i2i): neighbours of the user's recent items,
 * on Redis, Hologres or MySQL (UserCollaborativeDaoConf). Each neighbour scores
 * Σ weight × similarity over the triggers, divided by the best score unless
 * Normalization is "off"; best first, RecallCount kept. Unlike PaiRec, the user's own
 * triggers are left out, and no random choice is made among many triggers (the first
 * TriggerCount are read), so a request is reproducible. A user without triggers
 * contributes nothing; a failed read fails this source only, counted.
 */
export const userCollaborativeFilterRecall = defineRecallType(
  {
    /** The user's recent items and each item's neighbours. */
    UserCollaborativeDaoConf: UserCollaborativeDaoConfSchema,
  },
  {
    type: 'UserCollaborativeFilterRecall',
    check: (conf, ctx) => checkCollaborativeDao(conf.UserCollaborativeDaoConf, ['User2ItemTable', 'Item2ItemTable'], ctx, `${ctx.at}.UserCollaborativeDaoConf`),
    create: (conf, env) => {
      const dao = conf.UserCollaborativeDaoConf;
      const lists = dao.AdapterType === 'redis' ? redisLists(dao, env) : sqlLists(dao, env, conf.Name);
      const normalize = dao.Normalization !== 'off';
      return {
        name: conf.Name,
        recall: async (ctx): Promise<Candidate[]> => {
          const { history, neighbours } = await lists(ctx, conf.RecallCount);
          if (history.length === 0) return [];
          const top = aggregateNeighbours(history, neighbours, conf.RecallCount);
          return toCandidates(normalize ? normalized(top) : top, ctx.catalog, conf.Name);
        },
      };
    },
  },
);

/** A trigger seen twice counts once, with its first (most recent) weight. */
function dedupe(list: readonly ScoredId[]): ScoredId[] {
  const seen = new Set<string>();
  return list.filter((h) => !seen.has(h.id) && (seen.add(h.id), true));
}
