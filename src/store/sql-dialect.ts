import pg from 'pg';
import type { SqlValue } from './sql-client.js';

/**
 * How one database family spells what the data sources ask: identifiers, the match of a
 * column against a list of ids, and where a table's columns are listed. Table and column
 * names come from the config (plain identifiers, checked by the schema) and are quoted.
 */
export interface SqlDialect {
  readonly family: 'hologres' | 'mysql';
  /** A quoted identifier; `schema.table` quoted part by part. */
  quote(name: string): string;
  /** The name as the catalog stores it (PostgreSQL folds unquoted names to lower case). */
  fold(name: string): string;
  /** `column` equals one of `ids`, placeholders from `first` (1-based): the SQL and its values. */
  anyOf(column: string, ids: readonly string[], first: number): { sql: string; values: SqlValue[] };
  /** Placeholder of the n-th parameter (1-based). */
  param(n: number): string;
  /** Columns of a table: values [schema or null, table]; null schema = the connection's own. */
  readonly columnsSql: string;
}

const split = (name: string): string[] => name.split('.');

/** Hologres and PostgreSQL: PaiRec's SQL leaves names unquoted, so they fold to lower case; one array parameter for a list. */
export const POSTGRES: SqlDialect = {
  family: 'hologres',
  fold: (name) => name.toLowerCase(),
  quote: (name) =>
    split(name)
      .map((p) => pg.escapeIdentifier(p.toLowerCase()))
      .join('.'),
  anyOf: (column, ids, first) => ({ sql: `${POSTGRES.quote(column)} = ANY($${first})`, values: [[...ids]] }),
  param: (n) => `$${n}`,
  columnsSql: 'SELECT column_name FROM information_schema.columns WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2',
};

/** MySQL and MariaDB: names as written (table names are case-sensitive on Linux), one placeholder per id. */
export const MYSQL: SqlDialect = {
  family: 'mysql',
  fold: (name) => name,
  quote: (name) =>
    split(name)
      .map((p) => `\`${p.replace(/`/g, '``')}\``)
      .join('.'),
  anyOf: (column, ids) => ({ sql: `${MYSQL.quote(column)} IN (${ids.map(() => '?').join(', ')})`, values: [...ids] }),
  param: () => '?',
  columnsSql: 'SELECT column_name AS column_name FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ?',
};

export const dialectOf = (adapter: 'hologres' | 'mysql'): SqlDialect => (adapter === 'mysql' ? MYSQL : POSTGRES);

/** Schema (undefined: the connection's own) and table, as the catalog stores them. */
export function tableParts(d: SqlDialect, table: string): { schema: string | undefined; table: string } {
  const parts = split(table).map((p) => d.fold(p));
  return parts.length === 2 ? { schema: parts[0], table: parts[1] ?? '' } : { schema: undefined, table: parts[0] ?? '' };
}
