import type { Logger } from 'pino';
import { ConfigError, PairecError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { selectColumns, sqlTarget } from '../config/database-schema.js';
import type { SqlClient } from './sql-client.js';
import { dialectOf, tableParts } from './sql-dialect.js';
import { EXPOSURE_LAYOUTS } from './sql-exposure-store.js';
import { COLLABORATIVE_LAYOUTS } from './collaborative-layouts.js';
import type { CollaborativeLayout } from './collaborative-layouts.js';

/** A table a config reads or writes, and the columns it needs (PaiRec's layouts). */
export interface TableNeed {
  readonly adapter: 'hologres' | 'mysql';
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** JSON path of the HologresTableName that names it. */
  readonly path: string;
  /** What the table is for, in the message. */
  readonly use: string;
}

const tableKey = (adapter: 'hologres' | 'mysql'): string => (adapter === 'mysql' ? 'MysqlTable' : 'HologresTableName');

/** Every Hologres and MySQL table of a validated config and the columns each use needs. */
export function tableNeeds(config: Config): TableNeed[] {
  const out: TableNeed[] = [];
  config.FilterConfs.forEach((f, i) => {
    const t = f.DaoConf ? sqlTarget(f.DaoConf) : undefined;
    if (!t) return;
    const l = EXPOSURE_LAYOUTS[t.adapter];
    out.push({
      adapter: t.adapter,
      database: t.name,
      table: t.table,
      columns: ['uid', l.item, l.time],
      path: `$.FilterConfs[${i}].DaoConf.${tableKey(t.adapter)}`,
      use: 'exposure table',
    });
  });
  config.RecallConfs.forEach((r, i) => {
    const t = r.DaoConf ? sqlTarget(r.DaoConf) : undefined;
    if (!t) return;
    const key = r.RecallType === 'UserGroupHotRecall' ? 'trigger_id' : 'user_id';
    out.push({
      adapter: t.adapter,
      database: t.name,
      table: t.table,
      columns: [key, 'item_ids'],
      path: `$.RecallConfs[${i}].DaoConf.${tableKey(t.adapter)}`,
      use: `${r.RecallType} table`,
    });
  });
  const cat = config.CatalogConf;
  const source = cat?.Source;
  if (source === 'hologres' || source === 'mysql') {
    for (const side of ['Items', 'Users'] as const) {
      const s = cat?.[side];
      const t = s ? sqlTarget({ AdapterType: source, ...s }) : undefined;
      if (!s || !t) continue;
      const columns = [s.IdField, s.EmbeddingField, ...(s.VersionField === undefined ? [] : [s.VersionField])];
      out.push({
        adapter: t.adapter,
        database: t.name,
        table: t.table,
        columns,
        path: `$.CatalogConf.${side}.${tableKey(t.adapter)}`,
        use: `catalog ${side.toLowerCase()} table`,
      });
    }
  }
  config.RecallConfs.forEach((r, i) => out.push(...collaborativeNeeds(r.RecallType, r as unknown as Readonly<Record<string, unknown>>, i)));
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    conf.FeatureLoadConfs.forEach(({ FeatureDaoConf: d }, i) => {
      const t = sqlTarget(d);
      if (!t) return;
      const user = d.FeatureStore === 'user';
      const key = (user ? d.UserFeatureKeyName : d.ItemFeatureKeyName) ?? '';
      const cols = selectColumns((user ? d.UserSelectFields : d.ItemSelectFields) ?? '*') ?? [];
      const path = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.${tableKey(t.adapter)}`;
      out.push({ adapter: t.adapter, database: t.name, table: t.table, columns: [key, ...cols], path, use: `${d.FeatureStore} feature table` });
    });
  }
  return out;
}

/** The DAO key and its tables of the collaborative-filter recalls (their keys are the type's own, so read by name). */
const COLLABORATIVE_TABLES: Readonly<Record<string, readonly [string, readonly (readonly [string, keyof CollaborativeLayout])[]]>> = {
  UserCollaborativeFilterRecall: [
    'UserCollaborativeDaoConf',
    [
      ['User2ItemTable', 'user2item'],
      ['Item2ItemTable', 'item2item'],
    ],
  ],
  ItemCollaborativeFilterRecall: ['ItemCollaborativeDaoConf', [['Item2ItemTable', 'itemRecall']]],
};

function collaborativeNeeds(type: string, entry: Readonly<Record<string, unknown>>, i: number): TableNeed[] {
  const spec = COLLABORATIVE_TABLES[type];
  const dao = spec ? (entry[spec[0]] as Readonly<Record<string, unknown>> | undefined) : undefined;
  if (!spec || !dao || (dao.AdapterType !== 'hologres' && dao.AdapterType !== 'mysql')) return [];
  const adapter = dao.AdapterType;
  const database = String((adapter === 'mysql' ? dao.MysqlName : dao.HologresName) ?? '');
  return spec[1].map(([key, which]) => {
    const l = COLLABORATIVE_LAYOUTS[adapter][which];
    return { adapter, database, table: String(dao[key] ?? ''), columns: [l.key, l.list], path: `$.RecallConfs[${i}].${spec[0]}.${key}`, use: `${type} ${key}` };
  });
}

/**
 * Checks each table's columns in information_schema before the config serves: a missing
 * table or column rejects the config, naming the table, the column and the JSON path. A
 * database that cannot be reached is not checked (warned): like Redis down, it must not
 * keep a config from loading; its queries fail, counted, until it is back.
 */
export async function checkTableLayouts(
  config: Config,
  client: (adapter: 'hologres' | 'mysql', name: string) => SqlClient | undefined,
  logger: Logger,
): Promise<void> {
  const needs = tableNeeds(config);
  if (needs.length === 0) return;
  const seen = new Map<string, Promise<Set<string> | undefined>>();
  const columnsOf = (n: TableNeed): Promise<Set<string> | undefined> => {
    const id = `${n.adapter}\u0000${n.database}\u0000${n.table}`;
    let p = seen.get(id);
    if (!p) {
      const c = client(n.adapter, n.database);
      const d = dialectOf(n.adapter);
      const { schema, table } = tableParts(d, n.table);
      p = c
        ? c.query<{ column_name: string }>('layout', d.columnsSql, [schema ?? null, table]).then(
            (rows) => new Set(rows.map((r) => r.column_name)),
            (err: unknown) => {
              logger.warn(
                { [n.adapter]: n.database, table: n.table, err: err instanceof Error ? err.message : String(err) },
                'database unreachable: table layout not checked',
              );
              return undefined;
            },
          )
        : Promise.resolve(undefined);
      seen.set(id, p);
    }
    return p;
  };
  const problems: PairecError[] = [];
  for (const n of needs) {
    const d = dialectOf(n.adapter);
    const cols = await columnsOf(n);
    if (!cols) continue;
    if (cols.size === 0) {
      problems.push(
        new PairecError('ERR_CONFIG_INVALID', `${n.path}: table "${n.table}" does not exist in ${n.adapter} "${n.database}" (${n.use})`, { path: n.path }),
      );
      continue;
    }
    for (const c of n.columns) {
      if (!cols.has(d.fold(c))) {
        problems.push(
          new PairecError(
            'ERR_CONFIG_INVALID',
            `${n.path}: table "${n.table}" has no column "${d.fold(c)}" (${n.use} needs ${n.columns.map(d.fold).join(', ')})`,
            { path: n.path },
          ),
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
