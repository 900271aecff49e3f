import type { Config } from '../config/schema.js';
import { PairecError } from '../errors.js';
import { formatOf } from './file-kind.js';

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

/** The keys that name where a side is read, by Source; a key of another source is a mistake, not ignored. */
const WHERE_KEYS = {
  file: ['Path'],
  hologres: ['HologresName', 'HologresTableName'],
  mysql: ['MysqlName', 'MysqlTable'],
} as const;

/**
 * Config-load checks of a catalog read from a team's data: Source "file" names its Items
 * with a Path whose extension a reader exists for; Source "hologres" / "mysql" names a
 * HologresConfs / MysqlConfs entry and a table. (Whether the file or table exists and its
 * rows are good is known only when it is read, at the catalog load of the same apply.)
 */
export function checkCatalogFiles(config: Config, problems: PairecError[]): void {
  const conf = config.CatalogConf;
  if (!conf || conf.Source === 'demo') return;
  const source = conf.Source;
  const want = WHERE_KEYS[source];
  if (!conf.Items) problems.push(problem('$.CatalogConf.Items', `Source "${source}" needs Items {${[...want, 'IdField', 'EmbeddingField'].join(', ')}}`));
  for (const side of ['Items', 'Users'] as const) {
    const s = conf[side];
    if (!s) continue;
    const at = `$.CatalogConf.${side}`;
    for (const [other, keys] of Object.entries(WHERE_KEYS)) {
      if (other === source) continue;
      for (const k of keys) if (s[k] !== undefined) problems.push(problem(`${at}.${k}`, `belongs to Source "${other}", not "${source}"`));
    }
    for (const k of want) if (s[k] === undefined) problems.push(problem(`${at}.${k}`, `required by Source "${source}"`));
    if (source === 'file') {
      if (s.VersionField !== undefined)
        problems.push(problem(`${at}.VersionField`, "only a table catalog has a version column (a file's identity is its version)"));
      if (s.Path === undefined) continue;
      try {
        formatOf(s.Path);
      } catch (err) {
        problems.push(problem(`${at}.Path`, (err as Error).message));
      }
      continue;
    }
    const [name, confs, confsKey] =
      source === 'hologres' ? [s.HologresName, config.HologresConfs, 'HologresConfs'] : [s.MysqlName, config.MysqlConfs, 'MysqlConfs'];
    if (name !== undefined && !Object.hasOwn(confs, name)) problems.push(problem(`${at}.${want[0]}`, `no entry "${name}" in ${confsKey}`));
  }
}
