/**
 * CatalogConf.Source "hologres" | "mysql": items (and optionally users) read from tables,
 * row by row through the file catalog's ColumnsBuilder, so a table's rows are checked
 * and typed exactly as a file's (bad rows named and counted under MaxBadRows; every
 * column but the id and the embedding becomes an item field). Runs on a worker thread
 * (catalog/sql-read-worker.ts).
 */
import type { Logger } from 'pino';
import { ConfigError, PairecError } from '../errors.js';
import { signatureOf } from '../algorithm/signature.js';
import { dialectOf } from '../store/sql-dialect.js';
import { ColumnsBuilder } from './file-columns.js';
import type { SideColumns } from './file-columns.js';
import { catalogColumnsOf } from './file-source.js';
import type { FileCatalogColumns } from './file-source.js';
import { openTable } from './table-connection.js';
import type { CatalogTable, CatalogTables } from './sql-tables.js';

/** How a table is named in row errors and logs: `hologres "holo" table "items"`. */
export const tableLabel = (t: CatalogTable): string => `${t.adapter} "${t.database}" table "${t.table}"`;

/**
 * A layout mismatch is a load-time error naming the table, the column and the key that
 * names the table: the table missing, or a column the catalog reads (IdField,
 * EmbeddingField, VersionField) not in information_schema.columns.
 */
export function layoutProblems(t: CatalogTable, columns: ReadonlySet<string>, side: 'items' | 'users'): PairecError[] {
  const d = dialectOf(t.adapter);
  if (columns.size === 0)
    return [
      new PairecError('ERR_CONFIG_INVALID', `${t.path}: table "${t.table}" does not exist in ${t.adapter} "${t.database}" (catalog ${side})`, { path: t.path }),
    ];
  const need = [t.idField, t.embeddingField, ...(t.versionField ? [t.versionField] : [])].map((c) => d.fold(c));
  return need
    .filter((c) => !columns.has(c))
    .map(
      (c) =>
        new PairecError('ERR_CONFIG_INVALID', `${t.path}: table "${t.table}" has no column "${c}" (catalog ${side} read ${need.join(', ')})`, { path: t.path }),
    );
}

async function readTable(t: CatalogTable, side: 'items' | 'users', maxBadRows: number, dim: number | undefined): Promise<SideColumns> {
  const d = dialectOf(t.adapter);
  const conn = await openTable(t);
  try {
    const problems = layoutProblems(t, await conn.columns(), side);
    if (problems.length > 0) throw new ConfigError(problems);
    const builder = new ColumnsBuilder({
      file: tableLabel(t),
      // PostgreSQL names its columns folded: the row's keys are the folded names.
      idField: d.fold(t.idField),
      embeddingField: d.fold(t.embeddingField),
      textual: false,
      embeddingText: true,
      maxBadRows,
      dim,
    });
    let row = 0;
    for await (const values of conn.rows()) builder.add(values, { unit: 'row', at: ++row });
    return builder.finish();
  } finally {
    await conn.close();
  }
}

/** Reads and checks the tables of a table catalog. */
export async function readTableCatalog(tables: CatalogTables, logger: Logger): Promise<FileCatalogColumns> {
  const started = Date.now();
  const items = await readTable(tables.items, 'items', tables.maxBadRows, undefined);
  const users = tables.users ? await readTable(tables.users, 'users', tables.maxBadRows, items.dim) : undefined;
  return catalogColumnsOf(
    { name: tableLabel(tables.items), side: items, embeddingField: tables.items.embeddingField },
    tables.users && users ? { name: tableLabel(tables.users), side: users } : undefined,
    { logger, what: `${tables.items.adapter} catalog loaded`, started },
  );
}

/**
 * The version signature of the catalog's tables (two short queries each, on this thread):
 * what RefreshSeconds polls. The layout is checked first, so a table dropped or a column
 * renamed is reported as such, not as a failed query.
 */
export async function tablesVersion(tables: CatalogTables): Promise<string> {
  const versions: string[] = [];
  for (const [t, side] of [
    [tables.items, 'items'],
    [tables.users, 'users'],
  ] as const) {
    if (!t) continue;
    const conn = await openTable(t);
    try {
      const problems = layoutProblems(t, await conn.columns(), side);
      if (problems.length > 0) throw new ConfigError(problems);
      versions.push(await conn.version());
    } finally {
      await conn.close();
    }
  }
  return signatureOf(versions);
}
