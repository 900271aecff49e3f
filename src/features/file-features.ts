import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, PairecError } from '../errors.js';
import type { Config, FeatureDaoConf } from '../config/schema.js';
import type { FeatureFault, LoadedFeatures } from './redis-features.js';
import { parseVectorText, vectorFromNumbers } from './vector-value.js';
import type { VectorResult } from './vector-value.js';
import type { QueryScope } from '../store/hologres.js';

/** A source of user or item features for the features stage (Redis hashes or a file in memory). */
export interface FeatureLoader {
  readonly store: 'user' | 'item';
  /**
   * Features of each id, in order, declared defaults filled in. A stored value the loader
   * could not use (a declared vector that does not parse) is reported to `faults`.
   */
  load(ids: readonly string[], faults?: FaultSink, scope?: QueryScope): Promise<LoadedFeatures[]>;
}

/** Where a loader reports a value it left out: the id (uid or item id) and why. */
export type FaultSink = (id: string, fault: FeatureFault) => void;

/** Rows of one file by id: what a FileFeatureLoader serves. */
export type FeatureTable = ReadonlyMap<string, LoadedFeatures>;

/** A declared vector field (FeatureDaoConf.Vectors): its length, and its encoding where it is a string. */
export interface VectorDecl {
  readonly Dim: number;
  readonly Format?: 'text' | 'float32le';
}

/**
 * The vectors a stored loader (Redis, SQL) parses: those FeatureDaoConf.Vectors declares,
 * plus those the models of its scene read (Dim > 1), as text unless declared otherwise.
 */
export function vectorDecls(
  declared: Readonly<Record<string, VectorDecl>> | undefined,
  modelReads: readonly { feature: string; dim: number }[],
): Readonly<Record<string, VectorDecl>> {
  const vectors: Record<string, VectorDecl> = {};
  for (const m of modelReads) vectors[m.feature] ??= { Dim: m.dim, Format: 'text' };
  return { ...vectors, ...declared };
}

/**
 * One value of a file row: numbers and strings as they are. A field in `vectors` (declared
 * in FeatureDaoConf.Vectors, or read as a vector by a model of the loader's scene) must be
 * a number array — or a delimited string — of exactly Dim finite numbers, else this
 * throws "field …: why". Any other number array is kept as a vector of its own length;
 * other arrays (tags, say) are skipped like other values.
 */
function fileValue(key: string, v: unknown, decl: VectorDecl | undefined): number | string | Float32Array | undefined {
  if (!decl) {
    if (Array.isArray(v)) {
      const r = vectorFromNumbers(v, undefined);
      return r.ok ? r.value : undefined;
    }
    return typeof v === 'number' || typeof v === 'string' ? v : undefined;
  }
  let r: VectorResult;
  if (Array.isArray(v)) r = vectorFromNumbers(v, decl.Dim);
  else if (typeof v === 'string' && decl.Format !== 'float32le') r = parseVectorText(v, decl.Dim);
  else if (v === null)
    return undefined; // absent, as a missing key: the model's default, counted as missing
  else
    throw new Error(
      `field "${key}": a vector of ${decl.Dim} must be a number array${decl.Format === 'float32le' ? '' : ' or a delimited string'}, not ${typeof v}`,
    );
  if (!r.ok) throw new Error(`field "${key}": ${r.reason}: ${r.detail}`);
  return r.value;
}

/**
 * Reads a JSON Lines file: one object per line, its `keyField` the user or item id, its
 * number and string values the features, number arrays as vectors; other values are
 * skipped. Streamed line by line, so the file is never held as one string. A malformed
 * line, or a bad value in a field of `vectors` (wrong length, null or a string among its
 * numbers, a value beyond float32), fails the load with the line, the id and the field:
 * an embedding never turns into zeros unnoticed.
 */
export async function readFeatureFile(
  path: string,
  keyField: string,
  vectors: Readonly<Record<string, VectorDecl>> = {},
): Promise<Map<string, LoadedFeatures>> {
  const rows = new Map<string, LoadedFeatures>();
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw new Error(`line ${n}: not JSON`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw new Error(`line ${n}: not a JSON object`);
    const rec = obj as Record<string, unknown>;
    const id = rec[keyField];
    if (typeof id !== 'string' && typeof id !== 'number') throw new Error(`line ${n}: no "${keyField}"`);
    const feats: LoadedFeatures = {};
    for (const [k, v] of Object.entries(rec)) {
      if (k === keyField) continue;
      let value: number | string | Float32Array | undefined;
      try {
        value = fileValue(k, v, Object.hasOwn(vectors, k) ? vectors[k] : undefined);
      } catch (err) {
        throw new Error(`line ${n} (id ${JSON.stringify(String(id)).slice(0, 80)}): ${err instanceof Error ? err.message : String(err)}`);
      }
      if (value !== undefined) feats[k] = value;
    }
    rows.set(String(id), feats);
  }
  return rows;
}

