import { performance } from 'node:perf_hooks';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ErrorCode } from '@zilliz/milvus2-sdk-node';
import type { MilvusClient, ResStatus, SearchResultData } from '@zilliz/milvus2-sdk-node';
import type { Logger } from 'pino';
import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import { DEFAULT_BACKOFF, retry } from '../../resilience/retry.js';
import type { RetryClock } from '../../resilience/retry.js';
import type { Neighbours, RetrievalInput, RunContext } from '../contract.js';
import type { MilvusConf } from './config.js';

/** Milvus' own limit on topK. */
export const MILVUS_MAX_TOPK = 16384;

/**
 * gRPC codes worth another attempt. DEADLINE_EXCEEDED is included: a search is read-only,
 * so repeating it is safe, and the retry loop only starts another attempt when the
 * backoff still ends before the request's deadline — so a call that ran out of the
 * request's time is never retried, while one cut by the shorter per-call `Timeout`
 * (a slow node) gets a second chance. UNAVAILABLE covers refused and dropped
 * connections; RESOURCE_EXHAUSTED and ABORTED are transient server-side conditions.
 */
const RETRYABLE_GRPC: ReadonlySet<number> = new Set([GrpcStatus.UNAVAILABLE, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.ABORTED]);

/**
 * Milvus reports most failures in-band: the RPC succeeds and `status` carries the error.
 * Milvus marks the transient ones (rate limiting, for one) `retriable`.
 */
export class MilvusStatusError extends Error {
  readonly status: ResStatus;

  constructor(what: string, status: ResStatus) {
    super(`${what}: ${String(status.error_code)} (code ${String(status.code ?? '')}) ${status.reason}`);
    this.name = 'MilvusStatusError';
    this.status = status;
  }
}

/** The numeric gRPC status of a grpc-js error, if `err` is one. */
export function grpcCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'number' ? err.code : undefined;
}

export function isRetryableMilvusError(err: unknown): boolean {
  if (err instanceof MilvusStatusError) return err.status.retriable === true;
  const code = grpcCodeOf(err);
  return code !== undefined && RETRYABLE_GRPC.has(code);
}

export function checkStatus(what: string, status: ResStatus | undefined): void {
  if (status && status.error_code !== ErrorCode.SUCCESS) throw new MilvusStatusError(what, status);
}

/** Neighbours plus, when `OutputFields` is set, those fields of each hit. */
export interface MilvusNeighbours extends Neighbours {
  readonly fields?: readonly Readonly<Record<string, unknown>>[];
}

/** Settles with `promise`, or rejects with ERR_ABORTED as soon as `signal` fires. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new PairecError('ERR_ABORTED', `${what} aborted`));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

export interface MilvusDeps {
  readonly client: MilvusClient;
  /** Dimension of `VectorField`, read from the collection's schema at build. */
  readonly dim: number;
  readonly logger: Logger;
  /** Injectable for tests; the system clock otherwise. */
  readonly clock?: RetryClock;
}

/**
 * MILVUS: nearest neighbours of each query vector from a Milvus collection, through the
 * official SDK. One client per instance, built once and closed with the instance; each
 * run is one Search RPC for all its vectors, retried on transient failures within the
 * request's deadline.
 */
export class MilvusAlgorithm extends AlgorithmBase<'retrieval'> {
  readonly #conf: MilvusConf;
  readonly #client: MilvusClient;
  readonly #dim: number;
  readonly #log: Logger;
  readonly #clock: RetryClock | undefined;
  readonly #outputFields: string[];

  constructor(name: string, conf: MilvusConf, deps: MilvusDeps) {
    super(name, 'MILVUS', 'retrieval');
    this.#conf = conf;
    this.#client = deps.client;
    this.#dim = deps.dim;
    this.#log = deps.logger;
    this.#clock = deps.clock;
    // Always ask for the id field: with no output fields the SDK would ask for '*',
    // vectors included.
    this.#outputFields = [...new Set([conf.IdField, ...conf.OutputFields])];
  }

