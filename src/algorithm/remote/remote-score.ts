import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import { DEFAULT_BACKOFF, retry } from '../../resilience/retry.js';
import { RetryBudget } from '../../resilience/retry-budget.js';
import { DEFAULT_BACKEND_GUARD } from '../middleware/backend-guard.js';
import type { AlgoResponse, FeatureMap, RunContext, ScoreInput } from '../contract.js';
import { BackendCallError, DEFAULT_HTTP_OPTIMIZATION, HttpBackend, badReply, isRetryableCall } from './http.js';
import type { BuildDeps } from '../registry.js';
import type { FailureReason, HttpOptimization } from './http.js';
import type { PoolMetrics } from '../../observability/pool-metrics.js';

/** A body with headers of its own (e.g. the length of a binary body's JSON header). */
export interface EncodedBody {
  readonly body: Uint8Array | string;
  readonly headers: Readonly<Record<string, string>>;
}

/** One wire protocol: how a run becomes a request body, and a reply becomes scores. */
export interface ScoreCodec {
  readonly contentType: string;
  /** Path (and query) the call posts to, under the backend's origin. */
  readonly path: string;
  /** Whether the body must be gzipped whatever the config says (PMML). */
  readonly alwaysGzip?: boolean;
  /** Whether the protocol carries row-aligned user features; when not, coalesced runs are split per user. */
  readonly rowAlignedUsers: boolean;
  encode(user: FeatureMap | readonly FeatureMap[] | undefined, items: readonly FeatureMap[]): Uint8Array | string | EncodedBody;
  /** Scores of `items`, in order; throws (badReply) when the reply breaks the protocol. */
  decode(body: Buffer, items: readonly FeatureMap[], headers: Readonly<Record<string, string | string[] | undefined>>): readonly AlgoResponse[];
}

export interface RemoteSettings {
  readonly type: string;
  readonly url: string;
  /** Per-call timeout in ms, capped by the request's time left. */
  readonly timeoutMs: number;
  /** Attempts in total, the first included (PaiRec's RetryTimes). */
  readonly attempts: number;
  readonly maxReplyBytes: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly optimization: HttpOptimization;
  /** The backend's retry budget (Envoy's retry_budget): retries in progress ≤ percent % of calls, at least minConcurrency. */
  readonly retryBudget: { readonly percent: number; readonly minConcurrency: number };
}

/**
 * A score algorithm served by a remote model over HTTP (EAS, TF Serving, KServe): one
 * keep-alive pool per instance, one call per run, retried on transient failures within
 * the request's deadline. Every failure is counted by reason and surfaces as a typed
 * error: ERR_BACKEND_REPLY for a reply that breaks the protocol, ERR_BACKEND_UNAVAILABLE
 * for transport failures and error statuses, ERR_DEADLINE_EXCEEDED when time ran out.
 */
export class RemoteScoreAlgorithm extends AlgorithmBase<'score'> {
  readonly #s: RemoteSettings;
  readonly #codec: ScoreCodec;
  readonly #backend: HttpBackend;
  readonly #failures: (reason: FailureReason) => void;
  readonly #budgetSpent: { inc(value?: number): void };
  readonly #budget: RetryBudget;
  readonly #log: Logger;
  readonly #unregister: (() => void) | undefined;

