import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { NameSchema, redisDataType, strict } from '../../config/pipeline-schema.js';
import type { StageCheck } from '../../types/stage-type.js';
import type { SqlTarget } from '../../config/database-schema.js';
import { checkRedisName } from './redis-lists.js';

/** A key prefix on Redis, a table name (optionally schema-qualified) on Hologres and MySQL: checked per adapter. */
const TableOrPrefix = Type.String({ maxLength: 256, default: '' });
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

/** The connection keys of PaiRec's DaoConfig the collaborative DAOs read. */
const Connection = {
  AdapterType: Type.Union([Type.Literal('redis'), Type.Literal('hologres'), Type.Literal('mysql')]),
  RedisName: Type.Optional(NameSchema),
  HologresName: Type.Optional(NameSchema),
  MysqlName: Type.Optional(NameSchema),
};

/**
 * PaiRec's UserCollaborativeDaoConf: User2ItemTable holds a user's recent items,
 * Item2ItemTable each item's neighbours — key prefixes on Redis, tables on Hologres and
 * MySQL (layouts in store/collaborative-layouts.ts).
 */
export const UserCollaborativeDaoConfSchema = Type.Object(
  {
    ...Connection,
    User2ItemTable: TableOrPrefix,
    Item2ItemTable: TableOrPrefix,
    /** Redis only: how the keys hold the lists. */
    User2ItemDataType: redisDataType('list'),
    Item2ItemDataType: redisDataType('string'),
    /** The user's most recent items used as triggers, in stored order. */
    TriggerCount: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }),
    /** PaiRec's: "on" (or empty) divides the scores by the best one, "off" keeps the sums. */
    Normalization: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('')], { default: 'on' }),
  },
  strict,
);
export type UserCollaborativeDaoConf = Static<typeof UserCollaborativeDaoConfSchema>;

/** PaiRec's ItemCollaborativeDaoConf: Item2ItemTable holds each item's list (a key prefix on Redis). */
export const ItemCollaborativeDaoConfSchema = Type.Object(
  {
    ...Connection,
    Item2ItemTable: TableOrPrefix,
    /** Redis only: how the key holds the list. */
    Item2ItemDataType: redisDataType('string'),
  },
  strict,
);
export type ItemCollaborativeDaoConf = Static<typeof ItemCollaborativeDaoConfSchema>;

type Dao = Static<typeof ItemCollaborativeDaoConfSchema>;

/** The database and table of a Hologres or MySQL DAO's table key; undefined on Redis. */
export function sqlTable(dao: Dao, table: string): SqlTarget | undefined {
  if (dao.AdapterType === 'redis') return undefined;
  return { adapter: dao.AdapterType, name: (dao.AdapterType === 'mysql' ? dao.MysqlName : dao.HologresName) ?? '', table };
}

/** Load-time checks: the adapter's connection is named and configured; on SQL, each table key is a table name. */
export function checkCollaborativeDao(dao: Dao, tables: readonly ('User2ItemTable' | 'Item2ItemTable')[], ctx: StageCheck, at: string): void {
  if (dao.AdapterType === 'redis') {
    if (dao.RedisName === undefined) ctx.problem(`${at}.RedisName`, 'required: the name of a RedisConfs entry');
    else checkRedisName(dao, ctx, at);
    return;
  }
  const [key, names, block] =
    dao.AdapterType === 'mysql' ? (['MysqlName', ctx.mysql, 'MysqlConfs'] as const) : (['HologresName', ctx.hologres, 'HologresConfs'] as const);
  const name = dao[key];
  if (name === undefined) ctx.problem(`${at}.${key}`, `required: the name of a ${block} entry`);
  else if (!names.has(name)) ctx.problem(`${at}.${key}`, `no ${dao.AdapterType === 'mysql' ? 'MySQL' : 'Hologres'} named "${name}" in ${block}`);
  const record = dao as Record<string, unknown>;
  for (const t of tables) {
    const value = record[t];
    if (typeof value !== 'string' || !TABLE_NAME.test(value))
      ctx.problem(`${at}.${t}`, `required by AdapterType "${dao.AdapterType}": a table name (schema.table or table)`);
  }
}
