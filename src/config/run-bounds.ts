import type { Config } from './schema.js';
import { experimentConfigs } from '../experiment/derived.js';

/**
 * The most runs one request can make of a score algorithm: rank splits a scene's
 * candidates into batches of `BatchCount` and runs every batch at once, once per time the
 * algorithm appears in `RankAlgoList`; the candidates are at most the sum of `RecallCount`
 * over the recalls of one category. The most over every scene and category that ranks
 * with it, experiment arms included (ABTestConf: another RankAlgoList, BatchCount or
 * RecallCount); 1 when none does (it is still called, by code, at least once).
 */
export function runsPerRequest(config: Config, algorithmName: string): number {
  return Math.max(runsInConfig(config, algorithmName), ...experimentConfigs(config).map((c) => runsInConfig(c, algorithmName)));
}

function runsInConfig(config: Config, algorithmName: string): number {
  const recallCount = new Map(config.RecallConfs.map((r) => [r.Name, r.RecallCount]));
  let most = 1;
  for (const [scene, rank] of Object.entries(config.RankConf)) {
    const uses = rank.RankAlgoList.filter((n) => n === algorithmName).length;
    if (uses === 0) continue;
    for (const category of Object.values(config.SceneConfs[scene] ?? {})) {
      const candidates = category.RecallNames.reduce((sum, n) => sum + (recallCount.get(n) ?? 0), 0);
      most = Math.max(most, uses * Math.ceil(candidates / rank.BatchCount));
    }
  }
  return most;
}

/**
 * Runs of one algorithm that admitted requests can have outstanding at once:
 * `performance.max_concurrent_requests` × the runs one request makes of it. A run queue
 * sized to this never turns away work that admission let in (ONNX's default MaxQueue).
 */
export function runsInFlight(config: Config, algorithmName: string): number {
  return config.performance.max_concurrent_requests * runsPerRequest(config, algorithmName);
}
