import type { FeatureDaoConf } from '../config/schema.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { RedisClient } from '../store/redis.js';
import { TtlCache } from './ttl-cache.js';
import { vectorDecls } from './file-features.js';
import type { FaultSink, FeatureLoader, VectorDecl } from './file-features.js';
import { decodeFloat32LE, parseVectorText } from './vector-value.js';
import type { VectorFault, VectorResult } from './vector-value.js';

/** Features of one user or item: numbers where a value parses as one, vectors where declared, else strings. */
export type LoadedFeatures = Record<string, number | string | Float32Array>;

/** The hash key of a user or item: PaiRec's prefix + id. */
export function featureKey(prefix: string, id: string): string {
  return `${prefix}${id}`;
}

/** Redis hashes hold strings; a feature that reads as a finite number is used as one. */
export function parseFeatureValue(raw: string): number | string {
  const t = raw.trim();
  if (t === '') return raw;
  const n = Number(t);
  return Number.isFinite(n) ? n : raw;
}

/** A declared vector field whose stored value was not used: the model's default stands in. */
export interface FeatureFault {
  readonly feature: string;
  readonly reason: VectorFault;
  readonly detail: string;
}

/** A hash as read: its features, and the declared vectors that could not be used. */
export interface DecodedHash {
  readonly features: LoadedFeatures;
  readonly faults: readonly FeatureFault[];
}

type RawValue = string | Buffer;
type RawHash = (RawValue | null)[] | Record<string, RawValue>;

const NO_FAULTS: readonly FeatureFault[] = Object.freeze([]);

/**
 * Fields read (or all of them), with declared defaults for those missing. A field
 * declared in `vectors` is parsed by its Format; one that does not parse is left out (so
 * a Defaults entry, or else the model's feature default, stands in) and reported as a
 * fault, never turned into zeros.
 */
export function decodeHash(
  fields: readonly string[] | undefined,
  values: RawHash,
  defaults: Readonly<Record<string, number | string>>,
  vectors: Readonly<Record<string, VectorDecl>> = {},
): DecodedHash {
  const features: LoadedFeatures = { ...defaults };
  let faults: FeatureFault[] | undefined;
  const put = (k: string, raw: RawValue): void => {
    const decl = Object.hasOwn(vectors, k) ? vectors[k] : undefined;
    if (!decl) {
      features[k] = parseFeatureValue(typeof raw === 'string' ? raw : raw.toString('utf8'));
      return;
    }
    let r: VectorResult;
    if (decl.Format === 'float32le') r = decodeFloat32LE(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw, decl.Dim);
    else r = parseVectorText(typeof raw === 'string' ? raw : raw.toString('utf8'), decl.Dim);
    if (r.ok) features[k] = r.value;
    else (faults ??= []).push({ feature: k, reason: r.reason, detail: r.detail });
  };
  if (Array.isArray(values)) {
    fields?.forEach((f, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) put(f, v);
    });
  } else {
    for (const [k, v] of Object.entries(values)) put(k, v);
  }
  return { features, faults: faults ?? NO_FAULTS };
}

/** Fields read (or all of them), with declared defaults for those missing. */
export function toFeatures(
  fields: readonly string[] | undefined,
  values: (string | null)[] | Record<string, string>,
  defaults: Readonly<Record<string, number | string>>,
): LoadedFeatures {
  return decodeHash(fields, values, defaults).features;
}

/**
 * One FeatureLoadConfs entry: reads the user's hash or every candidate's hash, through a
 * local LRU with TTL. Single-node Redis gets one pipeline per request; a cluster gets the
 * same commands auto-pipelined per node (a pipeline there cannot span slots). A failed
 * read is counted and the declared defaults are used instead: features degrade, the
 * request does not fail. A declared vector that does not parse is counted each time it
 * is served (pairec_feature_defaults_total) and reported to the request's debug trace.
 */
export class RedisFeatureLoader implements FeatureLoader {
  readonly #conf: FeatureDaoConf;
  readonly #client: () => RedisClient | undefined;
  readonly #metrics: EngineMetrics;
  readonly #cache: TtlCache<DecodedHash>;
  /** Declared Vectors, plus the vectors the scene's models read (as text unless declared). */
  readonly #vectors: Readonly<Record<string, VectorDecl>>;
  /** A packed float32 vector is bytes, not UTF-8: such hashes are read as buffers. */
  readonly #binary: boolean;

  /** `modelReads`: vectors the models of the loader's scene read (Dim > 1): parsed as text when not declared. */
  constructor(
    conf: FeatureDaoConf,
    client: () => RedisClient | undefined,
    metrics: EngineMetrics,
    modelReads: readonly { feature: string; dim: number }[] = [],
  ) {
    this.#conf = conf;
    this.#client = client;
    this.#metrics = metrics;
    this.#cache = new TtlCache(conf.CacheSize, conf.CacheTime * 1000);
    this.#vectors = vectorDecls(conf.Vectors, modelReads);
    this.#binary = Object.values(this.#vectors).some((v) => v.Format === 'float32le');
  }

  get store(): 'user' | 'item' {
    return this.#conf.FeatureStore;
  }

  /** Features of each id, in order; cached entries are not read again. */
  async load(ids: readonly string[], faults?: FaultSink): Promise<LoadedFeatures[]> {
    const out: (DecodedHash | undefined)[] = ids.map((id) => this.#cache.get(id));
    const missing = ids.filter((_, i) => out[i] === undefined);
    if (missing.length > 0) {
      const fetched = await this.#fetch(missing);
      const byId = new Map(missing.map((id, i) => [id, fetched[i]]));
      ids.forEach((id, i) => {
        if (out[i] === undefined) out[i] = byId.get(id);
      });
    }
    return out.map((h, i) => {
      if (!h) return { ...this.#conf.Defaults };
      for (const f of h.faults) {
        this.#metrics.featureDefaults.labels('redis', f.feature, f.reason).inc();
        faults?.(ids[i] ?? '', f);
      }
      return h.features;
    });
  }

  async #fetch(ids: readonly string[]): Promise<(DecodedHash | undefined)[]> {
    const { RedisPrefix: prefix, Fields: fields, Defaults: defaults } = this.#conf;
    const vectors = this.#vectors;
    const client = this.#client();
    const binary = this.#binary;
    try {
      if (!client) throw new Error('no client');
      let replies: RawHash[];
      if (client.isCluster) {
        replies = await Promise.all(
          ids.map((id) => {
            const key = featureKey(prefix, id);
            if (fields) return binary ? client.hmgetBuffer(key, ...fields) : client.hmget(key, ...fields);
            return binary ? client.hgetallBuffer(key) : client.hgetall(key);
          }),
        );
      } else {
        const p = client.pipeline();
        for (const id of ids) {
          const key = featureKey(prefix, id);
          if (fields) {
            if (binary) p.hmgetBuffer(key, ...fields);
            else p.hmget(key, ...fields);
          } else if (binary) p.hgetallBuffer(key);
          else p.hgetall(key);
        }
        const res = (await p.exec()) ?? [];
        replies = res.map(([err, v]) => {
          if (err) throw err;
          return v as RawHash;
        });
      }
      return replies.map((r, i) => {
        const h = decodeHash(fields, r, defaults, vectors);
        this.#cache.set(ids[i] ?? '', h);
        return h;
      });
    } catch {
      // Defaults are not cached: the next request tries Redis again.
      this.#metrics.redisFailures.labels(this.#conf.RedisName ?? '', 'features').inc();
      return ids.map(() => undefined);
    }
  }
}
