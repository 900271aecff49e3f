import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError, PairecError } from '../errors.js';
import type { Config, FeatureDaoConf } from '../config/schema.js';
import type { LoadedFeatures } from './redis-features.js';

/** A source of user or item features for the features stage (Redis hashes or a file in memory). */
export interface FeatureLoader {
  readonly store: 'user' | 'item';
  /** Features of each id, in order, declared defaults filled in. */
  load(ids: readonly string[]): Promise<LoadedFeatures[]>;
}

/** Rows of one file by id: what a FileFeatureLoader serves. */
export type FeatureTable = ReadonlyMap<string, LoadedFeatures>;

/**
 * Reads a JSON Lines file: one object per line, its `keyField` the user or item id, its
 * number and string values the features (other values are skipped). Streamed line by
 * line, so the file is never held as one string. A malformed line fails the load with
 * its line number.
 */
export async function readFeatureFile(path: string, keyField: string): Promise<Map<string, LoadedFeatures>> {
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
      if (k !== keyField && (typeof v === 'number' || typeof v === 'string')) feats[k] = v;
    }
    rows.set(String(id), feats);
  }
  return rows;
}

const fileKey = (d: FeatureDaoConf): string => `${d.KeyField}\u0000${d.FilePath ?? ''}`;

/**
 * Every file FeatureConfs names, read once per config load (a file shared by several
 * loaders is read once). A missing or malformed file rejects the config with the JSON
 * path of its FilePath; the serving config keeps serving.
 */
export async function loadFeatureFiles(config: Config): Promise<ReadonlyMap<string, FeatureTable>> {
  const out = new Map<string, FeatureTable>();
  for (const [scene, conf] of Object.entries(config.FeatureConfs)) {
    for (const [i, { FeatureDaoConf: d }] of conf.FeatureLoadConfs.entries()) {
      if (d.AdapterType !== 'file' || d.FilePath === undefined || out.has(fileKey(d))) continue;
      try {
        out.set(fileKey(d), await readFeatureFile(d.FilePath, d.KeyField));
      } catch (err) {
        const path = `$.FeatureConfs.${scene}.FeatureLoadConfs[${i}].FeatureDaoConf.FilePath`;
        const why = err instanceof Error ? err.message : String(err);
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
        for (const f of this.#fields) if (Object.hasOwn(row, f)) out[f] = row[f] as number | string;
        return out;
      }),
    );
  }
}
