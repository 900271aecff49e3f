import { PairecError } from '../../errors.js';
import type { Candidate } from '../context.js';
import type { RecallTypeDef } from './recall.js';
import { toCandidates } from './recall.js';
import { redisListReader } from './redis-lists.js';
import type { ScoredId } from './scored-list.js';

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
export const itemCollaborativeFilterRecall: RecallTypeDef = {
  type: 'ItemCollaborativeFilterRecall',
  create: (conf, env) => {
    const dao = conf.UserCollaborativeDaoConf;
    if (!dao) throw new PairecError('ERR_INTERNAL', `unvalidated ItemCollaborativeFilterRecall "${conf.Name}"`);
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
};

/** A history item seen twice counts once, with its first (most recent) weight. */
function dedupe(list: readonly ScoredId[]): ScoredId[] {
  const seen = new Set<string>();
  return list.filter((h) => !seen.has(h.id) && (seen.add(h.id), true));
}
