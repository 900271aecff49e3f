import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { PairecError } from '../errors.js';
import type { HologresConf } from '../config/database-schema.js';
import type { DatabaseMetrics, DatabaseOperation } from '../observability/database-metrics.js';
import { dsnSettings } from './dsn.js';

/** What bounds one query: the request's deadline (performance.now() clock) and its abort signal. */
export interface QueryScope {
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
}

/** Rejects with a catalog error once `ms` pass or `signal` aborts; `p`'s late outcome is handled. */
function bounded<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
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

/** A prepared statement's name per query text: each connection prepares it once, on first use. */
const statementName = (text: string): string => `pairec_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

/**
 * One HologresConfs entry: a pg.Pool of at most MaxConns connections, each with the
 * server-side `statement_timeout` = QueryTimeout. A query runs as a named (prepared)
 * statement with bound parameters, within the lesser of QueryTimeout and the request's
 * time left; past it, or when the request aborts, the caller gets an error at once and
 * the connection is closed (the server ends the statement at its statement_timeout), so
 * no later query waits behind an abandoned one. Every query is timed and every failure
 * counted; callers degrade (defaults, fallback) as they do when Redis is down.
 */
export class HologresClient {
  readonly name: string;
  readonly #pool: pg.Pool;
  readonly #conf: HologresConf;
  readonly #metrics: DatabaseMetrics;
  readonly #unregister: () => void;

  constructor(name: string, conf: HologresConf, logger: Logger, metrics: DatabaseMetrics) {
    this.name = name;
    this.#conf = conf;
    this.#metrics = metrics;
    this.#pool = new pg.Pool({
      ...dsnSettings(conf.DSN),
      max: conf.MaxConns,
      connectionTimeoutMillis: conf.ConnectTimeout,
      idleTimeoutMillis: conf.IdleTimeout,
      statement_timeout: conf.QueryTimeout,
      application_name: 'pairec-ts',
      keepAlive: true,
    });
    // An idle connection that breaks (the server went away) is reported here; without a
    // listener it would be an uncaught error. Once per distinct message; never the DSN.
    let last = '';
    this.#pool.on('error', (err: Error) => {
      if (err.message === last) return;
      last = err.message;
      logger.warn({ hologres: name, err: err.message }, 'hologres connection error');
    });
    this.#pool.on('connect', (client: PoolClient) => {
      // A connection that breaks while checked out emits on the client, not the pool: its
      // query fails (and is counted) anyway; without a listener it would end the process.
      client.on('error', () => undefined);
      if (last === '') return;
      last = '';
      logger.info({ hologres: name }, 'hologres connected');
    });
    this.#unregister = metrics.add({
      database: name,
      stats: () => ({ total: this.#pool.totalCount, idle: this.#pool.idleCount, waiting: this.#pool.waitingCount }),
    });
  }

  /** Rows of a parameterised query; throws (after counting) on failure, deadline or abort. */
  async query<R extends QueryResultRow>(op: DatabaseOperation, text: string, values: readonly unknown[], scope?: QueryScope): Promise<R[]> {
    const start = performance.now();
    const left = scope ? scope.deadline - start : Number.POSITIVE_INFINITY;
    const budget = Math.min(this.#conf.QueryTimeout, left);
    let client: PoolClient | undefined;
    let broken = false;
    try {
      if (scope?.signal?.aborted) throw new PairecError('ERR_ABORTED', 'the request ended before the query started');
      if (budget <= 0) throw new PairecError('ERR_DEADLINE_EXCEEDED', 'no time left for the query');
      const connecting = this.#pool.connect();
      try {
        client = await bounded(connecting, budget, scope?.signal);
      } catch (err) {
        // A connection that arrives after the caller gave up goes back to the pool unused.
        connecting.then((c) => c.release(), () => undefined);
        throw err;
      }
      const c = client;
      const running = c.query<R>({ name: statementName(text), text, values: [...values] });
      try {
        const res = await bounded(running, budget - (performance.now() - start), scope?.signal);
        return res.rows;
      } catch (err) {
        // A SQL error leaves the connection usable; a deadline, abort or broken socket does not.
        broken = !(err instanceof pg.DatabaseError);
        running.catch(() => undefined);
        throw err;
      }
    } catch (err) {
      this.#metrics.failures.labels(this.name, op).inc();
      throw err;
    } finally {
      client?.release(broken ? true : undefined);
      this.#metrics.queryDuration.labels(this.name, op).observe((performance.now() - start) / 1000);
    }
  }

  /** Opens one connection (within ConnectTimeout) and returns it; false when the database is unreachable. */
  async ping(): Promise<boolean> {
    try {
      const c = await this.#pool.connect();
      c.release();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#unregister();
    await this.#pool.end().catch(() => undefined);
  }
}

/** A config generation's clients, staged by HologresPool.stage: served only once committed. */
export interface StagedHologres {
  /** The staged client of a name (for the layout check before the swap). */
  client(name: string): HologresClient | undefined;
  /** Resolves when every new client connected once or failed to (never rejects: a database down does not block a reload). */
  ready(): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Clients by HologresConfs name, kept across reloads while their conf is unchanged, as
 * RedisPool keeps Redis clients (store/redis.ts): stage, then commit with the snapshot
 * swap, or abort and leave the serving clients alone.
 */
export class HologresPool {
  #clients = new Map<string, { sig: string; client: HologresClient }>();
  readonly #logger: Logger;
  readonly #metrics: DatabaseMetrics;

  constructor(logger: Logger, metrics: DatabaseMetrics) {
    this.#logger = logger;
    this.#metrics = metrics;
  }

  stage(confs: Readonly<Record<string, HologresConf>>): StagedHologres {
    const next = new Map<string, { sig: string; client: HologresClient }>();
    const opened: HologresClient[] = [];
    for (const [name, conf] of Object.entries(confs)) {
      const sig = JSON.stringify(conf);
      const cur = this.#clients.get(name);
      if (cur && cur.sig === sig) {
        next.set(name, cur);
        continue;
      }
      const client = new HologresClient(name, conf, this.#logger, this.#metrics);
      opened.push(client);
      next.set(name, { sig, client });
    }
    let settled = false;
    return {
      client: (name) => next.get(name)?.client,
      ready: async () => {
        await Promise.all(opened.map((c) => c.ping()));
      },
      commit: async () => {
        if (settled) return;
        settled = true;
        const kept = new Set([...next.values()].map((e) => e.client));
        const stale = [...this.#clients.values()].map((e) => e.client).filter((c) => !kept.has(c));
        this.#clients = next;
        await Promise.all(stale.map((c) => c.close()));
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        await Promise.all(opened.map((c) => c.close()));
      },
    };
  }

  get(name: string): HologresClient | undefined {
    return this.#clients.get(name)?.client;
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()].map((e) => e.client);
    this.#clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
