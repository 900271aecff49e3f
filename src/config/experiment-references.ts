import { PairecError } from '../errors.js';
import type { Config } from './schema.js';
import type { ConfigVocabulary } from './validate.js';
import { checkReferences } from './references.js';
import { compileLayout } from '../experiment/layout.js';
import type { LayoutProblem } from '../experiment/layout.js';
import { MAX_COMBINATIONS, experimentId, outcomesOf, paramsOf, sceneLayers } from '../experiment/combinations.js';
import type { MergedParams } from '../experiment/params.js';
import { isEmpty, sceneConfig } from '../experiment/params.js';

const problem = (path: string, message: string): PairecError => new PairecError('ERR_CONFIG_INVALID', `${path}: ${message}`, { path });

function unique(values: readonly { id: number; path: string }[], what: string, problems: LayoutProblem[]): void {
  const seen = new Map<number, string>();
  for (const { id, path } of values) {
    const other = seen.get(id);
    if (other !== undefined) problems.push({ path, message: `${what} ${id} is already used at ${other}` });
    else seen.set(id, path);
  }
}

/**
 * A problem of the one-scene config an experiment combination runs, moved to the
 * parameter that caused it: `$.RankConf.home.RankAlgoList[0]` becomes
 * `…Experiments[1].Params.RankConf.RankAlgoList[0]`.
 */
function moved(err: PairecError, scene: string, merged: MergedParams, combination: string): PairecError {
  const path = err.path ?? '$';
  const rules: [string, keyof MergedParams['params']][] = [
    [`$.RankConf.${scene}`, 'RankConf'],
    [`$.FilterNames.${scene}`, 'FilterNames'],
    [`$.SortNames.${scene}`, 'SortNames'],
  ];
  const detail = err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message;
  const tail = (prefix: string): string | undefined =>
    path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`) ? path.slice(prefix.length) : undefined;
  for (const [prefix, key] of rules) {
    const rest = tail(prefix);
    const from = merged.from[key];
    if (rest !== undefined && from !== undefined) return problem(`${from}.${key}${rest}`, `${detail} (scene ${scene}, ${combination})`);
  }
  const scenePath = /^\$\.SceneConfs\.[^.]+\.[^.]+\.(RecallNames|BackfillRecall|FallbackConfig)(.*)$/.exec(path);
  const key = scenePath?.[1] as 'RecallNames' | 'BackfillRecall' | 'FallbackConfig' | undefined;
  const from = key && merged.from[key];
  if (key && from) return problem(`${from}.${key}${scenePath?.[2] ?? ''}`, `${detail} (scene ${scene}, ${combination})`);
  return problem('$.ABTestConf', `${combination} in scene ${scene}: ${path}: ${detail}`);
}

/**
 * ABTestConf at load: the layout (buckets, debug users, filters), unique ids, scenes that
 * exist, and every combination of experiments a scene can see checked as the scene's own
 * config is (algorithms of the right kind, recalls, filters, sorts, RankScore), each
 * problem at the JSON path of the parameter at fault.
 */
export function checkExperiments(config: Config, vocab: ConfigVocabulary, problems: PairecError[]): void {
  const conf = config.ABTestConf;
  if (!conf) return;
  const layout: LayoutProblem[] = [];
  const layers = compileLayout(conf, layout);
  const groups: { id: number; path: string }[] = [];
  const experiments: { id: number; path: string }[] = [];
  conf.Layers.forEach((l, li) => {
    l.Scenes?.forEach((s, si) => {
      if (!Object.hasOwn(config.SceneConfs, s)) layout.push({ path: `$.ABTestConf.Layers[${li}].Scenes[${si}]`, message: `scene "${s}" is not in SceneConfs` });
    });
    l.ExperimentGroups.forEach((g, gi) => {
      const gp = `$.ABTestConf.Layers[${li}].ExperimentGroups[${gi}]`;
      groups.push({ id: g.ExpGroupId, path: `${gp}.ExpGroupId` });
      g.Experiments.forEach((e, ei) => experiments.push({ id: e.ExperimentId, path: `${gp}.Experiments[${ei}].ExperimentId` }));
    });
  });
  unique(
    conf.Layers.map((l, i) => ({ id: l.LayerId, path: `$.ABTestConf.Layers[${i}].LayerId` })),
    'LayerId',
    layout,
  );
  unique(groups, 'ExpGroupId', layout);
  unique(experiments, 'ExperimentId', layout);
  for (const p of layout) problems.push(problem(p.path, p.message));
  if (layout.length > 0) return;
  const seen = new Set<string>();
  for (const scene of Object.keys(config.SceneConfs)) {
    const s = sceneLayers(layers, scene);
    if (!s) continue;
    if (s.combinations > MAX_COMBINATIONS) {
      problems.push(problem('$.ABTestConf.Layers', `scene ${scene} can see ${s.combinations} combinations of experiments, more than ${MAX_COMBINATIONS}`));
      continue;
    }
    const checked = new Set<string>();
    for (let k = 0; k < s.combinations; k++) {
      const outcomes = outcomesOf(s, k);
      const merged = paramsOf(s, outcomes);
      const key = JSON.stringify(merged.params);
      if (isEmpty(merged.params) || checked.has(key)) continue;
      checked.add(key);
      const derived = sceneConfig(config, scene, merged.params);
      const found: PairecError[] = [];
      if (merged.params.RankConf && !config.RankConf[scene] && !merged.params.RankConf.RankAlgoList) {
        found.push(problem(`${merged.from.RankConf ?? '$.ABTestConf'}.RankConf.RankAlgoList`, `required: scene ${scene} has no RankConf of its own`));
      } else {
        checkReferences(derived, vocab, found);
      }
      const combination = `experiment ${experimentId(conf, s, outcomes)}`;
      for (const err of found) {
        const m = moved(err, scene, merged, combination);
        // One line per path: the first combination (fewest layers matched) shows it.
        const at = m.path === '$.ABTestConf' ? m.message : (m.path ?? m.message);
        if (seen.has(at)) continue;
        seen.add(at);
        problems.push(m);
      }
    }
  }
}
