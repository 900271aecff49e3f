import { PairecError } from '../../errors.js';
import type { RecallConf } from '../../config/schema.js';
import type { RecallDaoConf } from '../../config/pipeline-schema.js';
import { sqlTarget } from '../../config/database-schema.js';
import type { SqlTarget } from '../../config/database-schema.js';
import type { ListTable } from '../../store/collaborative-layouts.js';
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

/** Stored entries as candidates, each under its own retrieve id. */
export function storedCandidates(list: readonly StoredItem[], ctx: PipelineContext): Candidate[] {
  return list.map((e) => ({ itemId: e.id, row: ctx.catalog?.itemIndex(e.id) ?? -1, retrieveId: e.retrieveId, recallScore: e.score, score: e.score }));
}

/** One row of a list table: its key and its list text. */
export interface ListRow {
  readonly key: string;
  readonly list: string;
}

/** A text column's value: strings as they are, MySQL's binary text as UTF-8, numbers (an integer key) as digits. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/**
 * Reads the rows of a Hologres or MySQL list table whose key column is one of `keys`, in
 * one query bounded by the request's deadline and abort (names checked at load). A failed
 * query throws, counted by the client: the source fails alone.
 */
export function sqlListReader(
  target: SqlTarget,
  env: RecallEnv,
  recallName: string,
): (table: ListTable, keys: readonly string[], ctx: PipelineContext) => Promise<ListRow[]> {
  const d = dialectOf(target.adapter);
  return async (table, keys, ctx) => {
    if (keys.length === 0) return [];
    const client = env.sql?.(target.adapter, target.name);
    if (!client) throw new PairecError('ERR_INTERNAL', `no ${target.adapter} client "${target.name}" for recall "${recallName}"`);
    const match = d.anyOf(table.key, keys, 1);
    const rows = await client.query<Record<string, unknown>>(
      'recall',
      `SELECT ${d.quote(table.key)} AS k, ${d.quote(table.list)} AS l FROM ${d.quote(target.table)} WHERE ${match.sql}`,
      match.values,
      ctx,
    );
    const out: ListRow[] = [];
    for (const r of rows) {
      const key = text(r.k);
      const list = text(r.l);
      if (key !== undefined && list !== undefined) out.push({ key, list });
    }
    return out;
  };
}

/** Reads `item_ids` of the rows whose key column is one of `keys`, from the DAO's Hologres or MySQL table. */
function tableReader(
  conf: RecallConf,
  dao: RecallDaoConf,
  env: RecallEnv,
  keyColumn: string,
): (keys: readonly string[], ctx: PipelineContext) => Promise<string[]> {
  const target = sqlTarget(dao);
  if (!target) throw new PairecError('ERR_INTERNAL', `recall "${conf.Name}" has no SQL DAO`);
  const read = sqlListReader(target, env, conf.Name);
  return async (keys, ctx) => (await read({ key: keyColumn, list: 'item_ids' }, keys, ctx)).map((r) => r.list);
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
      return storedCandidates(texts.flatMap((s) => parseItemIds(s, conf.Name)).slice(0, conf.RecallCount), ctx);
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
      return mergeByBest(
        texts.map((s) => storedCandidates(parseItemIds(s, conf.Name), ctx).sort((a, b) => b.score - a.score)),
        conf.RecallCount,
      );
    },
  };
}
