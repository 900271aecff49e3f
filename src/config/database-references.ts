import { PairecError } from '../errors.js';
import type { Config } from './schema.js';

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

/**
 * Every Hologres or MySQL DAO (recall, exposure filter, feature loader) names a
 * HologresConfs / MysqlConfs entry and a table, and a recall's Redis DAO names its Redis. Columns are checked
 * against the database itself when the config is applied (store/table-layouts.ts).
 */
export function checkDatabaseReferences(config: Config, problems: PairecError[]): void {
  const holo = new Set(Object.keys(config.HologresConfs));
  const my = new Set(Object.keys(config.MysqlConfs));
  type Dao = {
    AdapterType?: string;
    HologresName?: string | undefined;
    HologresTableName?: string | undefined;
    MysqlName?: string | undefined;
    MysqlTable?: string | undefined;
  };
  const needHolo = (at: string, dao: Dao): void => {
    if (dao.AdapterType === 'mysql') {
      if (dao.MysqlName === undefined) problems.push(problem(`${at}.MysqlName`, 'required: the name of a MysqlConfs entry'));
      else if (!my.has(dao.MysqlName)) problems.push(problem(`${at}.MysqlName`, `no MySQL named "${dao.MysqlName}" in MysqlConfs`));
      if (dao.MysqlTable === undefined) problems.push(problem(`${at}.MysqlTable`, 'required by AdapterType "mysql"'));
      return;
    }
    if (dao.HologresName === undefined) problems.push(problem(`${at}.HologresName`, 'required: the name of a HologresConfs entry'));
    else if (!holo.has(dao.HologresName)) problems.push(problem(`${at}.HologresName`, `no Hologres named "${dao.HologresName}" in HologresConfs`));
    if (dao.HologresTableName === undefined) problems.push(problem(`${at}.HologresTableName`, 'required by AdapterType "hologres"'));
  };
  const isSql = (a: string | undefined): boolean => a === 'hologres' || a === 'mysql';
  config.FilterConfs.forEach((f, i) => {
    if (f.DaoConf && isSql(f.DaoConf.AdapterType)) needHolo(`$.FilterConfs[${i}].DaoConf`, f.DaoConf);
  });
  config.RecallConfs.forEach((r, i) => {
    const at = `$.RecallConfs[${i}].DaoConf`;
    if (r.DaoConf && isSql(r.DaoConf.AdapterType)) needHolo(at, r.DaoConf);
    else if (r.DaoConf?.AdapterType === 'redis' && r.DaoConf.RedisName === undefined) {
      problems.push(problem(`${at}.RedisName`, 'required: the name of a RedisConfs entry'));
    }
  });
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    conf.FeatureLoadConfs.forEach(({ FeatureDaoConf: d }, i) => {
      if (!isSql(d.AdapterType)) return;
      const at = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf`;
      needHolo(at, d);
      const user = d.FeatureStore === 'user';
      const want = user ? 'user:uid' : 'item:id';
      if (d.FeatureKey !== undefined && d.FeatureKey !== want) {
        problems.push(problem(`${at}.FeatureKey`, `a ${d.FeatureStore} feature table is keyed by "${want}"`));
      }
      const keyName = user ? 'UserFeatureKeyName' : 'ItemFeatureKeyName';
      if (d[keyName] === undefined) problems.push(problem(`${at}.${keyName}`, `required: the key column of a ${d.FeatureStore} feature table`));
    });
  }
}
