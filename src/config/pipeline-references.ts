import { ConfigError, PairecError } from '../errors.js';
import type { StageCheck, StageTypeInfo } from '../types/stage-type.js';
import type { TypeLookup } from '../types/type-registry.js';
import { knownItemFields } from './item-field-names.js';
import { requiredKeysOf } from '../types/stage-type.js';
import { selectList } from './database-schema.js';
import type { Config } from './schema.js';
import type { ConfigVocabulary } from './validate.js';

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

/** Item feature names FeatureConfs loads anywhere (declared Fields and Defaults): conditions, boosts and rules may name them. */
function loadedItemFeatures(config: Config): string[] {
  const names = new Set<string>();
  for (const conf of Object.values(config.FeatureConfs)) {
    for (const { FeatureDaoConf: d } of conf.FeatureLoadConfs) {
      if (d.FeatureStore !== 'item') continue;
      const selected = selectList(d.ItemSelectFields ?? '*')?.map((c) => c.name) ?? [];
      for (const n of [...(d.Fields ?? []), ...Object.keys(d.Defaults), ...selected]) names.add(n);
    }
  }
  return [...names];
}

/**
 * The field names of the filters and sorts checked against a loaded file catalog's
 * columns: a misspelt `status` would otherwise match no item and drop them all, silently.
 */
export function checkFileCatalogFields(config: Config, vocab: ConfigVocabulary, fields: readonly string[]): void {
  const problems: PairecError[] = [];
  checkPipelineReferences(config, vocab, problems, { fileFields: fields });
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Runs each entry's type check (StageTypeInfo.check) with what it may ask. */
function checkEntries<C extends object>(
  entries: readonly C[],
  block: string,
  typeOf: (c: C) => string,
  types: TypeLookup<StageTypeInfo<C>>,
  base: Omit<StageCheck, 'at' | 'knownField'> & { readonly skip: WeakSet<object> | undefined },
  fields: (declared: readonly string[]) => (name: string) => boolean,
): void {
  entries.forEach((c, i) => {
    const check = types.get(typeOf(c))?.check;
    if (!check || base.skip?.has(c)) return;
    // Filters and sorts may declare Fields beyond the catalog's; recalls read no item fields.
    const declared = (c as { readonly Fields?: readonly string[] }).Fields ?? [];
    check(c, { ...base, at: `$.${block}[${i}]`, knownField: fields(declared) });
  });
}

/**
 * The pipeline's cross-references at config load: each recall, filter and sort entry
 * passes its type's own check (expressions parse within their limits and name known
 * fields, rules name configured recalls, DAOs configured connections); a type that
 * requires keys is not named bare in FilterNames / SortNames; a FallbackConfig has a
 * catalog to build its list from.
 */
export function checkPipelineReferences(
  config: Config,
  vocab: ConfigVocabulary,
  problems: PairecError[],
  opts: {
    /** A loaded file catalog's columns: only the field checks run again, against them. */
    readonly fileFields?: readonly string[];
    /** Entries refused for their own keys: their type's checks are skipped. */
    readonly unsound?: WeakSet<object>;
  } = {},
): void {
  const { fileFields, unsound } = opts;
  const loaded = loadedItemFeatures(config);
  const fields = (declared: readonly string[]) => knownItemFields(config.CatalogConf, [...loaded, ...declared], fileFields);
  const base = {
    skip: unsound,
    recalls: new Set(config.RecallConfs.map((r) => r.Name)),
    sorts: new Set([
      ...config.SortConfs.map((s) => s.Name),
      ...vocab.sortTypes
        .types()
        .filter((t) => requiredKeysOf(t.keys).length === 0)
        .map((t) => t.type),
    ]),
    redis: new Set(Object.keys(config.RedisConfs)),
    hologres: new Set(Object.keys(config.HologresConfs)),
    mysql: new Set(Object.keys(config.MysqlConfs)),
    problem: (path: string, message: string) => problems.push(problem(path, message)),
  };
  // A file catalog's fields are checked again once it is read: only the field checks matter then.
  if (fileFields === undefined) checkEntries(config.RecallConfs, 'RecallConfs', (r) => r.RecallType, vocab.recallTypes, base, fields);
  checkEntries(config.FilterConfs, 'FilterConfs', (f) => f.FilterType, vocab.filterTypes, base, fields);
  checkEntries(config.SortConfs, 'SortConfs', (s) => s.SortType, vocab.sortTypes, base, fields);
  if (fileFields !== undefined) return;
  const bare = (block: 'FilterNames' | 'SortNames', types: TypeLookup<StageTypeInfo<never>>, defined: ReadonlySet<string>): void => {
    for (const [scene, names] of Object.entries(config[block])) {
      names.forEach((n, i) => {
        const def = defined.has(n) ? undefined : types.get(n);
        if (def && requiredKeysOf(def.keys).length > 0)
          problems.push(problem(`$.${block}.${scene}[${i}]`, `${n} needs an entry with its keys, not the bare type name`));
      });
    }
  };
  circles(config.SortConfs, vocab.sortTypes, (s) => s.SortType, 'SortConfs', problems, unsound);
  bare('FilterNames', vocab.filterTypes, new Set(config.FilterConfs.map((f) => f.Name)));
  bare('SortNames', vocab.sortTypes, new Set(config.SortConfs.map((s) => s.Name)));
  for (const [scene, categories] of Object.entries(config.SceneConfs)) {
    for (const [category, conf] of Object.entries(categories)) {
      if (conf.FallbackConfig && config.CatalogConf === undefined) {
        problems.push(problem(`$.SceneConfs.${scene}.${category}.FallbackConfig`, 'needs CatalogConf: the fallback list is built from the catalog'));
      }
    }
  }
}

/** Entries that run others of their kind (StageTypeInfo.runs) must not reach themselves: the first circle found is named. */
function circles<C extends { readonly Name: string }>(
  entries: readonly C[],
  types: TypeLookup<StageTypeInfo<C>>,
  typeOf: (c: C) => string,
  block: string,
  problems: PairecError[],
  unsound: WeakSet<object> | undefined,
): void {
  const runs = new Map<string, readonly string[]>();
  for (const c of entries) runs.set(c.Name, unsound?.has(c) ? [] : (types.get(typeOf(c))?.runs?.(c) ?? []));
  const done = new Set<string>();
  const walk = (name: string, path: readonly string[]): boolean => {
    if (path.includes(name)) {
      problems.push(
        problem(`$.${block}[${entries.findIndex((c) => c.Name === name)}]`, `runs itself through ${[...path.slice(path.indexOf(name)), name].join(' → ')}`),
      );
      return true;
    }
    if (done.has(name)) return false;
    done.add(name);
    return (runs.get(name) ?? []).some((n) => walk(n, [...path, name]));
  };
  for (const c of entries) if (walk(c.Name, [])) return;
}
