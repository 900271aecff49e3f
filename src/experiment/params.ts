import type { Config } from '../config/schema.js';
import type { ExperimentParams } from '../config/experiment-schema.js';

type Key = keyof ExperimentParams;

/** Merged parameters, and for each key the JSON path of the Params that set it last (for messages). */
export interface MergedParams {
  readonly params: ExperimentParams;
  readonly from: Readonly<Partial<Record<Key, string>>>;
}

/**
 * Layers in order, a group's Params then its experiment's: a later one overrides an
 * earlier one key by key; RecallCounts and RankConf merge entry by entry.
 */
export function mergeParams(sources: readonly { params: ExperimentParams; path: string }[]): MergedParams {
  const out: Record<string, unknown> = {};
  const from: Partial<Record<Key, string>> = {};
  for (const { params, path } of sources) {
    for (const key of Object.keys(params) as Key[]) {
      const value = params[key];
      if (value === undefined) continue;
      out[key] = key === 'RecallCounts' || key === 'RankConf' ? { ...(out[key] as object | undefined), ...(value as object) } : value;
      from[key] = path;
    }
  }
  return { params: out as ExperimentParams, from };
}

export const isEmpty = (p: ExperimentParams): boolean => Object.keys(p).length === 0;

/**
 * The config one scene runs under these parameters: the scene alone (what its own
 * blocks say), with the parameters written over it. Validated and compiled like the
 * config itself, so an experiment is checked and built exactly as a scene is.
 */
export function sceneConfig(config: Config, scene: string, p: ExperimentParams): Config {
  const only = <T>(block: Readonly<Record<string, T>>): Record<string, T> => (Object.hasOwn(block, scene) ? { [scene]: block[scene] as T } : {});
  const categories = Object.fromEntries(
    Object.entries(config.SceneConfs[scene] ?? {}).map(([category, conf]) => [
      category,
      {
        ...conf,
        ...(p.RecallNames ? { RecallNames: p.RecallNames } : {}),
        ...(p.FallbackConfig ? { FallbackConfig: p.FallbackConfig } : {}),
        ...(p.BackfillRecall !== undefined ? { BackfillRecall: p.BackfillRecall } : {}),
      },
    ]),
  );
  const rank = config.RankConf[scene];
  const rankConf = only(config.RankConf);
  if (p.RankConf) {
    // A scene without RankConf gets one from the parameters alone; validation asks for RankAlgoList then.
    rankConf[scene] = { ...(rank ?? { RankAlgoList: [], BatchCount: 100 }), ...p.RankConf };
  }
  const counts = p.RecallCounts;
  const derived: Config = {
    ...config,
    SceneConfs: { [scene]: categories },
    RankConf: rankConf,
    FilterNames: p.FilterNames ? { [scene]: p.FilterNames } : only(config.FilterNames),
    SortNames: p.SortNames ? { [scene]: p.SortNames } : only(config.SortNames),
    FeatureConfs: only(config.FeatureConfs),
    RecallConfs: counts
      ? config.RecallConfs.map((r) => (counts[r.Name] === undefined ? r : { ...r, RecallCount: counts[r.Name] as number }))
      : config.RecallConfs,
  };
  // The derived config is one scene's: it has no experiments of its own.
  delete derived.ABTestConf;
  return derived;
}