  protected async execute(input: RetrievalInput, ctx: RunContext): Promise<readonly MilvusNeighbours[]> {
    const { k, vectors } = input;
    if (!Number.isInteger(k) || k < 1 || k > MILVUS_MAX_TOPK) {
      throw new PairecError('ERR_ALGORITHM_INPUT', `k must be an integer in [1, ${MILVUS_MAX_TOPK}], got ${k}`);
    }
    for (const v of vectors) {
      if (v.length !== this.#dim) {
        throw new PairecError('ERR_ALGORITHM_INPUT', `query vector has ${v.length} dimensions, ${this.#conf.VectorField} ${this.#dim}`);
      }
    }
    if (vectors.length === 0) return [];
    const data = vectors.map((v) => Array.from(v));
    let attempts = 0;
    try {
      const hits = await retry({
        attempt: ({ attempt }) => {
          attempts = attempt;
          return this.#searchOnce(data, k, ctx);
        },
        isRetryable: isRetryableMilvusError,
        deadline: ctx.deadline,
        signal: ctx.signal,
        policy: { ...DEFAULT_BACKOFF, maxAttempts: this.#conf.MaxRetries },
        // The SDK reads a timeout of 0 as "use the client default": never start an
        // attempt that would get less than 1 ms.
        minAttemptMs: 1,
        ...(this.#clock ? { clock: this.#clock } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          this.#log.debug({ algorithm: this.name, attempt, delayMs, code: grpcCodeOf(error) }, 'retrying Milvus search'),
      });
      return hits.map((list) => this.#toNeighbours(list));
    } catch (err) {
      throw this.#toPairecError(err, attempts, ctx);
    }
  }

  /** One attempt: refresh the schema cache if it expired, then one Search RPC. */
  async #searchOnce(data: number[][], k: number, ctx: RunContext): Promise<SearchResultData[][]> {
    const conf = this.#conf;
    // The SDK describes the collection before each search, from a cache that expires
    // every 12 minutes; the refresh it would then do uses the client's default timeout.
    // Asking first, with this call's timeout, keeps that refresh inside the deadline.
    const described = await this.#call(ctx, 'DescribeCollection', (timeout) =>
      this.#client.describeCollection({ collection_name: conf.CollectionName, cache: true, timeout }),
    );
    checkStatus('DescribeCollection', described.status);
    const res = await this.#call(ctx, 'Search', (timeout) =>
      this.#client.search({
        collection_name: conf.CollectionName,
        anns_field: conf.VectorField,
        data,
        limit: k,
        metric_type: conf.MetricType,
        params: conf.SearchParams,
        output_fields: this.#outputFields,
        partition_names: conf.Partitions,
        ...(conf.Expr ? { filter: conf.Expr } : {}),
        timeout,
      }),
    );
    checkStatus('Search', res.status);
    // One query comes back as a flat list of hits, several as one list per query.
    const results: unknown[] = res.results;
    if (results.length > 0 && !Array.isArray(results[0])) return [results as SearchResultData[]];
    if (data.length === 1 && results.length === 0) return [[]];
    return results as SearchResultData[][];
  }

  /** Runs one RPC with `min(Timeout, time left)` and abandons it when the run is aborted. */
  #call<T>(ctx: RunContext, what: string, fn: (timeoutMs: number) => Promise<T>): Promise<T> {
    const timeLeft = ctx.deadline - (this.#clock ?? performance).now();
    const timeout = Math.floor(Math.min(this.#conf.Timeout, timeLeft));
    if (timeout < 1) {
      return Promise.reject(new PairecError('ERR_DEADLINE_EXCEEDED', `no time left for Milvus ${what}`));
    }
    return raceAbort(fn(timeout), ctx.signal, `Milvus ${what}`);
  }

  #toNeighbours(hits: readonly SearchResultData[]): MilvusNeighbours {
    const { IdField, MetricType, OutputFields } = this.#conf;
    const ids = new Array<string>(hits.length);
    const scores = new Float32Array(hits.length);
    const fields: Record<string, unknown>[] | undefined = OutputFields.length > 0 ? [] : undefined;
    for (let i = 0; i < hits.length; i++) {
      const hit = hits[i] as SearchResultData;
      const id: unknown = hit[IdField];
      if (typeof id !== 'string' && typeof id !== 'number' && typeof id !== 'bigint') {
        throw new PairecError('ERR_BACKEND_UNAVAILABLE', `Milvus hit has no usable "${IdField}" field`);
      }
      ids[i] = String(id);
      // Milvus ranks L2 by ascending (squared) distance; the contract wants larger = better.
      scores[i] = MetricType === 'L2' ? -hit.score : hit.score;
      if (fields) fields.push(Object.fromEntries(OutputFields.map((f) => [f, hit[f] as unknown])));
    }
    return fields ? { ids, scores, fields } : { ids, scores };
  }

  #toPairecError(err: unknown, attempts: number, ctx: RunContext): PairecError {
    if (err instanceof PairecError) return err;
    const code = grpcCodeOf(err);
    const timeLeft = ctx.deadline - (this.#clock ?? performance).now();
    if (code === GrpcStatus.DEADLINE_EXCEEDED && timeLeft <= 0) {
      return new PairecError('ERR_DEADLINE_EXCEEDED', `Milvus search ran out of the request's time`, { cause: err });
    }
    const message = err instanceof Error ? err.message : String(err);
    const what = code === undefined ? message : `${GrpcStatus[code] ?? code}: ${message}`;
    return new PairecError(
      'ERR_BACKEND_UNAVAILABLE',
      `Milvus search in "${this.#conf.CollectionName}" at ${this.#conf.ServerAddress} failed after ${attempts} attempt(s): ${what}`,
      { cause: err },
    );
  }

  protected override async onClose(): Promise<void> {
    await this.#client.closeConnection();
  }
}
