import type { AlgorithmKind, FeatureInput, FeatureMap, KindInput } from '../algorithm/contract.js';

/**
 * The input file of `pairec profile`: the JSON form of what the algorithm's run() takes.
 *   score:     { "items": [{feature: value}], "user"?: {…}, "context"?: {…} }
 *   retrieval: { "vectors": [[number, …]], "k": number }
 * A feature value that is an array of numbers becomes a Float32Array (an embedding).
 */
export function parseAlgorithmInput<K extends AlgorithmKind>(kind: K, raw: unknown): KindInput<K> {
  const doc = object(raw, '(input)');
  if (kind === 'retrieval') {
    const vectors = doc['vectors'];
    if (!Array.isArray(vectors) || vectors.length === 0) throw new Error('input.vectors must be a non-empty array of number arrays');
    const k = doc['k'];
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new Error('input.k must be a positive integer');
    const out = { vectors: vectors.map((v, i) => vector(v, `input.vectors[${i}]`)), k };
    return out as KindInput<K>;
  }
  const items = doc['items'];
  if (!Array.isArray(items) || items.length === 0) throw new Error('input.items must be a non-empty array of feature maps');
  const out: { items: FeatureMap[]; user?: FeatureMap; context?: FeatureMap } = {
    items: items.map((m, i) => features(m, `input.items[${i}]`)),
  };
  if (doc['user'] !== undefined) out.user = features(doc['user'], 'input.user');
  if (doc['context'] !== undefined) out.context = features(doc['context'], 'input.context');
  return out as KindInput<K>;
}

function object(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${path} must be a JSON object`);
  return v as Record<string, unknown>;
}

function vector(v: unknown, path: string): Float32Array {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`${path} must be an array of numbers`);
  return Float32Array.from(v as number[]);
}

function features(v: unknown, path: string): FeatureMap {
  const out: Record<string, FeatureInput> = {};
  for (const [k, x] of Object.entries(object(v, path))) {
    if (Array.isArray(x)) out[k] = vector(x, `${path}.${k}`);
    else if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = x as FeatureInput;
    else throw new Error(`${path}.${k} must be a number, string, boolean, null or number array`);
  }
  return out;
}
