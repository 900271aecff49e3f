import pg from 'pg';

/**
 * Table and column names as PaiRec's SQL uses them: unquoted, so PostgreSQL and Hologres
 * fold them to lower case. Here they are folded, then quoted, which reads the same
 * tables and columns and leaves no room for injection through a config value.
 */
export const folded = (name: string): string => name.toLowerCase();

export const quoteColumn = (name: string): string => pg.escapeIdentifier(folded(name));

/** `public.T_Items` → `"public"."t_items"`. */
export const quoteTable = (table: string): string => table.split('.').map(quoteColumn).join('.');

/** Schema (undefined: the connection's current schema) and table, folded, for information_schema. */
export function tableParts(table: string): { schema: string | undefined; table: string } {
  const parts = table.split('.').map(folded);
  return parts.length === 2 ? { schema: parts[0], table: parts[1] ?? '' } : { schema: undefined, table: parts[0] ?? '' };
}
