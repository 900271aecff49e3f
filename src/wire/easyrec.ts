import type { FeatureInput, FeatureMap } from '../algorithm/contract.js';
import { decodeMessage, easTypes, encodeMessage } from './protos.js';

/**
 * The EasyRec processor's PBRequest / PBResponse as plain objects, and how feature maps
 * travel in them. PBFeature holds scalars only, so a dense vector (an embedding) travels
 * as a comma-separated string_feature — EasyRec's own convention for raw dense features.
 * A float32 printed by `String()` parses back to the same float32, so nothing is lost.
 */
export interface PBFeature {
  int_feature?: number;
  long_feature?: number;
  string_feature?: string;
  float_feature?: number;
}

export function toPBFeature(v: FeatureInput | boolean): PBFeature {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? { int_feature: v } : { float_feature: v };
  if (typeof v === 'string') return { string_feature: v };
  if (typeof v === 'boolean') return { int_feature: v ? 1 : 0 };
  if (v instanceof Float32Array) return { string_feature: Array.prototype.join.call(v, ',') };
  return {};
}

/** A PBFeature as a feature value: a number, a string, or a vector when the string is a number list. */
export function fromPBFeature(f: PBFeature | undefined): FeatureInput {
  if (!f) return undefined;
  if (f.float_feature !== undefined) return f.float_feature;
  if (f.int_feature !== undefined) return f.int_feature;
  if (f.long_feature !== undefined) return Number(f.long_feature);
  const s = f.string_feature;
  if (s === undefined) return undefined;
  if (s.includes(',')) {
    const parts = s.split(',');
    const out = new Float32Array(parts.length);
    for (let i = 0; i < parts.length; i++) {
      const n = Number(parts[i]);
      if (!Number.isFinite(n)) return s;
      out[i] = n;
    }
    return out;
  }
  return s;
}

/** Item ids for the request: the items' `item_id` when all are distinct strings, else their positions. */
export function itemIdsOf(items: readonly FeatureMap[]): string[] {
  const ids = items.map((m, i) => (typeof m.item_id === 'string' || typeof m.item_id === 'number' ? String(m.item_id) : String(i)));
  return new Set(ids).size === ids.length ? ids : items.map((_, i) => String(i));
}

export function encodePBRequest(user: FeatureMap | undefined, items: readonly FeatureMap[]): Uint8Array {
  const user_features: Record<string, PBFeature> = {};
  for (const [k, v] of Object.entries(user ?? {})) if (v !== undefined) user_features[k] = toPBFeature(v);
  const names = new Set<string>();
  for (const m of items) for (const [k, v] of Object.entries(m)) if (v !== undefined) names.add(k);
  const context_features: Record<string, { features: PBFeature[] }> = {};
  for (const name of names) context_features[name] = { features: items.map((m) => toPBFeature(m[name])) };
  return encodeMessage(easTypes().PBRequest, { user_features, item_ids: itemIdsOf(items), context_features });
}

export interface DecodedPBRequest {
  readonly user: FeatureMap;
  readonly itemIds: readonly string[];
  readonly items: readonly FeatureMap[];
}

export function decodePBRequest(body: Uint8Array): DecodedPBRequest {
  const msg = decodeMessage(easTypes().PBRequest, body) as {
    user_features: Record<string, PBFeature>;
    item_ids: string[];
    context_features: Record<string, { features: PBFeature[] }>;
  };
  const user: Record<string, FeatureInput> = {};
  for (const [k, f] of Object.entries(msg.user_features)) user[k] = fromPBFeature(f);
  const items = msg.item_ids.map((id, i) => {
    const m: Record<string, FeatureInput> = { item_id: id };
    for (const [k, cf] of Object.entries(msg.context_features)) m[k] = fromPBFeature(cf.features[i]);
    return m;
  });
  return { user, itemIds: msg.item_ids, items };
}

export interface PBResponseView {
  readonly results: Readonly<Record<string, { readonly scores: readonly number[] }>>;
  readonly outputs: readonly string[];
  readonly status_code: string;
  readonly error_msg: string;
}

export function encodePBResponse(r: {
  results: Record<string, { scores: number[] }>;
  outputs?: string[];
  itemIds?: string[];
  statusCode?: 'OK' | 'INPUT_EMPTY' | 'EXCEPTION';
  errorMsg?: string;
}): Uint8Array {
  return encodeMessage(easTypes().PBResponse, {
    results: r.results,
    outputs: r.outputs ?? [],
    item_ids: r.itemIds ?? [],
    status_code: r.statusCode ?? 'OK',
    error_msg: r.errorMsg ?? '',
  });
}

export function decodePBResponse(body: Uint8Array): PBResponseView {
  return decodeMessage(easTypes().PBResponse, body) as unknown as PBResponseView;
}
