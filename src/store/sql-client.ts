import { PairecError } from '../errors.js';
import type { DatabaseOperation } from '../observability/database-metrics.js';

/** What bounds one query: the request's deadline (performance.now() clock) and its abort signal. */
export interface QueryScope {
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
}

/** A bound parameter: a scalar, or (PostgreSQL's `= ANY($1)`) a list of ids. */
export type SqlValue = string | number | boolean | null | readonly string[];

/** A pooled SQL database (HologresConfs, MysqlConfs entry): the one call the data sources make. */
export interface SqlClient {
  readonly name: string;
  /** Rows of a parameterised query; throws (after counting) on failure, deadline or abort. */
  query<R extends Record<string, unknown>>(op: DatabaseOperation, text: string, values: readonly SqlValue[], scope?: QueryScope): Promise<R[]>;
  /** Opens one connection (within ConnectTimeout); false when the database is unreachable. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Rejects with a catalog error once `ms` pass or `signal` aborts; `p`'s late outcome is handled. */
export function bounded<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => finish(() => reject(new PairecError('ERR_ABORTED', 'the request ended before the query answered')));
    const timer = setTimeout(() => finish(() => reject(new PairecError('ERR_DEADLINE_EXCEEDED', `query did not answer within ${Math.round(ms)} ms`))), ms);
    let done = false;
    function finish(f: () => void): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/** The time a query may take: the lesser of the conf's QueryTimeout and what the request has left; throws when none is left. */
export function queryBudget(queryTimeoutMs: number, scope: QueryScope | undefined, now: number): number {
  if (scope?.signal?.aborted) throw new PairecError('ERR_ABORTED', 'the request ended before the query started');
  const budget = Math.min(queryTimeoutMs, scope ? scope.deadline - now : Number.POSITIVE_INFINITY);
  if (budget <= 0) throw new PairecError('ERR_DEADLINE_EXCEEDED', 'no time left for the query');
  return budget;
}
