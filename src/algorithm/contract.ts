import type { Context } from '@opentelemetry/api';
import type { FeatureMap, FeatureValue, RowSource } from '../types/features.js';

/**
 * Where a run sits in a trace (set only while tracing samples the request): the tracing
 * middleware parents its span here, and remote types send `headers()` (W3C traceparent).
 */
export interface SpanScope {
  parent(): Context;
  headers(): Record<string, string>;
}

/** The request a run serves, as custom algorithms may read it. */
export interface RunRequest {
  readonly uid: string;
  /** The request's `features` (number arrays as Float32Arrays). */
  readonly features: Readonly<Record<string, FeatureValue | Float32Array>>;
}

/** What every run receives: the request's deadline and the signal that cancels it. */
export interface RunContext {
  /**
   * The request the run serves (uid, features), for custom algorithms that need more than
   * their input. Absent outside a request, and for runs coalesced from several requests
   * (batching), whose per-row users are in ScoreInput.users.
   */
  readonly request?: RunRequest | undefined;
  /** Absolute deadline on the `performance.now()` clock, in milliseconds. */
  readonly deadline: number;
  /** Aborted when the request ends (answered, timed out or client gone). */
  readonly signal: AbortSignal;
  readonly requestId?: string;
  /** Present only when tracing is on and the request is sampled. */
  readonly spans?: SpanScope | undefined;
}

/** PaiRec's AlgoResponse: one score, optionally a score map and class lists. */
export interface AlgoResponse {
  readonly score: number;
  /** Multi-objective outputs, name → score (PaiRec's GetScoreMap). */
  readonly scoreMap?: Readonly<Record<string, number>>;
  /** Multi-class outputs, name → class probabilities (PaiRec's GetClassifyMap). */
  readonly classifyMap?: Readonly<Record<string, readonly number[]>>;
}

export type { FeatureInput, FeatureMap, ItemColumn, RowSource } from '../types/features.js';

/** Items that are plain catalog rows (nothing loaded for them per request). */
export interface CatalogRows {
  readonly rows: Int32Array;
  readonly source: RowSource;
}

/** Input of a scoring (rank) algorithm: one feature map per item, plus the user's. */
export interface ScoreInput {
  /** One feature map per item; empty when `rows` carries the items instead. */
  readonly items: readonly FeatureMap[];
  /**
   * The items as catalog rows, handed only to types that declare `readsRows`
   * (AlgorithmTypeDef): an in-process model copies columns straight into its input
   * tensor instead of chasing one map per item (rank's largest cost besides the model).
   * Everything else sees `items` (see itemMapsOf).
   */
  readonly rows?: CatalogRows;
  readonly user?: FeatureMap;
  /**
   * Row-aligned user features, set when runs of several requests are coalesced into one
   * call (the batching middleware): `users[i]` belongs to `items[i]`, and `user` is unset.
   */
  readonly users?: readonly FeatureMap[];
  readonly context?: FeatureMap;
}

/** Input of a retrieval algorithm: query vectors and how many neighbours each. */
export interface RetrievalInput {
  readonly vectors: readonly Float32Array[];
  readonly k: number;
}

/** Neighbours of one query, best first; ids are the catalog's item ids. */
export interface Neighbours {
  readonly ids: readonly string[];
  readonly scores: Float32Array;
  /**
   * The ids' catalog rows, when the backend searched the serving catalog itself (the
   * embedded ANN): saves a lookup by id per neighbour. `catalog` is that catalog's
   * signature; a caller uses the rows only when it matches its own catalog's.
   */
  readonly rows?: { readonly catalog: string; readonly rows: readonly number[] };
}

/**
 * The kinds of algorithm and their typed input and output. A new kind is added here,
 * and the compiler then checks every registry entry and every caller.
 */
export interface AlgorithmKinds {
  score: { input: ScoreInput; output: readonly AlgoResponse[] };
  retrieval: { input: RetrievalInput; output: readonly Neighbours[] };
}

export type AlgorithmKind = keyof AlgorithmKinds;
export type KindInput<K extends AlgorithmKind> = AlgorithmKinds[K]['input'];
export type KindOutput<K extends AlgorithmKind> = AlgorithmKinds[K]['output'];

/** An algorithm instance: built from its config, run many times, closed once. */
export interface Algorithm<K extends AlgorithmKind = AlgorithmKind> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>>;
  /** Closing twice is safe; runs after close reject with ERR_ALGORITHM_CLOSED. */
  close(): Promise<void>;
}

export type AnyAlgorithm = { [K in AlgorithmKind]: Algorithm<K> }[AlgorithmKind];

/** How many items a run handles, per kind: the value of `pairec_algorithm_input_size`. */
export const inputSizeOf: { readonly [K in AlgorithmKind]: (input: KindInput<K>) => number } = {
  score: (input) => scoreInputSize(input),
  retrieval: (input) => input.vectors.length,
};

/** How many items a score input carries, as rows or as maps. */
export function scoreInputSize(input: ScoreInput): number {
  return input.rows ? input.rows.rows.length : input.items.length;
}

/** One feature map per item of a score input: `items`, or the rows' catalog maps. */
export function scoreItems(input: ScoreInput): readonly FeatureMap[] {
  const { rows } = input;
  if (!rows) return input.items;
  const items = new Array<FeatureMap>(rows.rows.length);
  for (let i = 0; i < items.length; i++) items[i] = rows.source.map(rows.rows[i] as number);
  return items;
}

/** The input with one feature map per item: rows become their catalog maps (for code that reads maps only). */
export function itemMapsOf(input: ScoreInput): ScoreInput {
  if (!input.rows) return input;
  const out: { -readonly [P in keyof ScoreInput]: ScoreInput[P] } = { ...input, items: scoreItems(input) };
  delete out.rows;
  return out;
}
