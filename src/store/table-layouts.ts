import type { Logger } from 'pino';
import { ConfigError, PairecError } from '../errors.js';
import type { Config } from '../config/schema.js';
import { selectColumns } from '../config/database-schema.js';
import type { HologresClient } from './hologres.js';
import { folded, tableParts } from './sql-names.js';

/** A table a config reads or writes, and the columns it needs (PaiRec's layouts). */
export interface TableNeed {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** JSON path of the HologresTableName that names it. */
  readonly path: string;
  /** What the table is for, in the message. */
  readonly use: string;
}

/** Every Hologres table of a validated config and the columns each use needs. */
export function tableNeeds(config: Config): TableNeed[] {
  const out: TableNeed[] = [];
  config.FilterConfs.forEach((f, i) => {
    const d = f.DaoConf;
    if (d?.AdapterType !== 'hologres') return;
    out.push({ database: d.HologresName ?? '', table: d.HologresTableName ?? '', columns: ['uid', 'item', 'create_time'], path: `$.FilterConfs[${i}].DaoConf.HologresTableName`, use: 'exposure table' });
  });
  config.RecallConfs.forEach((r, i) => {
    const d = r.DaoConf;
    if (d?.AdapterType !== 'hologres') return;
    const key = r.RecallType === 'UserGroupHotRecall' ? 'trigger_id' : 'user_id';
    out.push({ database: d.HologresName ?? '', table: d.HologresTableName ?? '', columns: [key, 'item_ids'], path: `$.RecallConfs[${i}].DaoConf.HologresTableName`, use: `${r.RecallType} table` });
  });
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    conf.FeatureLoadConfs.forEach(({ FeatureDaoConf: d }, i) => {
      if (d.AdapterType !== 'hologres') return;
      const user = d.FeatureStore === 'user';
      const key = (user ? d.UserFeatureKeyName : d.ItemFeatureKeyName) ?? '';
      const cols = selectColumns((user ? d.UserSelectFields : d.ItemSelectFields) ?? '*') ?? [];
      const path = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.HologresTableName`;
      out.push({ database: d.HologresName ?? '', table: d.HologresTableName ?? '', columns: [key, ...cols], path, use: `${d.FeatureStore} feature table` });
    });
  }
  return out;
}

const COLUMNS_SQL =
  'SELECT column_name FROM information_schema.columns WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2';

/**
 * Checks each table's columns in information_schema before the config serves: a missing
 * table or column rejects the config, naming the table, the column and the JSON path. A
 * database that cannot be reached is not checked (warned): like Redis down, it must not
 * keep a config from loading; its queries fail, counted, until it is back.
 */
export async function checkTableLayouts(config: Config, client: (name: string) => HologresClient | undefined, logger: Logger): Promise<void> {
  const needs = tableNeeds(config);
  if (needs.length === 0) return;
  const seen = new Map<string, Promise<Set<string> | undefined>>();
  const columnsOf = (n: TableNeed): Promise<Set<string> | undefined> => {
    const id = `${n.database}\u0000${n.table}`;
    let p = seen.get(id);
    if (!p) {
      const c = client(n.database);
      const { schema, table } = tableParts(n.table);
      p = c
        ? c.query<{ column_name: string }>('layout', COLUMNS_SQL, [schema ?? null, table]).then(
            (rows) => new Set(rows.map((r) => r.column_name)),
            (err: unknown) => {
              logger.warn({ hologres: n.database, table: n.table, err: err instanceof Error ? err.message : String(err) }, 'hologres unreachable: table layout not checked');
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
    const cols = await columnsOf(n);
    if (!cols) continue;
    if (cols.size === 0) {
      problems.push(new PairecError('ERR_CONFIG_INVALID', `${n.path}: table "${n.table}" does not exist in Hologres "${n.database}" (${n.use})`, { path: n.path }));
      continue;
    }
    for (const c of n.columns) {
      if (!cols.has(folded(c))) {
        problems.push(new PairecError('ERR_CONFIG_INVALID', `${n.path}: table "${n.table}" has no column "${folded(c)}" (${n.use} needs ${n.columns.map(folded).join(', ')})`, { path: n.path }));
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
