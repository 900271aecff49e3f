/**
 * Where a `Source: "hologres" | "mysql"` catalog reads: each side (Items, Users) resolved
 * to its database entry (DSN, ConnectTimeout) and table, as plain data, so it crosses to
 * the worker thread that reads it (catalog/sql-read-worker.ts).
 */
import type { CatalogConf, FileSideConf } from '../config/schema.js';
import type { HologresConf } from '../config/database-schema.js';
import { PairecError } from '../errors.js';

export type CatalogAdapter = 'hologres' | 'mysql';

/** The HologresConfs and MysqlConfs of the config whose catalog is read. */
export interface CatalogDatabases {
  readonly HologresConfs: Readonly<Record<string, HologresConf>>;
  readonly MysqlConfs: Readonly<Record<string, HologresConf>>;
}

export interface CatalogTable {
  readonly adapter: CatalogAdapter;
  /** The HologresConfs / MysqlConfs entry's name, for messages (never the DSN: it holds the password). */
  readonly database: string;
  readonly dsn: string;
  readonly connectTimeout: number;
  readonly table: string;
  readonly idField: string;
  readonly embeddingField: string;
  readonly versionField: string | undefined;
  /** JSON path of the key naming the table, for layout errors. */
  readonly path: string;
}

export interface CatalogTables {
  readonly items: CatalogTable;
  readonly users: CatalogTable | undefined;
  readonly maxBadRows: number;
}

export const isTableSource = (source: CatalogConf['Source']): source is CatalogAdapter => source === 'hologres' || source === 'mysql';

/** The tables of a table catalog; a missing key or database entry is a config error naming its path. */
export function catalogTables(conf: CatalogConf, dbs: CatalogDatabases | undefined): CatalogTables {
  const adapter = conf.Source;
  if (!isTableSource(adapter))
    throw new PairecError('ERR_CONFIG_INVALID', `$.CatalogConf.Source: "${adapter}" is not a table source`, { path: '$.CatalogConf.Source' });
  if (!conf.Items)
    throw new PairecError('ERR_CONFIG_INVALID', `$.CatalogConf.Items: Source "${adapter}" needs Items with its table`, { path: '$.CatalogConf.Items' });
  const items = tableOf(adapter, conf.Items, 'Items', dbs);
  const users = conf.Users ? tableOf(adapter, conf.Users, 'Users', dbs) : undefined;
  return { items, users, maxBadRows: conf.MaxBadRows ?? 0 };
}

function tableOf(adapter: CatalogAdapter, side: FileSideConf, key: 'Items' | 'Users', dbs: CatalogDatabases | undefined): CatalogTable {
  const [nameKey, tableKey, confs] =
    adapter === 'mysql' ? (['MysqlName', 'MysqlTable', 'MysqlConfs'] as const) : (['HologresName', 'HologresTableName', 'HologresConfs'] as const);
  const at = `$.CatalogConf.${key}`;
  const name = side[nameKey];
  const table = side[tableKey];
  const conf = name === undefined ? undefined : dbs?.[confs][name];
  if (name === undefined || table === undefined) {
    throw new PairecError('ERR_CONFIG_INVALID', `${at}: Source "${adapter}" needs ${nameKey} and ${tableKey}`, {
      path: `${at}.${name === undefined ? nameKey : tableKey}`,
    });
  }
  if (!conf) throw new PairecError('ERR_CONFIG_INVALID', `${at}.${nameKey}: no entry "${name}" in ${confs}`, { path: `${at}.${nameKey}` });
  return {
    adapter,
    database: name,
    dsn: conf.DSN,
    connectTimeout: conf.ConnectTimeout,
    table,
    idField: side.IdField,
    embeddingField: side.EmbeddingField,
    versionField: side.VersionField,
    path: `${at}.${tableKey}`,
  };
}
