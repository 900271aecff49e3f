import mysql from 'mysql2/promise';
import type { Pool, PoolConnection, PoolOptions } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { MysqlConf } from '../config/database-schema.js';
import type { DatabaseMetrics, DatabaseOperation } from '../observability/database-metrics.js';
import { bounded, queryBudget } from './sql-client.js';
import type { QueryScope, SqlClient, SqlValue } from './sql-client.js';
import { SqlPool } from './sql-pool.js';

/**
 * A PaiRec MysqlConfs DSN as mysql2 options: Go's go-sql-driver form
 * `user:password@tcp(host:port)/dbname?params` (what PaiRec configs hold; params are
 * ignored: the conf's timeouts govern) or a `mysql://` URL.
 */
export function mysqlSettings(dsn: string): PoolOptions {
  const t = dsn.trim();
  if (/^mysql:\/\//i.test(t)) return { uri: t };
  const m = /^(?:([^:@/]*)(?::(.*))?@)?(?:(tcp|unix)\(([^)]*)\))?\/([^?]*)(?:\?.*)?$/.exec(t);
  if (!m) return { uri: t };
  const [, user, password, proto, addr, database] = m;
  const out: PoolOptions = { database: database || undefined, user: user || undefined, password: password ?? undefined };
  if (proto === 'unix') out.socketPath = addr;
  else if (addr) {
    const i = addr.lastIndexOf(':');
    out.host = i >= 0 ? addr.slice(0, i) : addr;
    if (i >= 0) out.port = Number(addr.slice(i + 1));
  }
  return out;
}

/** A SQL error of the statement (the connection stays usable), as opposed to a broken connection. */
const statementError = (err: unknown): boolean => typeof err === 'object' && err !== null && (err as { fatal?: unknown }).fatal === false;

/**
 * One MysqlConfs entry: a mysql2 pool of at most MaxConns connections, each with the
 * server-side statement limit = QueryTimeout (MariaDB's max_statement_time, else MySQL's
 * max_execution_time). Queries run as prepared statements (`execute`) within the lesser
 * of QueryTimeout and the request's time left; past it, or on abort, the caller gets an
 * error at once and the connection is destroyed. As HologresClient (store/hologres.ts).
 */
export class MysqlClient implements SqlClient {
  readonly name: string;
  readonly #pool: Pool;
  readonly #conf: MysqlConf;
  readonly #metrics: DatabaseMetrics;
  readonly #unregister: () => void;
  #active = 0;
  #waiting = 0;
  #open = 0;

  constructor(name: string, conf: MysqlConf, logger: Logger, metrics: DatabaseMetrics) {
    this.name = name;
    this.#conf = conf;
    this.#metrics = metrics;
    this.#pool = mysql.createPool({
      ...mysqlSettings(conf.DSN),
      connectionLimit: conf.MaxConns,
      maxIdle: conf.MaxConns,
      connectTimeout: conf.ConnectTimeout,
      idleTimeout: conf.IdleTimeout === 0 ? 2 ** 31 - 1 : conf.IdleTimeout,
      enableKeepAlive: true,
      waitForConnections: true,
      queueLimit: 0,
    });
    let last = '';
    this.#pool.pool.on('connection', (conn) => {
      this.#open++;
      // A connection that breaks while checked out would otherwise be an uncaught error.
      conn.on('error', (err: Error) => {
        if (err.message !== last) logger.warn({ mysql: name, err: (last = err.message) }, 'mysql connection error');
      });
      conn.once('end', () => this.#open--);
      const seconds = conf.QueryTimeout / 1000;
      conn.query(`SET SESSION max_statement_time = ${seconds}`, (err) => {
        if (err) conn.query(`SET SESSION max_execution_time = ${conf.QueryTimeout}`, () => undefined);
      });
    });
    this.#unregister = metrics.add({
      database: name,
      stats: () => ({ total: Math.max(this.#open, this.#active), idle: Math.max(0, this.#open - this.#active), waiting: this.#waiting }),
    });
  }

  async query<R extends Record<string, unknown>>(op: DatabaseOperation, text: string, values: readonly SqlValue[], scope?: QueryScope): Promise<R[]> {
    const start = performance.now();
    let conn: PoolConnection | undefined;
    let broken = false;
    try {
      const budget = queryBudget(this.#conf.QueryTimeout, scope, start);
      const connecting = this.#pool.getConnection();
      this.#waiting++;
      try {
        conn = await bounded(connecting, budget, scope?.signal);
      } catch (err) {
        connecting.then(
          (c) => c.release(),
          () => undefined,
        );
        throw err;
      } finally {
        this.#waiting--;
      }
      this.#active++;
      // Lists are spread into placeholders by the MySQL dialect: only scalars reach here.
      const running = conn.execute(
        text,
        values.filter((v): v is string | number | boolean | null => !Array.isArray(v)),
      );
      try {
        const [rows] = await bounded(running, budget - (performance.now() - start), scope?.signal);
        return rows as R[];
      } catch (err) {
        broken = !statementError(err);
        running.catch(() => undefined);
        throw err;
      }
    } catch (err) {
      this.#metrics.failures.labels(this.name, op).inc();
      throw err;
    } finally {
      if (conn) {
        this.#active--;
        if (broken) conn.destroy();
        else conn.release();
      }
      this.#metrics.queryDuration.labels(this.name, op).observe((performance.now() - start) / 1000);
    }
  }

  async ping(): Promise<boolean> {
    try {
      const c = await bounded(this.#pool.getConnection(), this.#conf.ConnectTimeout + 100, undefined);
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

/** MySQL clients by MysqlConfs name, kept across reloads while unchanged (store/sql-pool.ts). */
export class MysqlPool extends SqlPool<MysqlConf> {
  constructor(logger: Logger, metrics: DatabaseMetrics) {
    super((name, conf) => new MysqlClient(name, conf, logger, metrics));
  }
}
