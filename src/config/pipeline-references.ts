import { ConfigError, PairecError } from '../errors.js';
import { compileCondition } from '../expression/condition.js';
import { compileExpression } from '../expression/expression.js';
import { knownItemFields } from '../pipeline/item-fields.js';
import { selectList } from './database-schema.js';
import { paramProblem } from '../pipeline/filter/params.js';
import type { FilterParam } from './pipeline-schema.js';
import type { Config } from './schema.js';

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

/** Filter and sort types that need their own keys: a FilterConfs / SortConfs entry, never the bare type name. */
const FILTER_KEYS: Readonly<Record<string, 'FilterEvaluableExpression' | 'FilterParams' | 'UserBlacklist' | 'RetainNum' | 'AdjustCountConfs'>> = {
  AdjustCountFilter: 'RetainNum',
  PriorityAdjustCountFilter: 'AdjustCountConfs',
  ConditionFilter: 'FilterEvaluableExpression',
  ItemStateFilter: 'FilterParams',
  User2ItemCustomFilter: 'UserBlacklist',
};
const SORT_KEYS: Readonly<Record<string, 'DiversityRules' | 'BoostScoreConditions' | 'MixSortRules'>> = {
  DiversityRuleSort: 'DiversityRules',
  BoostScoreSort: 'BoostScoreConditions',
  MultiRecallMixSort: 'MixSortRules',
};

/** Recall types that need their own keys, and the keys each recall type may use beyond Name/RecallType/RecallCount/AlgoName/Timeout. */
const RECALL_NEEDS: Readonly<Record<string, 'DaoConf' | 'UserCollaborativeDaoConf'>> = {
  UserCustomRecall: 'DaoConf',
  ItemCollaborativeFilterRecall: 'UserCollaborativeDaoConf',
};
const RECALL_KEYS: Readonly<Record<'Triggers' | 'DaoConf' | 'UserCollaborativeDaoConf', readonly string[]>> = {
  Triggers: ['UserGroupHotRecall'],
  DaoConf: ['UserGroupHotRecall', 'UserCustomRecall'],
  UserCollaborativeDaoConf: ['ItemCollaborativeFilterRecall'],
};

