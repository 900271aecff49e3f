import type { SqlClient } from './sql-client.js';

/** A config generation's clients, staged by SqlPool.stage: served only once committed. */
export interface StagedSql {
  /** The staged client of a name (for the layout check before the swap). */
  client(name: string): SqlClient | undefined;
  /** Resolves when every new client connected once or failed to (never rejects: a database down does not block a reload). */
  ready(): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Clients by HologresConfs (or MysqlConfs) name, kept across reloads while their conf is
 * unchanged, as RedisPool keeps Redis clients (store/redis.ts): stage, then commit with
 * the snapshot swap, or abort and leave the serving clients alone.
 */
export class SqlPool<Conf> {
  #clients = new Map<string, { sig: string; client: SqlClient }>();
  readonly #create: (name: string, conf: Conf) => SqlClient;

  constructor(create: (name: string, conf: Conf) => SqlClient) {
    this.#create = create;
  }

  stage(confs: Readonly<Record<string, Conf>>): StagedSql {
    const next = new Map<string, { sig: string; client: SqlClient }>();
    const opened: SqlClient[] = [];
    for (const [name, conf] of Object.entries(confs)) {
      const sig = JSON.stringify(conf);
      const cur = this.#clients.get(name);
      if (cur && cur.sig === sig) {
        next.set(name, cur);
        continue;
      }
      const client = this.#create(name, conf);
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

  get(name: string): SqlClient | undefined {
    return this.#clients.get(name)?.client;
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()].map((e) => e.client);
    this.#clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
