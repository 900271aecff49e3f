import { PairecError } from '../../errors.js';
import type { FeatureValue } from '../../types/features.js';
import type { RequestFeatures } from '../../pipeline/context.js';
import { FORBIDDEN_KEYS } from '../../forbidden-keys.js';
import { MAX_FEATURE_VECTOR, requestFeatures } from '../request.js';
import { goArray, goObject } from './go-fields.js';

/** Most request features one request may carry (as in the strict API). */
export const MAX_REQUEST_FEATURES = 512;
/** Longest string feature used (as in the strict API). */
const MAX_FEATURE_STRING = 4096;

type Usable = FeatureValue | number[];

const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.length <= MAX_FEATURE_VECTOR && v.every((x) => typeof x === 'number');

/**
 * A `features` value this engine can use: a scalar or a list of numbers. PaiRec takes any
 * JSON value (a nested map, a list of strings) for its own feature code; here such a
 * value is left out, as if not sent, and a model reads its default for it.
 */
function usable(v: unknown): Usable | undefined {
  if (typeof v === 'string') return v.length <= MAX_FEATURE_STRING ? v : undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  return isNumberList(v) ? v : undefined;
}

/** PaiRec's conversion of a typed value to a number (utils.ToFloat / ToInt): what does not convert is 0. */
function toNumber(v: unknown, integer: boolean): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : 0;
  if (!Number.isFinite(n)) return 0;
  return integer ? Math.trunc(n) : n;
}

/**
 * One entry of `complex_type_features` ({name, type, values}) converted by its type as
 * PaiRec does; types without a use here (maps, lists of strings or of lists) give undefined.
 */
function complexValue(type: unknown, values: unknown): Usable | undefined {
  switch (type) {
    case 'string':
      return typeof values === 'string' || typeof values === 'number' || typeof values === 'boolean' ? String(values) : undefined;
    case 'double':
    case 'float':
      return toNumber(values, false);
    case 'int':
    case 'int64':
      return toNumber(values, true);
    case 'list<double>':
    case 'list<float>':
    case 'list<int>':
    case 'list<int64>': {
      if (!Array.isArray(values) || values.length === 0 || values.length > MAX_FEATURE_VECTOR) return undefined;
      const integer = type === 'list<int>' || type === 'list<int64>';
      return values.map((x) => toNumber(x, integer));
    }
    default:
      return undefined;
  }
}

/**
 * The request's features from PaiRec's `features` map and `complex_type_features` list
 * (which PaiRec merges over the map, converting each value by its declared type).
 */
export function pairecFeatures(features: unknown, complex: unknown): RequestFeatures {
  const map = goObject(features, 'features');
  const list = goArray(complex, 'complex_type_features', MAX_REQUEST_FEATURES);
  if (map === undefined && list === undefined) return {};
  const out: Record<string, Usable> = {};
  let count = 0;
  const put = (name: string, v: Usable | undefined): void => {
    if (v === undefined) return;
    if (!Object.hasOwn(out, name) && ++count > MAX_REQUEST_FEATURES) {
      throw new PairecError('ERR_INVALID_FIELD', `features must have at most ${MAX_REQUEST_FEATURES} entries`, { path: 'features' });
    }
    out[name] = v;
  };
  if (map) for (const name of Object.keys(map)) put(name, usable(map[name]));
  if (list) {
    for (const entry of list) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) continue;
      const e = entry as Record<string, unknown>;
      // A name is a value here, not a key the body parser checked: the same keys are refused.
      if (typeof e.name !== 'string' || e.name === '' || e.name.length > 256) continue;
      if (FORBIDDEN_KEYS.has(e.name))
        throw new PairecError('ERR_FORBIDDEN_KEY', `complex_type_features name ${e.name} is a forbidden key`, { path: 'complex_type_features' });
      put(e.name, complexValue(e.type, e.values));
    }
  }
  return requestFeatures(out);
}
