import { PairecError } from '../errors.js';
import type { AlgorithmKind } from '../algorithm/contract.js';
import type { Config } from './schema.js';
import { PAIREC_FILTER_TYPES, PAIREC_RECALL_TYPES, PAIREC_SORT_TYPES } from './pairec-names.js';
import type { ConfigVocabulary } from './validate.js';
import { compileExpression } from '../expression/expression.js';
import { checkPipelineReferences } from './pipeline-references.js';
import { checkDatabaseReferences } from './database-references.js';

/** Names a RankScore may use: `algo` (its score) or `algo.key` (a score map entry). */
export function rankVariable(algos: readonly string[]): (name: string) => boolean {
  const set = new Set(algos);
  return (name) => set.has(name) || [...set].some((a) => name.startsWith(`${a}.`) && name.length > a.length + 1);
}

const problem = (path: string, message: string, code: 'ERR_CONFIG_INVALID' | 'ERR_CONFIG_NOT_SUPPORTED' = 'ERR_CONFIG_INVALID') =>
  new PairecError(code, `${path}: ${message}`, { path });

function unique(names: readonly string[], at: string, problems: PairecError[]): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) problems.push(problem(`${at}[${i}].Name`, `duplicate name "${n}"`));
    seen.add(n);
  });
}

function typeProblem(path: string, kind: string, value: string, pairecTypes: readonly string[]): PairecError {
  return pairecTypes.includes(value)
    ? problem(path, `PaiRec ${kind} "${value}" is not supported yet`, 'ERR_CONFIG_NOT_SUPPORTED')
    : problem(path, `"${value}" is not a known ${kind}`);
}

