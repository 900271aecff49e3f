import type { SqlClient } from './sql-client.js';
import { StagedPool } from './staged-pool.js';
import type { Staged } from './staged-pool.js';

/** A config generation's SQL clients, staged by SqlPool.stage: served only once committed. */
export type StagedSql = Staged<SqlClient>;

/**
 * Clients by HologresConfs (or MysqlConfs) name, kept across reloads while their conf is
 * unchanged (store/staged-pool.ts); a new client is ready once it connected once or failed to.
 */
export class SqlPool<Conf> extends StagedPool<Conf, SqlClient> {
  constructor(create: (name: string, conf: Conf) => SqlClient) {
    super({ create, ready: (c) => c.ping(), close: (c) => c.close() });
  }
}
