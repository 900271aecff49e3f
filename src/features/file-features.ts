import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, PairecError } from '../errors.js';
import type { Config, FeatureDaoConf } from '../config/schema.js';
import type { FeatureFault, LoadedFeatures } from './redis-features.js';
import { parseVectorText, vectorFromNumbers } from './vector-value.js';
import type { VectorResult } from './vector-value.js';

/** A source of user or item features for the features stage (Redis hashes or a file in memory). */
export interface FeatureLoader {
  readonly store: 'user' | 'item';
  /**
   * Features of each id, in order, declared defaults filled in. A stored value the loader
   * could not use (a declared vector that does not parse) is reported to `faults`.
   */
  load(ids: readonly string[], faults?: FaultSink): Promise<LoadedFeatures[]>;
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
 * One value of a file row: numbers and strings as they are; a number array, or a string
 * in a declared vector field, as a Float32Array of finite numbers; an array of no numbers
 * (tags, say) in an undeclared field is skipped like other values. The length of an
 * undeclared vector is set by its first row. Throws "field …: why" for a bad vector.
 */
function fileValue(key: string, v: unknown, decl: VectorDecl | undefined, seen: Map<string, number>): number | string | Float32Array | undefined {
  const isVector = decl !== undefined || (Array.isArray(v) && v.some((x) => typeof x === 'number'));
  if (!isVector) return typeof v === 'number' || typeof v === 'string' ? v : undefined;
  let r: VectorResult;
  if (Array.isArray(v)) r = vectorFromNumbers(v, decl?.Dim ?? seen.get(key));
  else if (typeof v === 'string' && decl?.Format !== 'float32le') r = parseVectorText(v, decl?.Dim ?? 0);
  else if (v === null) return undefined; // absent, as a missing key: the model's default, counted as missing
  else throw new Error(`field "${key}": a vector of ${decl?.Dim ?? '?'} must be a number array${decl?.Format === 'float32le' ? '' : ' or a delimited string'}, not ${typeof v}`);
  if (!r.ok) throw new Error(`field "${key}": ${r.reason}: ${r.detail}`);
  if (!decl && !seen.has(key)) seen.set(key, r.value.length);
  return r.value;
}

/**
 * Reads a JSON Lines file: one object per line, its `keyField` the user or item id, its
 * number and string values the features, number arrays (and `vectors` declared in
 * FeatureDaoConf.Vectors) as vectors; other values are skipped. Streamed line by line, so
 * the file is never held as one string. A malformed line or a bad vector (wrong length,
 * null or a string among its numbers, a value beyond float32) fails the load with the
 * line number and the field: an embedding never turns into zeros unnoticed.
 */
export async function readFeatureFile(
  path: string,
  keyField: string,
  vectors: Readonly<Record<string, VectorDecl>> = {},
): Promise<Map<string, LoadedFeatures>> {
  return (await readFeatureTable(path, keyField, vectors)).rows;
}

/** A file's rows, and the length of each vector field in it (declared, or set by its first row). */
export interface FileTable {
  readonly rows: Map<string, LoadedFeatures>;
  readonly lengths: ReadonlyMap<string, number>;
}

/** readFeatureFile, with the vector lengths found. */
export async function readFeatureTable(path: string, keyField: string, vectors: Readonly<Record<string, VectorDecl>> = {}): Promise<FileTable> {
  const rows = new Map<string, LoadedFeatures>();
  const lengths = new Map<string, number>();
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
        value = fileValue(k, v, Object.hasOwn(vectors, k) ? vectors[k] : undefined, lengths);
      } catch (err) {
        throw new Error(`line ${n} (id ${JSON.stringify(String(id)).slice(0, 80)}): ${err instanceof Error ? err.message : String(err)}`);
      }
      if (value !== undefined) feats[k] = value;
    }
    rows.set(String(id), feats);
  }
  for (const [k, v] of Object.entries(vectors)) lengths.set(k, v.Dim);
  return { rows, lengths };
}

// The declared vectors are part of the key: two loaders of one file declaring different
// lengths each check their own.
export const fileKey = (d: FeatureDaoConf): string => {
  const base = `${d.KeyField}\u0000${d.FilePath ?? ''}`;
  return Object.keys(d.Vectors ?? {}).length === 0 ? base : `${base}\u0000${JSON.stringify(d.Vectors)}`;
};

/**
 * Every file FeatureConfs names, read once per config load (a file shared by several
 * loaders is read once), by fileKey, with the lengths of their vector fields. A missing
 * or malformed file rejects the config with the JSON path of its FilePath; the serving
 * config keeps serving.
 */
export async function loadFeatureFiles(config: Config): Promise<ReadonlyMap<string, FileTable>> {
  const out = new Map<string, FileTable>();
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    for (const [i, { FeatureDaoConf: d }] of conf.FeatureLoadConfs.entries()) {
      if (d.AdapterType !== 'file' || d.FilePath === undefined || out.has(fileKey(d))) continue;
      try {
        out.set(fileKey(d), await readFeatureTable(d.FilePath, d.KeyField, d.Vectors));
      } catch (err) {
        const path = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.FilePath`;
        const why = err instanceof Error ? err.message : String(err);
        // e.g. …FilePath: cannot load "/data/items.jsonl": line 7 (id "sku-7"): field "embedding": wrong_length: expected 32 values, got 31
        throw new ConfigError([new PairecError('ERR_CONFIG_INVALID', `${path}: cannot load "${d.FilePath}": ${why}`, { path })]);
      }
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
