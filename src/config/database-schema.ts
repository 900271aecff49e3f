import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

/**
 * PaiRec's HologresConfs and MysqlConfs entry (`DSN`) plus the pool's bounds. MySQL's DSN
 * is Go's `user:password@tcp(host:port)/db` (PaiRec's driver) or a `mysql://` URL.
 * Hologres speaks the PostgreSQL protocol: every PostgreSQL server answers the same queries. Its DSN is a URL
 * (`postgres://user:password@host:port/db`) or lib/pq's `key=value` form (PaiRec's Go
 * driver); it carries the password, so it is never logged.
 */
export const HologresConfSchema = Type.Object(
  {
    DSN: Type.String({ minLength: 1, maxLength: 4096 }),
    /** Connections kept at most (PaiRec: HOLOGRES_MAX_OPEN_CONNS). */
    MaxConns: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** A new connection must be up within this, ms; else the query fails (counted) at once. */
    ConnectTimeout: Type.Integer({ minimum: 1, maximum: 60_000, default: 1000 }),
    /**
     * A query's longest run, ms: the server's `statement_timeout` of every connection, and
     * the client's bound when the request leaves more time than that (PaiRec: 500 ms).
     */
    QueryTimeout: Type.Integer({ minimum: 1, maximum: 600_000, default: 500 }),
    /** An idle connection is closed after this, ms (0: kept). */
    IdleTimeout: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 30_000 }),
  },
  { additionalProperties: false },
);
export type HologresConf = Static<typeof HologresConfSchema>;
/** The same keys for MysqlConfs (QueryTimeout: MariaDB's max_statement_time, MySQL's max_execution_time). */
export const MysqlConfSchema = HologresConfSchema;
export type MysqlConf = HologresConf;

/** A table name, optionally schema-qualified (`public.t_exposure`); quoted when queried. */
export const TableName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?$' });

/**
 * A column name, or PaiRec's comma-separated select list of them (`*`: every column), each
 * optionally renamed as PaiRec's docs write it (`sex as guestsex`: the feature is `guestsex`).
 */
export const ColumnName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z_][A-Za-z0-9_$]*$' });
const SELECT_ITEM = '\\s*[A-Za-z_][A-Za-z0-9_$]*(\\s+[Aa][Ss]\\s+[A-Za-z_][A-Za-z0-9_$]*)?\\s*';
export const SelectFields = Type.String({ minLength: 1, maxLength: 8192, pattern: `^(\\*|${SELECT_ITEM}(,${SELECT_ITEM})*)$` });

const ConfName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });

/** The Hologres and MySQL keys of a DaoConf (recall, exposure filter): PaiRec's names. */
export const SqlDaoProps = {
  HologresName: Type.Optional(ConfName),
  HologresTableName: Type.Optional(TableName),
  MysqlName: Type.Optional(ConfName),
  MysqlTable: Type.Optional(TableName),
};

/** Which database and table a DAO with AdapterType "hologres" or "mysql" names (checked at load). */
export interface SqlTarget {
  readonly adapter: 'hologres' | 'mysql';
  readonly name: string;
  readonly table: string;
}

export function sqlTarget(dao: {
  AdapterType?: string;
  HologresName?: string | undefined;
  HologresTableName?: string | undefined;
  MysqlName?: string | undefined;
  MysqlTable?: string | undefined;
}): SqlTarget | undefined {
  if (dao.AdapterType === 'hologres') return { adapter: 'hologres', name: dao.HologresName ?? '', table: dao.HologresTableName ?? '' };
  if (dao.AdapterType === 'mysql') return { adapter: 'mysql', name: dao.MysqlName ?? '', table: dao.MysqlTable ?? '' };
  return undefined;
}

/**
 * The Hologres / MySQL keys of a FeatureDaoConf. FeatureKey is PaiRec's `user:uid` (the request's
 * uid) or `item:id` (the candidate's id); UserFeatureKeyName / ItemFeatureKeyName the key
 * column; UserSelectFields / ItemSelectFields the columns read (`*`: all).
 */
export const SqlFeatureProps = {
  ...SqlDaoProps,
  FeatureKey: Type.Optional(Type.Union([Type.Literal('user:uid'), Type.Literal('item:id')])),
  UserFeatureKeyName: Type.Optional(ColumnName),
  ItemFeatureKeyName: Type.Optional(ColumnName),
  UserSelectFields: Type.Optional(SelectFields),
  ItemSelectFields: Type.Optional(SelectFields),
};

/** One entry of a select list: the table's column and the feature name it is read as. */
export interface SelectedColumn {
  readonly column: string;
  readonly name: string;
}

/** The entries of a select list (`col` or `col as name`); undefined for `*`. */
export function selectList(fields: string): SelectedColumn[] | undefined {
  if (fields.trim() === '*') return undefined;
  return fields
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((f) => {
      const [column = f, , name = column] = f.split(/\s+/);
      return { column, name };
    });
}

/** The table columns a select list reads (what the table must have); undefined for `*`. */
export function selectColumns(fields: string): string[] | undefined {
  return selectList(fields)?.map((c) => c.column);
}