  constructor(
    name: string,
    settings: RemoteSettings,
    codec: ScoreCodec,
    deps: { failures: Counter<'algorithm_name' | 'reason'>; rejections: Counter<'algorithm_name' | 'reason'>; logger: Logger; pools?: PoolMetrics },
  ) {
    super(name, settings.type, 'score');
    this.#s = settings;
    this.#codec = codec;
    this.#backend = new HttpBackend(settings.url, settings.optimization);
    this.#failures = (reason) => deps.failures.labels(name, reason).inc();
    this.#budgetSpent = deps.rejections.labels(name, 'retry_budget');
    this.#budgetSpent.inc(0);
    this.#budget = new RetryBudget(settings.retryBudget);
    this.#log = deps.logger;
    const backend = this.#backend;
    this.#unregister = deps.pools?.add({
      algorithmName: name,
      pool: 'http',
      queued: () => backend.stats().waiting,
      active: () => backend.stats().running,
      connections: () => {
        const s = backend.stats();
        return { busy: s.busy, free: s.free };
      },
    });
  }

  protected async execute(input: ScoreInput, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const { items } = input;
    if (items.length === 0) return [];
    const users = input.users;
    if (!users || this.#codec.rowAlignedUsers) return this.#call(users ?? input.user, items, ctx);
    // Split a coalesced run into runs of one user each (consecutive rows share a map).
    const parts: Promise<readonly AlgoResponse[]>[] = [];
    let start = 0;
    for (let i = 1; i <= items.length; i++) {
      if (i === items.length || users[i] !== users[start]) {
        parts.push(this.#call(users[start], items.slice(start, i), ctx));
        start = i;
      }
    }
    return (await Promise.all(parts)).flat();
  }

  async #call(user: FeatureMap | readonly FeatureMap[] | undefined, items: readonly FeatureMap[], ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const encoded = this.#codec.encode(user, items);
    const body = typeof encoded === 'string' || encoded instanceof Uint8Array ? { body: encoded, headers: {} } : encoded;
    let attempts = 0;
    // Whether the last attempt's bound was the request's time left rather than Timeout:
    // its timeout then means the request ran out (504), even if the timer fired a hair early.
    let boundByDeadline = false;
    try {
      return await retry({
        attempt: async ({ timeLeftMs }) => {
          attempts++;
          boundByDeadline = timeLeftMs <= this.#s.timeoutMs;
          try {
            return await this.#once(body, items, Math.min(this.#s.timeoutMs, timeLeftMs), ctx);
          } catch (err) {
            if (err instanceof BackendCallError) this.#failures(err.reason);
            throw err;
          }
        },
        isRetryable: isRetryableCall,
        deadline: ctx.deadline,
        signal: ctx.signal,
        policy: { ...DEFAULT_BACKOFF, maxAttempts: this.#s.attempts },
        minAttemptMs: 1,
        budget: this.#budget,
        onBudgetExhausted: () => this.#budgetSpent.inc(),
        onRetry: ({ attempt, delayMs, error }) =>
          this.#log.debug({ algorithm: this.name, attempt, delayMs, err: (error as Error).message }, 'retrying model call'),
      });
    } catch (err) {
      throw this.#toPairecError(err, attempts, ctx, boundByDeadline);
    }
  }

  async #once(body: EncodedBody, items: readonly FeatureMap[], timeoutMs: number, ctx: RunContext): Promise<readonly AlgoResponse[]> {
    const reply = await this.#backend.post(this.#codec.path, {
      body: body.body,
      // W3C traceparent only when the request is traced (ctx.spans is unset otherwise).
      headers: { 'content-type': this.#codec.contentType, ...this.#s.headers, ...body.headers, ...ctx.spans?.headers() },
      timeoutMs,
      signal: ctx.signal,
      maxReplyBytes: this.#s.maxReplyBytes,
      gzip: this.#codec.alwaysGzip === true || this.#s.optimization.enable_compression,
    });
    let out: readonly AlgoResponse[];
    try {
      out = this.#codec.decode(reply.body, items, reply.headers);
    } catch (err) {
      if (err instanceof BackendCallError) throw err;
      throw badReply(`reply cannot be decoded: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (out.length !== items.length) throw badReply(`reply has ${out.length} scores for ${items.length} items`);
    for (const r of out) {
      if (!Number.isFinite(r.score)) throw badReply(`reply has a non-finite score (${r.score})`);
    }
    return out;
  }

  #toPairecError(err: unknown, attempts: number, ctx: RunContext, boundByDeadline: boolean): PairecError {
    if (err instanceof PairecError) return err;
    const where = `${this.#s.type} "${this.name}" (${this.#s.url})`;
    if (!(err instanceof BackendCallError)) {
      return new PairecError('ERR_BACKEND_UNAVAILABLE', `${where}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (err.reason === 'aborted') return new PairecError('ERR_ABORTED', `${where}: call aborted`, { cause: err });
    if (err.reason === 'timeout' && (boundByDeadline || ctx.deadline - performance.now() <= 0)) {
      return new PairecError('ERR_DEADLINE_EXCEEDED', `${where}: ran out of the request's time`, { cause: err });
    }
    const code = err.reason === 'reply' || err.reason === 'too_large' ? 'ERR_BACKEND_REPLY' : 'ERR_BACKEND_UNAVAILABLE';
    return new PairecError(code, `${where} failed after ${attempts} attempt(s): ${err.message}`, { cause: err });
  }

  protected override onClose(): Promise<void> {
    this.#unregister?.();
    return this.#backend.close();
  }
}

/** The conf fields every remote scoring type shares, under PaiRec's names. */
export interface RemoteCallConf {
  readonly Timeout: number;
  readonly RetryTimes: number;
  readonly MaxReplyBytes: number;
  readonly Auth?: string;
}

/**
 * Builds a remote scoring instance from its type's codec and PaiRec's shared fields: a
 * Timeout or RetryTimes of 0 keeps PaiRec's defaults (1000 ms; 2 attempts, counting the first).
 */
export function remoteScoreAlgorithm(
  name: string,
  type: string,
  url: string,
  conf: RemoteCallConf,
  codec: ScoreCodec,
  deps: BuildDeps,
): Promise<RemoteScoreAlgorithm> {
  const settings: RemoteSettings = {
    type,
    url,
    timeoutMs: conf.Timeout > 0 ? conf.Timeout : 1000,
    attempts: conf.RetryTimes > 0 ? conf.RetryTimes : 2,
    maxReplyBytes: conf.MaxReplyBytes,
    headers: conf.Auth ? { authorization: conf.Auth } : {},
    optimization: deps.optimization ?? DEFAULT_HTTP_OPTIMIZATION,
    retryBudget: {
      percent: deps.optimization?.retry_budget_percent ?? DEFAULT_BACKEND_GUARD.retry_budget_percent,
      minConcurrency: deps.optimization?.retry_budget_min_concurrency ?? DEFAULT_BACKEND_GUARD.retry_budget_min_concurrency,
    },
  };
  const algo = new RemoteScoreAlgorithm(name, settings, codec, {
    failures: deps.metrics.backendFailures,
    rejections: deps.metrics.backendRejections,
    logger: deps.logger.child({ algorithm: name }),
    pools: deps.metrics.pools,
  });
  return Promise.resolve(algo);
}
