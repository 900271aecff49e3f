import { PairecError } from '../../errors.js';
import type { RecallConf } from '../../config/schema.js';
import type { RecallDaoConf } from '../../config/pipeline-schema.js';
import { sqlTarget } from '../../config/database-schema.js';
import { dialectOf } from '../../store/sql-dialect.js';
import type { Candidate, PipelineContext } from '../context.js';
import type { RecallEnv, RecallSource } from './recall.js';
import { mergeByBest } from './group-hot.js';

/** One entry of PaiRec's `item_ids` column: `id`, `id:retrieve_id` or `id:retrieve_id:score`. */
export interface StoredItem {
  readonly id: string;
  /** The entry's own retrieve id, or the recall's name when it names none. */
  readonly retrieveId: string;
  readonly score: number;
}

/** PaiRec's `item_ids` text: comma-separated entries; an entry of more than three parts is skipped, as PaiRec does. */
export function parseItemIds(text: string, recallName: string): StoredItem[] {
  const out: StoredItem[] = [];
  for (const entry of text.split(',')) {
    if (entry === '') continue;
    const parts = entry.split(':');
    if (parts.length > 3 || parts[0] === '') continue;
    const score = parts.length === 3 ? Number(parts[2]) : 0;
    out.push({ id: parts[0] ?? '', retrieveId: parts[1] || recallName, score: Number.isFinite(score) ? score : 0 });
  }
  return out;
}

function toCandidates(list: readonly StoredItem[], ctx: PipelineContext): Candidate[] {
  return list.map((e) => ({ itemId: e.id, row: ctx.catalog?.itemIndex(e.id) ?? -1, retrieveId: e.retrieveId, recallScore: e.score, score: e.score }));
}

/** Reads `item_ids` of the rows whose key column is one of `keys`, from the DAO's Hologres or MySQL table (names checked at load). */
function tableReader(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv, keyColumn: string): (keys: readonly string[], ctx: PipelineContext) => Promise<string[]> {
  const target = sqlTarget(dao);
  if (!target) throw new PairecError('ERR_INTERNAL', `recall "${conf.Name}" has no SQL DAO`);
  const d = dialectOf(target.adapter);
  return async (keys, ctx) => {
    const client = env.sql?.(target.adapter, target.name);
    if (!client) throw new PairecError('ERR_INTERNAL', `no ${target.adapter} client "${target.name}" for recall "${conf.Name}"`);
    const match = d.anyOf(keyColumn, keys, 1);
    const rows = await client.query<{ item_ids: unknown }>('recall', `SELECT item_ids FROM ${d.quote(target.table)} WHERE ${match.sql}`, match.values, ctx);
    return rows.flatMap((r) => (typeof r.item_ids === 'string' ? [r.item_ids] : Buffer.isBuffer(r.item_ids) ? [r.item_ids.toString('utf8')] : []));
  };
}

/**
 * UserCustomRecall on PaiRec's u2i table (user_id, item_ids) in Hologres or MySQL: the
 * user's row, its entries in stored order, the first RecallCount. (PaiRec shuffles the
 * first half when a row holds more than RecallCount; the stored order is kept here so a
 * request is reproducible.) A failed query fails this source only, counted.
 */
export function sqlUserCustom(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv): RecallSource {
  const read = tableReader(conf, dao, env, 'user_id');
  return {
    name: conf.Name,
    recall: async (ctx) => {
      const texts = await read([ctx.request.uid], ctx);
      return toCandidates(texts.flatMap((s) => parseItemIds(s, conf.Name)).slice(0, conf.RecallCount), ctx);
    },
  };
}

/**
 * UserGroupHotRecall on PaiRec's table (trigger_id, item_ids): the rows of the user's
 * groups in one query, each item once with its best score, best first, at most RecallCount.
 */
export function sqlGroupHot(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv, userGroups: (ctx: PipelineContext) => string[]): RecallSource {
  const read = tableReader(conf, dao, env, 'trigger_id');
  return {
    name: conf.Name,
    recall: async (ctx) => {
      const groups = userGroups(ctx);
      if (groups.length === 0) return [];
      const texts = await read(groups, ctx);
      return mergeByBest(texts.map((s) => toCandidates(parseItemIds(s, conf.Name), ctx).sort((a, b) => b.score - a.score)), conf.RecallCount);
    },
  };
}
