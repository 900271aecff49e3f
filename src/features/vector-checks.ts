import { Value } from '@sinclair/typebox/value';
import { FeatureSpecSchema } from '../model/feature-spec.js';
import type { FeatureMap } from '../algorithm/contract.js';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { Config } from '../config/schema.js';
import { vectorFromNumbers } from './vector-value.js';
import type { VectorFault } from './vector-value.js';

/** By feature name, the lengths the models of a rank stage read it at. */
export type VectorDims = ReadonlyMap<string, ReadonlySet<number>>;

/**
 * By algorithm name, the user features its feature spec (`Features.User`) reads as
 * vectors (Dim > 1) and their length: ONNX, KServe, TF Serving and EAS confs carry such a
 * spec. A type whose conf has no spec of that shape reads no user vectors here.
 */
export function modelUserDims(config: Config, registry: AlgorithmRegistry): (algoName: string) => ReadonlyMap<string, number> | undefined {
  const byName = new Map<string, Map<string, number>>();
  for (const a of config.AlgoConfs) {
    const def = registry.getType(a.Type);
    const conf: unknown = def && (a as Record<string, unknown>)[def.confKey];
    const spec: unknown = conf !== null && typeof conf === 'object' ? (conf as Record<string, unknown>).Features : undefined;
    if (spec === undefined || !Value.Check(FeatureSpecSchema, spec)) continue;
    const dims = new Map(spec.User.filter((r) => r.Dim > 1).map((r) => [r.Name, r.Dim] as const));
    if (dims.size > 0) byName.set(a.Name, dims);
  }
  return (name) => byName.get(name);
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
