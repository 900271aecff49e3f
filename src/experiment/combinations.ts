import type { ABTestConf } from '../config/experiment-schema.js';
import type { CompiledLayer, LayerOutcome } from './layout.js';
import { mergeParams } from './params.js';
import type { MergedParams } from './params.js';

/** Combinations of outcomes one scene may see; beyond this the config is refused (each is compiled at load). */
export const MAX_COMBINATIONS = 1024;

/**
 * A scene's layers as a mixed-radix number: outcome 0 of a layer is "no group", then
 * for each group its base and its experiments. A request's combination is then one
 * integer, its pipeline one array read: no string is built on the hot path.
 */
export interface SceneLayers {
  readonly layers: readonly CompiledLayer[];
  readonly strides: readonly number[];
  /** Per layer, the first outcome index of each group. */
  readonly offsets: readonly (readonly number[])[];
  readonly combinations: number;
}

export function sceneLayers(all: readonly CompiledLayer[], scene: string): SceneLayers | undefined {
  const layers = all.filter((l) => l.scenes === undefined || l.scenes.has(scene));
  if (layers.length === 0) return undefined;
  const strides: number[] = [];
  const offsets: number[][] = [];
  let combinations = 1;
  for (const layer of layers) {
    const offs: number[] = [];
    let n = 1;
    for (const g of layer.groups) {
      offs.push(n);
      n += 1 + g.experiments.length;
    }
    strides.push(combinations);
    offsets.push(offs);
    combinations *= n;
  }
  return { layers, strides, offsets, combinations };
}

/** The combination index of one outcome per layer. */
export function combinationOf(s: SceneLayers, outcomes: readonly LayerOutcome[]): number {
  let k = 0;
  outcomes.forEach((o, i) => {
    if (o.group >= 0) k += (s.strides[i] as number) * ((s.offsets[i]?.[o.group] as number) + 1 + o.experiment);
  });
  return k;
}

/** The outcomes of combination `k`. */
export function outcomesOf(s: SceneLayers, k: number): LayerOutcome[] {
  return s.layers.map((layer, i) => {
    const digit = Math.floor(k / (s.strides[i] as number)) % ((s.strides[i + 1] ?? s.combinations) / (s.strides[i] as number));
    if (digit === 0) return { group: -1, experiment: -1 };
    const offs = s.offsets[i] as readonly number[];
    let g = offs.length - 1;
    while ((offs[g] as number) > digit) g--;
    return { group: g, experiment: digit - (offs[g] as number) - 1 };
  });
}

/**
 * PaiRec's experiment_id of a combination: "ER<room>" then, per layer with a group,
 * "_L<layer>#EG<group>" and "#E<experiment>" when one matched (ER1_L1#EG1#E2_L2#EG3).
 * "" when no layer had a group for the request.
 */
export function experimentId(conf: ABTestConf, s: SceneLayers, outcomes: readonly LayerOutcome[]): string {
  let id = '';
  outcomes.forEach((o, i) => {
    const layer = s.layers[i] as CompiledLayer;
    const group = layer.groups[o.group];
    if (!group) return;
    id += `_L${layer.layerId}#EG${group.groupId}`;
    const exp = group.experiments[o.experiment];
    if (exp) id += `#E${exp.experimentId}`;
  });
  return id === '' ? '' : `ER${conf.ExpRoomId}${id}`;
}

/** The parameters of a combination, layer by layer, group before experiment. */
export function paramsOf(s: SceneLayers, outcomes: readonly LayerOutcome[]): MergedParams {
  const sources: { params: MergedParams['params']; path: string }[] = [];
  outcomes.forEach((o, i) => {
    const group = s.layers[i]?.groups[o.group];
    if (!group) return;
    sources.push({ params: group.params, path: group.paramsPath });
    const exp = group.experiments[o.experiment];
    if (exp) sources.push({ params: exp.params, path: exp.paramsPath });
  });
  return mergeParams(sources);
}
