import { compileCondition } from '../expression/condition.js';
import type { Fields, Value } from '../expression/condition.js';
import type { RecommendRequest } from '../pipeline/context.js';
import type { ABTestConf, ExperimentParams, LayerConf } from '../config/experiment-schema.js';
import { bucketOf, parseBuckets } from './buckets.js';

/** A problem of the experiment layout, with the JSON path it is at. */
export interface LayoutProblem {
  readonly path: string;
  readonly message: string;
}

export interface CompiledExperiment {
  readonly experimentId: number;
  readonly params: ExperimentParams;
  readonly paramsPath: string;
}

export interface CompiledGroup {
  readonly groupId: number;
  readonly params: ExperimentParams;
  readonly paramsPath: string;
  readonly filter: ((fields: Fields) => boolean) | undefined;
  /** Running experiments; a stopped one is left out, its buckets fall to the group's base. */
  readonly experiments: readonly CompiledExperiment[];
  /** Bucket → index in `experiments`, -1 for the group's base. */
  readonly owner: Int16Array;
}

export interface CompiledLayer {
  readonly layerId: number;
  readonly salt: string;
  /** The request feature hashed, or undefined for the uid. */
  readonly hashFeature: string | undefined;
  readonly scenes: ReadonlySet<string> | undefined;
  readonly groups: readonly CompiledGroup[];
  /** Debug uid → [group index, experiment index]. */
  readonly debug: ReadonlyMap<string, readonly [number, number]>;
}

/** One layer's outcome for a request: its group (-1: none matched) and experiment (-1: the group's base). */
export interface LayerOutcome {
  readonly group: number;
  readonly experiment: number;
}

/** What a group filter may name: the request's own fields; anything else is a typo caught at load. */
export const knownRequestField = (name: string): boolean =>
  name === 'uid' || name === 'scene_id' || name === 'category' || (name.startsWith('features.') && name.length > 9);

function featureValue(request: RecommendRequest, name: string): Value {
  const v = request.features[name];
  return v === undefined || v instanceof Float32Array ? null : v;
}

/** A request's fields as a condition reads them. */
export function requestFields(request: RecommendRequest): Fields {
  return (name) => {
    switch (name) {
      case 'uid':
        return request.uid;
      case 'scene_id':
        return request.sceneId;
      case 'category':
        return request.category;
      default:
        return featureValue(request, name.slice(9));
    }
  };
}

/**
 * Compiles ABTestConf's layers: bucket tables, filters, debug users. Reports every
 * problem with its JSON path: buckets out of range, two running experiments of a group
 * on one bucket, a debug uid in two experiments of a layer, a filter that does not parse.
 */
export function compileLayout(conf: ABTestConf, problems: LayoutProblem[]): CompiledLayer[] {
  const layers: CompiledLayer[] = [];
  conf.Layers.forEach((layer: LayerConf, li) => {
    const lp = `$.ABTestConf.Layers[${li}]`;
    const debug = new Map<string, readonly [number, number]>();
    const debugAt = new Map<string, string>();
    const groups: CompiledGroup[] = [];
    layer.ExperimentGroups.forEach((group, gi) => {
      const gp = `${lp}.ExperimentGroups[${gi}]`;
      let filter: ((fields: Fields) => boolean) | undefined;
      if (group.Filter !== undefined) {
        try {
          filter = compileCondition(group.Filter, knownRequestField).run;
        } catch (err) {
          problems.push({ path: `${gp}.Filter`, message: err instanceof Error ? err.message : String(err) });
        }
      }
      const owner = new Int16Array(conf.BucketCount).fill(-1);
      const ownerAt = new Map<number, string>();
      const experiments: CompiledExperiment[] = [];
      group.Experiments.forEach((exp, ei) => {
        const ep = `${gp}.Experiments[${ei}]`;
        const parsed = parseBuckets(exp.Buckets, conf.BucketCount);
        if ('problem' in parsed) {
          problems.push({ path: `${ep}.Buckets`, message: parsed.problem });
          return;
        }
        // Overlaps are refused whether or not the experiment runs: starting it later must not be what breaks the layer.
        for (const b of parsed.buckets) {
          const other = ownerAt.get(b);
          if (other !== undefined) {
            problems.push({ path: `${ep}.Buckets`, message: `bucket ${b} is already taken by ${other}` });
            return;
          }
        }
        for (const b of parsed.buckets) ownerAt.set(b, ep);
        for (const uid of exp.DebugUsers) {
          const other = debugAt.get(uid);
          if (other !== undefined) {
            problems.push({ path: `${ep}.DebugUsers`, message: `uid "${uid}" is already a debug user of ${other} in this layer` });
            return;
          }
          debugAt.set(uid, ep);
        }
        if (exp.Status !== 'running') return;
        const index = experiments.length;
        experiments.push({ experimentId: exp.ExperimentId, params: exp.Params, paramsPath: `${ep}.Params` });
        for (const b of parsed.buckets) owner[b] = index;
        for (const uid of exp.DebugUsers) debug.set(uid, [gi, index]);
      });
      groups.push({ groupId: group.ExpGroupId, params: group.Params, paramsPath: `${gp}.Params`, filter, experiments, owner });
    });
    const hashFeature = layer.HashField === 'uid' ? undefined : layer.HashField.slice(9);
    layers.push({ layerId: layer.LayerId, salt: layer.Salt ?? `L${layer.LayerId}`, hashFeature, scenes: layer.Scenes && new Set(layer.Scenes), groups, debug });
  });
  return layers;
}

const NONE: LayerOutcome = { group: -1, experiment: -1 };

/**
 * The request's outcome in one layer: a debug uid's experiment; else the first group
 * whose filter holds, and the experiment holding the request's bucket. At most one
 * experiment per layer by construction: one group, and one owner per bucket.
 */
export function matchLayer(layer: CompiledLayer, request: RecommendRequest, fields: Fields, bucketCount: number): LayerOutcome {
  const forced = layer.debug.get(request.uid);
  if (forced) return { group: forced[0], experiment: forced[1] };
  for (let g = 0; g < layer.groups.length; g++) {
    const group = layer.groups[g] as CompiledGroup;
    if (group.filter && !group.filter(fields)) continue;
    if (group.experiments.length === 0) return { group: g, experiment: -1 };
    const key = layer.hashFeature === undefined ? request.uid : fields(`features.${layer.hashFeature}`);
    // No value to hash (a missing feature): the group's base, never a random arm.
    if (key === null || key === '') return { group: g, experiment: -1 };
    return { group: g, experiment: group.owner[bucketOf(layer.salt, String(key), bucketCount)] ?? -1 };
  }
  return NONE;
}