/** Cross-references: every name the config uses is defined, of the right kind, once. */
export function checkReferences(config: Config, vocab: ConfigVocabulary, problems: PairecError[], unsound?: WeakSet<object>): void {
  for (const block of ['AlgoConfs', 'RecallConfs', 'SortConfs', 'FilterConfs'] as const) {
    unique(
      config[block].map((e) => e.Name),
      `$.${block}`,
      problems,
    );
  }
  config.FilterConfs.forEach((f, i) => {
    if (!vocab.filterTypes.has(f.FilterType)) {
      problems.push(typeProblem(`$.FilterConfs[${i}].FilterType`, 'filter type', f.FilterType, PAIREC_FILTER_TYPES));
    }
  });

  const kinds = new Map<string, AlgorithmKind>(vocab.customAlgorithms);
  let needsCatalog = false;
  for (const a of config.AlgoConfs) {
    const def = vocab.algorithms.getType(a.Type);
    if (def) kinds.set(a.Name, def.kind);
    if (def?.usesCatalog) needsCatalog = true;
  }
  const needKind = (path: string, name: string | undefined, kind: AlgorithmKind): void => {
    if (name === undefined) {
      problems.push(problem(path, `required: the name of a ${kind} algorithm`));
    } else if (!kinds.has(name)) {
      problems.push(problem(path, `no algorithm named "${name}" in AlgoConfs`));
    } else if (kinds.get(name) !== kind) {
      problems.push(problem(path, `algorithm "${name}" is a ${kinds.get(name) ?? '?'} algorithm, a ${kind} algorithm is needed`));
    }
  };

  config.RecallConfs.forEach((r, i) => {
    const info = vocab.recallTypes.get(r.RecallType);
    if (!info) {
      problems.push(typeProblem(`$.RecallConfs[${i}].RecallType`, 'recall type', r.RecallType, PAIREC_RECALL_TYPES));
      return;
    }
    if (info.usesCatalog || info.readsCatalog?.(r)) needsCatalog = true;
    if (info.algorithmKind) needKind(`$.RecallConfs[${i}].AlgoName`, r.AlgoName, info.algorithmKind);
    else if (r.AlgoName !== undefined) problems.push(problem(`$.RecallConfs[${i}].AlgoName`, `${r.RecallType} takes no algorithm`));
  });
  config.SortConfs.forEach((s, i) => {
    if (!vocab.sortTypes.has(s.SortType)) {
      problems.push(typeProblem(`$.SortConfs[${i}].SortType`, 'sort type', s.SortType, PAIREC_SORT_TYPES));
    }
  });

  const scenes = new Set(Object.keys(config.SceneConfs));
  const recalls = new Set(config.RecallConfs.map((r) => r.Name));
  for (const [scene, categories] of Object.entries(config.SceneConfs)) {
    for (const [category, conf] of Object.entries(categories)) {
      conf.RecallNames.forEach((n, i) => {
        if (!recalls.has(n)) {
          problems.push(problem(`$.SceneConfs.${scene}.${category}.RecallNames[${i}]`, `no recall named "${n}" in RecallConfs`));
        }
      });
      if (conf.BackfillRecall !== undefined && !recalls.has(conf.BackfillRecall)) {
        problems.push(problem(`$.SceneConfs.${scene}.${category}.BackfillRecall`, `no recall named "${conf.BackfillRecall}" in RecallConfs`));
      }
    }
  }
  const sceneKey = (block: string, scene: string): boolean => {
    if (scenes.has(scene)) return true;
    problems.push(problem(`$.${block}.${scene}`, `scene "${scene}" is not in SceneConfs`));
    return false;
  };
  for (const [scene, rank] of Object.entries(config.RankConf)) {
    if (!sceneKey('RankConf', scene)) continue;
    rank.RankAlgoList.forEach((n, i) => needKind(`$.RankConf.${scene}.RankAlgoList[${i}]`, n, 'score'));
    if (rank.RankScore !== undefined) {
      try {
        compileExpression(rank.RankScore, rankVariable(rank.RankAlgoList));
      } catch (err) {
        problems.push(problem(`$.RankConf.${scene}.RankScore`, err instanceof Error ? err.message : String(err)));
      }
    }
  }
  const sorts = new Set([...config.SortConfs.map((s) => s.Name), ...vocab.sortTypes.types().map((t) => t.type)]);
  for (const [scene, names] of Object.entries(config.SortNames)) {
    if (!sceneKey('SortNames', scene)) continue;
    names.forEach((n, i) => {
      if (!sorts.has(n)) problems.push(typeProblem(`$.SortNames.${scene}[${i}]`, 'sort', n, PAIREC_SORT_TYPES));
    });
  }
  const filters = new Set([...config.FilterConfs.map((f) => f.Name), ...vocab.filterTypes.types().map((t) => t.type)]);
  for (const [scene, names] of Object.entries(config.FilterNames)) {
    if (!sceneKey('FilterNames', scene)) continue;
    names.forEach((n, i) => {
      if (!filters.has(n)) problems.push(typeProblem(`$.FilterNames.${scene}[${i}]`, 'filter', n, PAIREC_FILTER_TYPES));
    });
  }
  checkRedisReferences(config, sceneKey, problems);
  checkDatabaseReferences(config, problems);
  // Expression filters, rule sorts, fallback lists (config/pipeline-references.ts).
  checkPipelineReferences(config, vocab, problems, { unsound });
  if (needsCatalog && config.CatalogConf === undefined) {
    problems.push(problem('$.CatalogConf', 'required: an algorithm or recall in this config reads the catalog'));
  }
}

/** Every RedisName (exposure filters, feature loaders) names a RedisConfs entry. */
function checkRedisReferences(config: Config, sceneKey: (block: string, scene: string) => boolean, problems: PairecError[]): void {
  const redis = new Set(Object.keys(config.RedisConfs));
  const needRedis = (path: string, name: string | undefined): void => {
    if (name === undefined) problems.push(problem(path, 'required: the name of a RedisConfs entry'));
    else if (!redis.has(name)) problems.push(problem(path, `no Redis named "${name}" in RedisConfs`));
  };
  config.FilterConfs.forEach((f, i) => {
    if (f.DaoConf?.AdapterType === 'redis') needRedis(`$.FilterConfs[${i}].DaoConf.RedisName`, f.DaoConf.RedisName);
  });
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    if (!sceneKey('FeatureConfs', scene)) continue;
    conf.FeatureLoadConfs.forEach((l, i) => {
      const at = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf`;
      if (l.FeatureDaoConf.AdapterType === 'redis') needRedis(`${at}.RedisName`, l.FeatureDaoConf.RedisName);
      else if (l.FeatureDaoConf.AdapterType === 'file' && l.FeatureDaoConf.FilePath === undefined)
        problems.push(problem(`${at}.FilePath`, 'required by AdapterType "file"'));
    });
  }
}