/** Each recall has the keys its type needs, no key of another type, and names configured Redis connections. */
function checkRecalls(config: Config, problems: PairecError[]): void {
  const redis = new Set(Object.keys(config.RedisConfs));
  config.RecallConfs.forEach((r, i) => {
    const at = `$.RecallConfs[${i}]`;
    const needs = RECALL_NEEDS[r.RecallType];
    if (needs && r[needs] === undefined) problems.push(problem(`${at}.${needs}`, `required by ${r.RecallType}`));
    for (const [key, types] of Object.entries(RECALL_KEYS) as [keyof typeof RECALL_KEYS, readonly string[]][]) {
      if (r[key] !== undefined && !types.includes(r.RecallType)) problems.push(problem(`${at}.${key}`, `does not apply to ${r.RecallType}`));
    }
    for (const key of ['DaoConf', 'UserCollaborativeDaoConf'] as const) {
      const name = r[key]?.RedisName;
      if (name !== undefined && !redis.has(name)) problems.push(problem(`${at}.${key}.RedisName`, `no Redis named "${name}" in RedisConfs`));
    }
  });
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function checkParams(params: readonly FilterParam[], known: (n: string) => boolean, at: string, problems: PairecError[]): void {
  params.forEach((p, j) => {
    const why = paramProblem(p, known);
    if (why) problems.push(problem(`${at}[${j}]`, why));
  });
}

/**
 * PriorityAdjustCountFilter: every entry names a configured recall, once (PaiRec would take
 * the same items twice), and PaiRec's diversity quota (EnsureDiversity) is not supported.
 */
function checkAdjustCounts(f: Config['FilterConfs'][number], at: string, recalls: ReadonlySet<string>, problems: PairecError[]): void {
  if (f.EnsureDiversity) problems.push(problem(`${at}.EnsureDiversity`, 'not supported: it needs PaiRec\'s DiversityDaoConf; use DiversityRuleSort for diversity'));
  const seen = new Set<string>();
  (f.AdjustCountConfs ?? []).forEach((c, j) => {
    const path = `${at}.AdjustCountConfs[${j}].RecallName`;
    if (!recalls.has(c.RecallName)) problems.push(problem(path, `no recall named "${c.RecallName}" in RecallConfs`));
    else if (seen.has(c.RecallName)) problems.push(problem(path, `"${c.RecallName}" is named twice: each recall contributes once`));
    seen.add(c.RecallName);
  });
}

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
export function checkFileCatalogFields(config: Config, fields: readonly string[]): void {
  const problems: PairecError[] = [];
  checkPipelineReferences(config, problems, fields);
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * Checks the keys of the expression and rule based filters and sorts at config load:
 * every expression parses within its limits and names only whitelisted fields and
 * functions; each type has the keys it needs; MixSortRules name configured recalls;
 * a FallbackConfig has a catalog to build its list from.
 */
export function checkPipelineReferences(config: Config, problems: PairecError[], fileFields?: readonly string[]): void {
  checkRecalls(config, problems);
  const loaded = loadedItemFeatures(config);
  const recalls = new Set(config.RecallConfs.map((r) => r.Name));
  config.FilterConfs.forEach((f, i) => {
    const at = `$.FilterConfs[${i}]`;
    const known = knownItemFields(config.CatalogConf, [...loaded, ...(f.Fields ?? [])], fileFields);
    const needs = FILTER_KEYS[f.FilterType];
    if (needs && f[needs] === undefined) problems.push(problem(`${at}.${needs}`, `required by ${f.FilterType}`));
    if (f.FilterEvaluableExpression !== undefined) {
      try {
        compileCondition(f.FilterEvaluableExpression, known);
      } catch (err) {
        problems.push(problem(`${at}.FilterEvaluableExpression`, message(err)));
      }
    }
    if (f.FilterParams) checkParams(f.FilterParams, known, `${at}.FilterParams`, problems);
    if (f.FilterType === 'PriorityAdjustCountFilter') checkAdjustCounts(f, at, recalls, problems);
  });
  config.SortConfs.forEach((s, i) => {
    const at = `$.SortConfs[${i}]`;
    const known = knownItemFields(config.CatalogConf, [...loaded, ...(s.Fields ?? [])], fileFields);
    const needs = SORT_KEYS[s.SortType];
    if (needs && s[needs] === undefined) problems.push(problem(`${at}.${needs}`, `required by ${s.SortType}`));
    s.DiversityRules?.forEach((r, j) =>
      r.Dimensions.forEach((d, k) => {
        if (!known(d)) problems.push(problem(`${at}.DiversityRules[${j}].Dimensions[${k}]`, `unknown field "${d}"`));
      }),
    );
    s.BoostScoreConditions?.forEach((b, j) => {
      try {
        compileExpression(b.Expression, known);
      } catch (err) {
        problems.push(problem(`${at}.BoostScoreConditions[${j}].Expression`, message(err)));
      }
      checkParams(b.Conditions, known, `${at}.BoostScoreConditions[${j}].Conditions`, problems);
    });
    s.MixSortRules?.forEach((r, j) => {
      if (r.MixStrategy === 'fix_position' && r.Positions === undefined) problems.push(problem(`${at}.MixSortRules[${j}].Positions`, 'required by fix_position'));
      r.RecallNames.forEach((n, k) => {
        if (!recalls.has(n)) problems.push(problem(`${at}.MixSortRules[${j}].RecallNames[${k}]`, `no recall named "${n}" in RecallConfs`));
      });
    });
  });
  const bare = (block: 'FilterNames' | 'SortNames', keys: Readonly<Record<string, string>>, defined: ReadonlySet<string>): void => {
    for (const [scene, names] of Object.entries(config[block])) {
      names.forEach((n, i) => {
        if (!defined.has(n) && Object.hasOwn(keys, n)) problems.push(problem(`$.${block}.${scene}[${i}]`, `${n} needs an entry with its keys, not the bare type name`));
      });
    }
  };
  bare('FilterNames', FILTER_KEYS, new Set(config.FilterConfs.map((f) => f.Name)));
  bare('SortNames', SORT_KEYS, new Set(config.SortConfs.map((s) => s.Name)));
  for (const [scene, categories] of Object.entries(config.SceneConfs)) {
    for (const [category, conf] of Object.entries(categories)) {
      if (conf.FallbackConfig && config.CatalogConf === undefined) {
        problems.push(problem(`$.SceneConfs.${scene}.${category}.FallbackConfig`, 'needs CatalogConf: the fallback list is built from the catalog'));
      }
    }
  }
}
