import { createHash } from 'node:crypto';
import pg from 'pg';
import { PairecError } from '../errors.js';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import type { HologresConf } from '../config/database-schema.js';
import type { DatabaseMetrics, DatabaseOperation } from '../observability/database-metrics.js';
import { dsnSettings } from './dsn.js';
import { bounded, queryBudget } from './sql-client.js';
import type { QueryScope, SqlClient, SqlValue } from './sql-client.js';
import { SqlPool } from './sql-pool.js';
import { cancelBackend } from './pg-cancel.js';

export type { QueryScope } from './sql-client.js';

/** A prepared statement's name per query text: each connection prepares it once, on first use. */
const statementName = (text: string): string => `pairec_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;

/**
 * One HologresConfs entry: a pg.Pool of at most MaxConns connections, each with the
 * server-side `statement_timeout` = QueryTimeout. A query runs as a named (prepared)
 * statement with bound parameters, within the lesser of QueryTimeout and the request's
 * time left; past it, or when the request aborts, the caller gets an error at once, the
 * server is sent a cancel request for the statement (store/pg-cancel.ts; statement_timeout
 * ends it anyway) and the connection is closed, so no later query waits behind it. Every
 * query is timed and every failure counted; callers degrade (defaults, fallback) as they
 * do when Redis is down.
 */
export class HologresClient implements SqlClient {
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
  async query<R extends QueryResultRow & Record<string, unknown>>(
    op: DatabaseOperation,
    text: string,
    values: readonly SqlValue[],
    scope?: QueryScope,
  ): Promise<R[]> {
    const start = performance.now();
    let client: PoolClient | undefined;
    let broken = false;
    try {
      const budget = queryBudget(this.#conf.QueryTimeout, scope, start);
      const connecting = this.#pool.connect();
      try {
        client = await bounded(connecting, budget, scope?.signal);
      } catch (err) {
        // A connection that arrives after the caller gave up goes back to the pool unused.
        connecting.then(
          (c) => c.release(),
          () => undefined,
        );
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
        // Given up on (deadline, abort): the server is asked to stop the statement now.
        if (err instanceof PairecError) cancelBackend(c);
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

/** Hologres clients by HologresConfs name, kept across reloads while unchanged (store/sql-pool.ts). */
export class HologresPool extends SqlPool<HologresConf> {
  constructor(logger: Logger, metrics: DatabaseMetrics) {
    super((name, conf) => new HologresClient(name, conf, logger, metrics));
  }
}
