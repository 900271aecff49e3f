import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The closed set of `operation` labels of the database metrics (the Redis ones, plus the load-time layout check). */
export const DATABASE_OPERATIONS = ['exposure_add', 'exposure_seen', 'features', 'recall', 'layout'] as const;
export type DatabaseOperation = (typeof DATABASE_OPERATIONS)[number];

/** A connection pool as the gauges read it at scrape time. */
export interface DatabasePoolSource {
  readonly database: string;
  /** Connections open, idle among them, and queries waiting for one. */
  stats(): { readonly total: number; readonly idle: number; readonly waiting: number };
}

/**
 * Hologres (PostgreSQL protocol) databases, as pairec_redis_failures_total does for
 * Redis: failed queries by HologresConfs name and operation (the request went on
 * degraded), query durations, and each pool's connections read at scrape time.
 */
export interface DatabaseMetrics {
  readonly failures: Counter<'database' | 'operation'>;
  readonly queryDuration: Histogram<'database' | 'operation'>;
  /** Registers a pool; the returned function removes it (call it when the pool closes). */
  add(source: DatabasePoolSource): () => void;
}

export function createDatabaseMetrics(registry: Registry, buckets: readonly number[]): DatabaseMetrics {
  const registers = [registry];
  const sources = new Set<DatabasePoolSource>();
  new Gauge({
    name: 'pairec_database_pool_connections',
    help: 'Connections of each HologresConfs and MysqlConfs pool by state (total, idle) and queries waiting for one (waiting), read at scrape time',
    labelNames: ['database', 'state'],
    registers,
    collect() {
      this.reset();
      for (const s of sources) {
        const { total, idle, waiting } = s.stats();
        this.inc({ database: s.database, state: 'total' }, total);
        this.inc({ database: s.database, state: 'idle' }, idle);
        this.inc({ database: s.database, state: 'waiting' }, waiting);
      }
    },
  });
  return {
    failures: new Counter({
      name: 'pairec_database_failures_total',
      help: 'Failed Hologres/PostgreSQL and MySQL queries by HologresConfs or MysqlConfs name and operation (exposure_add, exposure_seen, features, recall, layout); the request went on degraded',
      labelNames: ['database', 'operation'],
      registers,
    }),
    queryDuration: new Histogram({
      name: 'pairec_database_query_duration_seconds',
      help: 'Hologres/PostgreSQL and MySQL query time by HologresConfs or MysqlConfs name and operation, failed queries included (waiting for a connection counts)',
      labelNames: ['database', 'operation'],
      buckets: [...buckets],
      registers,
    }),
    add(source) {
      sources.add(source);
      return () => sources.delete(source);
    },
  };
}
