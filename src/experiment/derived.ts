import type { Config } from '../config/schema.js';
import { compileLayout } from './layout.js';
import type { LayoutProblem } from './layout.js';
import { outcomesOf, paramsOf, sceneLayers } from './combinations.js';
import { isEmpty, sceneConfig } from './params.js';

const cache = new WeakMap<Config, readonly Config[]>();

/**
 * The one-scene configs a validated config's experiments run (one per distinct set of
 * parameters), for the rules that read the config as a whole to see experiment
 * pipelines too: a run queue sized for the scene's own rank must also hold an arm's.
 */
export function experimentConfigs(config: Config): readonly Config[] {
  const cached = cache.get(config);
  if (cached) return cached;
  const out: Config[] = [];
  const conf = config.ABTestConf;
  if (conf?.Enabled) {
    const problems: LayoutProblem[] = [];
    const layout = compileLayout(conf, problems);
    for (const scene of problems.length === 0 ? Object.keys(config.SceneConfs) : []) {
      const s = sceneLayers(layout, scene);
      if (!s) continue;
      const seen = new Set<string>();
      for (let k = 0; k < s.combinations; k++) {
        const { params } = paramsOf(s, outcomesOf(s, k));
        const key = JSON.stringify(params);
        if (isEmpty(params) || seen.has(key)) continue;
        seen.add(key);
        out.push(sceneConfig(config, scene, params));
      }
    }
  }
  cache.set(config, out);
  return out;
}
