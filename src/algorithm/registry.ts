import type { TSchema, Static } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import { TypeRegistry } from '../types/type-registry.js';
import type { Catalog } from '../catalog/catalog.js';
import type { EngineMetrics } from '../observability/metrics.js';
import type { Algorithm, AlgorithmKind, KindInput } from './contract.js';
import type { HttpOptimization } from './remote/http.js';
import type { BackendGuardConf } from './middleware/backend-guard.js';

/** What a factory may use besides its own config. */
export interface BuildDeps {
  readonly logger: Logger;
  readonly metrics: EngineMetrics;
  /** The loaded catalog, for types that declare `usesCatalog`. */
  readonly catalog: Catalog | undefined;
  /** Folder for built artefacts (indexes); undefined disables caching. */
  readonly cacheDir: string | undefined;
  /**
   * Told which cache folder an algorithm's build loaded or wrote: the engine removes the
   * folders of a catalog version once no serving snapshot uses them.
   */
  readonly usesCacheFolder?: (algorithmName: string, folder: string) => void;
  /** Aborted when the build is abandoned (shutdown, superseded reload). */
  readonly signal: AbortSignal;
  /** The config's `optimization` block (keep-alive, pool size, compression) for HTTP backends; defaults when absent. */
  readonly optimization?: HttpOptimization & Partial<BackendGuardConf>;
  /**
   * Runs of the named algorithm that admitted requests can have outstanding at once
   * (config/run-bounds.ts): what a bounded run queue must hold so that it never sheds work
   * admission control let in. Absent outside an engine (tests, tools).
   */
  readonly runsInFlight?: (algorithmName: string) => number;
  /**
   * `performance.worker_pool_size`: the most runs of one in-process model at once when its
   * own conf sets no limit (ONNX's MaxConcurrent). Absent outside an engine (tests, tools).
   */
  readonly workerPoolSize?: number;
}

/**
 * One algorithm type: its kind, the conf key that holds its settings in an AlgoConfs
 * entry (PaiRec's `LookupConf`, `EasConf` ...), the schema of that conf with defaults,
 * and a factory.
 */
export interface AlgorithmTypeDef<K extends AlgorithmKind = AlgorithmKind, S extends TSchema = TSchema> {
  readonly type: string;
  readonly kind: K;
  readonly confKey: string;
  readonly schema: S;
  /** The type reads the catalog: a catalog change rebuilds its instances. */
  readonly usesCatalog?: boolean;
  /**
   * The item features a run of this conf reads (a model's feature spec), when the type
   * knows them: rank then hands it the catalog's shared per-row maps instead of building
   * one map per candidate. Undefined: the run may read any feature.
   */
  itemFeatures?(conf: Static<S>): readonly string[];
  /**
   * Runs read `ScoreInput.rows` when it is set (with itemFeatures declared): rank then
   * hands plain catalog candidates over as rows, not maps.
   */
  readonly readsRows?: boolean;
  /** Calls a remote backend: wrapped in a circuit breaker and a bulkhead (middleware/backend-guard.ts). */
  readonly remote?: boolean;
  /** Where a remote type connects (a URL, or host:port): what `pairec validate --connect` checks answers. */
  endpoint?(conf: Static<S>): string;
  /** Local files a build opens (the conf key naming each, the path resolved as the build resolves it): `pairec validate` checks each can be read. */
  localFiles?(conf: Static<S>): readonly { readonly key: string; readonly path: string }[];
  /** Sizes a run queue from `BuildDeps.runsInFlight`: a change of that figure rebuilds its instances. */
  readonly sizesQueue?: boolean;
  /** Bounds its runs at once by `BuildDeps.workerPoolSize`: a change of that figure rebuilds its instances. */
  readonly sizesPool?: boolean;
  /**
   * A conf this type accepts but cannot serve (a PaiRec processor not spoken here): the
   * conf key at fault and why. The load reports it as not supported where the algorithm
   * is used, and leaves an unused one out instead of failing its build at start.
   */
  unsupported?(conf: Static<S>): { readonly key: string; readonly why: string } | undefined;
  create(name: string, conf: Static<S>, deps: BuildDeps): Promise<Algorithm<K>>;
}

type AnyTypeDef = { [K in AlgorithmKind]: AlgorithmTypeDef<K> }[AlgorithmKind];

/** PaiRec's RegistRequestDataFunc: rewrites an algorithm's input before each run. */
export type RequestTransformer<K extends AlgorithmKind> = (input: KindInput<K>) => KindInput<K>;
interface TransformerEntry {
  readonly kind: AlgorithmKind;
  readonly fn: (input: never) => unknown;
}

/**
 * Algorithm types keyed by type name, and request transformers keyed by algorithm
 * name. Registration happens at start-up or between reloads; lookups are map reads.
 */
export class AlgorithmRegistry {
  /** The shape every extensible type's registry has (types/type-registry.ts). */
  readonly #types = new TypeRegistry<AnyTypeDef>('algorithm type');
  readonly #transformers = new Map<string, TransformerEntry>();

  registerType<K extends AlgorithmKind, S extends TSchema>(def: AlgorithmTypeDef<K, S>): void {
    this.#types.register(def as unknown as AnyTypeDef);
  }

  getType(type: string): AnyTypeDef | undefined {
    return this.#types.get(type);
  }

  types(): readonly AnyTypeDef[] {
    return this.#types.types();
  }

  /** Conf keys of every registered type ("LookupConf", "AnnConf", ...). */
  confKeys(): ReadonlySet<string> {
    return new Set(this.#types.types().map((t) => t.confKey));
  }

  registerRequestTransformer<K extends AlgorithmKind>(algorithmName: string, kind: K, fn: RequestTransformer<K>): void {
    this.#transformers.set(algorithmName, { kind, fn: fn as (input: never) => unknown });
  }

  unregisterRequestTransformer(algorithmName: string): void {
    this.#transformers.delete(algorithmName);
  }

  /** The transformer for an algorithm of that kind, if any. */
  transformer<K extends AlgorithmKind>(algorithmName: string, kind: K): RequestTransformer<K> | undefined {
    const entry = this.#transformers.get(algorithmName);
    if (!entry) return undefined;
    if (entry.kind !== kind) {
      throw new PairecError('ERR_ALGORITHM_KIND', `request transformer of "${algorithmName}" is for ${entry.kind} algorithms, not ${kind}`);
    }
    return entry.fn as unknown as RequestTransformer<K>;
  }
}