/** The table a file loader serves: its file and KeyField (a file shared by several loaders is read once). */
export const fileKey = (d: FeatureDaoConf): string => `${d.KeyField}\u0000${d.FilePath ?? ''}`;

const configError = (path: string, why: string): ConfigError => new ConfigError([new PairecError('ERR_CONFIG_INVALID', `${path}: ${why}`, { path })]);

/** The vectors the models of a scene read of a user or an item loader's features, with their Dim (features/vector-checks.ts). */
export type ModelDims = (scene: string, store: 'user' | 'item') => readonly { readonly feature: string; readonly dim: number; readonly model: string }[];

/**
 * Every file FeatureConfs names, read once per config load. Its vector fields are the
 * loaders' declared Vectors and the vectors the models of their scenes read (`modelDims`):
 * each is checked row by row at the model's length. A missing or malformed file, or a
 * bad vector, rejects the config with the JSON path of its FilePath; the serving config
 * keeps serving.
 */
export async function loadFeatureFiles(config: Config, modelDims?: ModelDims): Promise<ReadonlyMap<string, FeatureTable>> {
  // Vector fields of each file, over every loader that reads it.
  const files = new Map<string, { d: FeatureDaoConf; at: string; vectors: Record<string, VectorDecl & { by?: string }> }>();
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    for (const [i, { FeatureDaoConf: d }] of conf.FeatureLoadConfs.entries()) {
      if (d.AdapterType !== 'file' || d.FilePath === undefined) continue;
      const at = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.FilePath`;
      const f = files.get(fileKey(d)) ?? { d, at, vectors: {} };
      files.set(fileKey(d), f);
      const wanted: [string, VectorDecl & { by?: string }][] = [
        ...Object.entries(d.Vectors ?? {}).map(([k, v]): [string, VectorDecl & { by?: string }] => [k, { ...v, by: 'its Vectors' }]),
        ...(modelDims?.(scene, d.FeatureStore) ?? []).map((m): [string, VectorDecl & { by?: string }] => [m.feature, { Dim: m.dim, by: `model "${m.model}"` }]),
      ];
      for (const [k, v] of wanted) {
        const prev = Object.hasOwn(f.vectors, k) ? f.vectors[k] : undefined;
        if (prev && prev.Dim !== v.Dim) {
          throw configError(at, `field "${k}" of "${d.FilePath}" is read at Dim ${prev.Dim} by ${prev.by ?? ''} and at Dim ${v.Dim} by ${v.by ?? ''}`);
        }
        f.vectors[k] ??= v;
      }
    }
  }
  const out = new Map<string, FeatureTable>();
  for (const [key, { d, at, vectors }] of files) {
    try {
      out.set(key, await readFeatureFile(d.FilePath ?? '', d.KeyField, vectors));
    } catch (err) {
      // e.g. …FilePath: cannot load "/data/items.jsonl": line 7 (id "sku-7"): field "embedding": wrong_length: expected 32 values, got 31
      throw configError(at, `cannot load "${d.FilePath ?? ''}": ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return out;
}

/** One FeatureLoadConfs entry with AdapterType "file": lookups in memory, never a network call. */
export class FileFeatureLoader implements FeatureLoader {
  readonly store: 'user' | 'item';
  readonly #rows: FeatureTable;
  readonly #fields: readonly string[] | undefined;
  readonly #defaults: Readonly<LoadedFeatures>;

  constructor(conf: FeatureDaoConf, tables: ReadonlyMap<string, FeatureTable>) {
    this.store = conf.FeatureStore;
    this.#rows = tables.get(fileKey(conf)) ?? new Map();
    this.#fields = conf.Fields;
    this.#defaults = conf.Defaults;
  }

  load(ids: readonly string[]): Promise<LoadedFeatures[]> {
    return Promise.resolve(
      ids.map((id) => {
        const row = this.#rows.get(id);
        const out: LoadedFeatures = { ...this.#defaults };
        if (!row) return out;
        if (!this.#fields) return Object.assign(out, row);
        for (const f of this.#fields) {
          const v = row[f];
          if (v !== undefined) out[f] = v;
        }
        return out;
      }),
    );
  }
}
