import { Value } from '@sinclair/typebox/value';
import { FeatureSpecSchema } from '../algorithm/feature-spec.js';
import { OnnxInputsSchema } from '../algorithm/onnx/config.js';
import type { FeatureMap } from '../algorithm/contract.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { Config } from '../config/schema.js';
import type { ModelDims } from './file-features.js';
import { PairecError } from '../errors.js';
import { vectorFromNumbers } from './vector-value.js';
import type { VectorFault } from './vector-value.js';
import { experimentConfigs } from '../experiment/derived.js';

/** The models a scene ranks with: its own RankAlgoList and every experiment arm's. */
function rankModels(config: Config, scene: string): string[] {
  const names = [config, ...experimentConfigs(config)].flatMap((c) => c.RankConf[scene]?.RankAlgoList ?? []);
  return [...new Set(names)];
}

/** By feature name, the lengths the models of a rank stage read it at. */
export type VectorDims = ReadonlyMap<string, ReadonlySet<number>>;

/**
 * By algorithm name, the user features its feature spec (`Features.User`) reads as
 * vectors (Dim > 1) and their length: ONNX, KServe, TF Serving and EAS confs carry such a
 * spec. A type whose conf has no spec of that shape reads no user vectors here.
 */
export function modelUserDims(dimsOf: (algoName: string) => SpecDims | undefined): (algoName: string) => ReadonlyMap<string, number> | undefined {
  return (name) => {
    const user = dimsOf(name)?.user;
    return user && new Map([...user].filter(([, dim]) => dim > 1));
  };
}

/** The user vectors a list of algorithms reads: their lengths merged by feature name. */
export function mergeDims(perAlgo: readonly (ReadonlyMap<string, number> | undefined)[]): VectorDims {
  const out = new Map<string, Set<number>>();
  for (const dims of perAlgo) {
    for (const [name, dim] of dims ?? []) {
      const set = out.get(name) ?? new Set<number>();
      set.add(dim);
      out.set(name, set);
    }
  }
  return out;
}

/** A user vector left out before rank: where it came from, and why. */
export interface UserVectorFault {
  readonly feature: string;
  readonly source: 'request' | 'stored';
  readonly reason: VectorFault;
  readonly detail: string;
}

/**
 * The user's features as the models may read them: a vector a model reads (a request's
 * number array, a stored or catalog vector) that does not hold exactly Dim finite numbers
 * is left out, so the model's feature default stands in, and reported; the map is copied
 * only then. A missing feature is not a fault (the model counts it as missing).
 */
export function checkUserVectors(
  user: FeatureMap,
  dims: VectorDims,
  requested: Readonly<Record<string, unknown>>,
  report: (fault: UserVectorFault) => void,
): FeatureMap {
  let out: Record<string, FeatureMap[string]> | undefined;
  for (const [name, lengths] of dims) {
    if (!Object.hasOwn(user, name)) continue;
    const v: unknown = user[name];
    if (v === undefined || v === null) continue;
    let fault: { reason: VectorFault; detail: string } | undefined;
    if (v instanceof Float32Array || Array.isArray(v)) {
      const values: readonly unknown[] = v instanceof Float32Array ? Array.from(v) : (v as readonly unknown[]);
      if (!lengths.has(values.length)) fault = { reason: 'wrong_length', detail: `expected ${[...lengths].join(' or ')} values, got ${values.length}` };
      else {
        const r = vectorFromNumbers(values, values.length);
        if (!r.ok) fault = r;
      }
    } else {
      fault = { reason: 'malformed', detail: `a ${typeof v}, not a vector of ${[...lengths].join(' or ')} numbers` };
    }
    if (!fault) continue;
    out ??= { ...user };
    delete out[name];
    const source = Object.hasOwn(requested, name) && requested[name] === v ? 'request' : 'stored';
    report({ feature: name, source, reason: fault.reason, detail: fault.detail });
  }
  return out ?? user;
}

/** The features a model's spec reads, with their Dim: user part and item part. */
export interface SpecDims {
  readonly user: ReadonlyMap<string, number>;
  readonly item: ReadonlyMap<string, number>;
}

/** By algorithm name, the Dims its feature spec (ONNX, KServe, TF Serving, EAS `Features`) reads. */
export function modelFeatureDims(config: Config, registry: AlgorithmRegistry): (algoName: string) => SpecDims | undefined {
  const byName = new Map<string, SpecDims>();
  for (const a of config.AlgoConfs) {
    const def = registry.getType(a.Type);
    const conf: unknown = def && (a as Record<string, unknown>)[def.confKey];
    if (conf === null || typeof conf !== 'object') continue;
    const { Features: spec, Inputs: inputs } = conf as Record<string, unknown>;
    const dims = { user: new Map<string, number>(), item: new Map<string, number>() };
    let found = false;
    if (spec !== undefined && Value.Check(FeatureSpecSchema, spec)) {
      found = true;
      for (const r of spec.User) dims.user.set(r.Name, r.Dim);
      for (const r of spec.Item) dims.item.set(r.Name, r.Dim);
    }
    // An ONNX model fed input by input (OnnxConf.Inputs) reads the features of every input.
    if (inputs !== undefined && Value.Check(OnnxInputsSchema, inputs)) {
      found = true;
      for (const input of Object.values(inputs)) {
        for (const r of input.User ?? []) dims.user.set(r.Name, r.Dim);
        for (const r of input.Item ?? []) dims.item.set(r.Name, r.Dim);
      }
    }
    if (found) byName.set(a.Name, dims);
  }
  return (name) => byName.get(name);
}

/** For feature files (loadFeatureFiles): the vectors the models of a scene read of a user or item loader. */
export function sceneModelDims(config: Config, dimsOf: (algoName: string) => SpecDims | undefined): ModelDims {
  return (scene, store) =>
    rankModels(config, scene).flatMap((model) =>
      [...((store === 'user' ? dimsOf(model)?.user : dimsOf(model)?.item) ?? [])]
        .filter(([, dim]) => dim > 1)
        .map(([feature, dim]) => ({ feature, dim, model })),
    );
}

/**
 * A loader's declared Vectors against the models of its scene, at config load: a Dim
 * that differs from the Dim a model of the scene's RankAlgoList reads that feature at
 * would make every row fall back to the default, so the config is refused instead,
 * naming the loader, the feature and the model.
 */
export function vectorDimProblems(config: Config, dimsOf: (algoName: string) => SpecDims | undefined): PairecError[] {
  const problems: PairecError[] = [];
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    const algos = rankModels(config, scene);
    conf.FeatureLoadConfs.forEach(({ FeatureDaoConf: d }, i) => {
      for (const [feature, { Dim: length }] of Object.entries(d.Vectors ?? {})) {
        for (const algo of algos) {
          const dims = dimsOf(algo);
          const dim = (d.FeatureStore === 'user' ? dims?.user : dims?.item)?.get(feature);
          if (dim === undefined || dim === length) continue;
          const where = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.Vectors.${feature}.Dim`;
          const part = d.FeatureStore === 'user' ? 'User' : 'Item';
          problems.push(
            new PairecError(
              'ERR_CONFIG_INVALID',
              `${where}: "${feature}" is declared with Dim ${length}, but model "${algo}" reads it at Dim ${dim} (Features.${part})`,
              { path: where },
            ),
          );
        }
      }
    });
  }
  return problems;
}
