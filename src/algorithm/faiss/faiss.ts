import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import { DEFAULT_BACKOFF, retry } from '../../resilience/retry.js';
import { RetryBudget } from '../../resilience/retry-budget.js';
import type { RetryBudgetOptions } from '../../resilience/retry-budget.js';
import type { Neighbours, RetrievalInput, RunContext } from '../contract.js';
import type { VectorReply } from '../../wire/vector-retrieval.js';
import type { ChannelPool } from './channel-pool.js';
import type { PoolMetrics } from '../../observability/pool-metrics.js';
import type { VectorConf } from './config.js';

/** A gRPC error as the engine reports it: deadline and cancellation keep their meaning. */
function toError(err: unknown, name: string, timeoutMs: number): PairecError {
  const code = (err as { code?: number }).code;
  if (code === status.DEADLINE_EXCEEDED) {
    return new PairecError('ERR_DEADLINE_EXCEEDED', `FAISS "${name}" did not answer within ${timeoutMs} ms`, { cause: err });
  }
  if (code === status.CANCELLED) return new PairecError('ERR_ABORTED', `FAISS "${name}" call cancelled`, { cause: err });
  const msg = err instanceof Error ? err.message : String(err);
  return new PairecError('ERR_BACKEND_UNAVAILABLE', `FAISS "${name}" failed: ${msg}`, { cause: err });
}

/** Refused or dropped connections (UNAVAILABLE) are retried; every other status is an answer. */
const isUnavailable = (err: unknown): boolean => (err as { code?: number }).code === status.UNAVAILABLE;

/**
 * FAISS: a client of `pai.web.VectorRetrieval/Search`. One run may carry many query
 * vectors (PaiRec's BatchedFaissModel): they are sent concurrently, spread over the
 * channel pool. Each call's deadline is min(Timeout, time left in the request), and the
 * request's abort cancels calls still in flight.
 */
export class FaissAlgorithm extends AlgorithmBase<'retrieval'> {
  readonly #pool: ChannelPool;
  readonly #conf: VectorConf;
  readonly #sign: number;
  readonly #unregister: (() => void) | undefined;
  readonly #budget: RetryBudget;

  constructor(name: string, conf: VectorConf, pool: ChannelPool, pools?: PoolMetrics, budget: RetryBudgetOptions = { percent: 20, minConcurrency: 3 }) {
    super(name, 'FAISS', 'retrieval');
    this.#pool = pool;
    this.#conf = conf;
    this.#sign = conf.Metric === 'l2' ? -1 : 1;
    this.#unregister = pools?.add({ algorithmName: name, pool: 'grpc', queued: () => 0, active: () => pool.inFlight, connections: () => pool.states() });
    this.#budget = new RetryBudget(budget);
  }

  protected execute(input: RetrievalInput, ctx: RunContext): Promise<readonly Neighbours[]> {
    const left = ctx.deadline - performance.now();
    const timeout = Math.min(this.#conf.Timeout, left);
    if (timeout <= 0) {
      return Promise.reject(new PairecError('ERR_DEADLINE_EXCEEDED', `no time left to call FAISS "${this.name}"`));
    }
    if (!Number.isInteger(input.k) || input.k < 1) {
      return Promise.reject(new PairecError('ERR_ALGORITHM_INPUT', `k must be a positive integer, got ${input.k}`));
    }
    return Promise.all(input.vectors.map((v) => this.#search({ k: input.k, vector: Array.from(v) }, ctx)));
  }

  /** One query: retried (at most twice, within the request's deadline and the retry budget) when UNAVAILABLE. */
  async #search(req: { k: number; vector: number[] }, ctx: RunContext): Promise<Neighbours> {
    let timeout = 0;
    try {
      const reply = await retry({
        attempt: ({ timeLeftMs }) => {
          timeout = Math.min(this.#conf.Timeout, timeLeftMs);
          return this.#pool.search(req, new Date(Date.now() + timeout), ctx.signal);
        },
        isRetryable: isUnavailable,
        deadline: ctx.deadline,
        signal: ctx.signal,
        policy: { ...DEFAULT_BACKOFF, maxAttempts: 3 },
        minAttemptMs: 1,
        budget: this.#budget,
      });
      return this.#neighbours(reply);
    } catch (err) {
      throw err instanceof PairecError ? err : toError(err, this.name, Math.round(timeout));
    }
  }

  /** Labels are the item ids; a server that sends none is answered by its numeric ids. */
  #neighbours(reply: VectorReply): Neighbours {
    const ids = reply.labels.length === reply.retval.length ? reply.labels : reply.retval.map(String);
    const scores = new Float32Array(ids.length);
    for (let i = 0; i < ids.length; i++) scores[i] = this.#sign * (reply.scores[i] ?? Number.NaN);
    return { ids, scores };
  }

  protected override onClose(): Promise<void> {
    this.#unregister?.();
    this.#pool.close();
    return Promise.resolve();
  }
}
