import { PairecError } from '../../errors.js';
import type { RecallConf } from '../../config/schema.js';
import type { RecallDaoConf } from '../../config/pipeline-schema.js';
import type { Candidate, PipelineContext } from '../context.js';
import type { RecallEnv, RecallSource } from './recall.js';
import { mergeByBest } from './group-hot.js';
import { quoteColumn, quoteTable } from '../../store/sql-names.js';

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

/** The Hologres client and table of a recall's DAO; names were checked at config load. */
function tableOf(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv): { read: (keyColumn: string, keys: readonly string[], ctx: PipelineContext) => Promise<string[]> } {
  const name = dao.HologresName ?? '';
  const table = quoteTable(dao.HologresTableName ?? '');
  return {
    read: async (keyColumn, keys, ctx) => {
      const client = env.hologres?.(name);
      if (!client) throw new PairecError('ERR_INTERNAL', `no Hologres client "${name}" for recall "${conf.Name}"`);
      const text = `SELECT item_ids FROM ${table} WHERE ${quoteColumn(keyColumn)} = ANY($1)`;
      const rows = await client.query<{ item_ids: string | null }>('recall', text, [keys], ctx);
      return rows.flatMap((r) => (typeof r.item_ids === 'string' ? [r.item_ids] : []));
    },
  };
}

/**
 * UserCustomRecall on PaiRec's Hologres u2i table (user_id text, item_ids text): the
 * user's row, its entries in stored order, the first RecallCount. (PaiRec shuffles the
 * first half when a row holds more than RecallCount; the stored order is kept here so a
 * request is reproducible.) A failed query fails this source only, counted.
 */
export function hologresUserCustom(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv): RecallSource {
  const t = tableOf(conf, dao, env);
  return {
    name: conf.Name,
    recall: async (ctx) => {
      const texts = await t.read('user_id', [ctx.request.uid], ctx);
      return toCandidates(texts.flatMap((s) => parseItemIds(s, conf.Name)).slice(0, conf.RecallCount), ctx);
    },
  };
}

/**
 * UserGroupHotRecall on PaiRec's Hologres table (trigger_id text, item_ids text): the
 * rows of the user's groups in one query, each item once with its best score, best
 * first, at most RecallCount.
 */
export function hologresGroupHot(conf: RecallConf, dao: RecallDaoConf, env: RecallEnv, userGroups: (ctx: PipelineContext) => string[]): RecallSource {
  const t = tableOf(conf, dao, env);
  return {
    name: conf.Name,
    recall: async (ctx) => {
      const groups = userGroups(ctx);
      if (groups.length === 0) return [];
      const texts = await t.read('trigger_id', groups, ctx);
      return mergeByBest(texts.map((s) => toCandidates(parseItemIds(s, conf.Name), ctx)).map((l) => l.sort((a, b) => b.score - a.score)), conf.RecallCount);
    },
  };
}
