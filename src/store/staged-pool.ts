/** A config generation's clients, staged by StagedPool.stage: served only once committed. */
export interface Staged<Client> {
  /** The staged client of a name (for checks before the swap, such as a table layout). */
  client(name: string): Client | undefined;
  /** Resolves when every new client connected once or failed to (never rejects: a store down does not block a reload). */
  ready(): Promise<void>;
  /** Swaps the staged clients in (at once) and closes the replaced ones (resolves when they are closed). */
  commit(): Promise<void>;
  /** Closes the clients this stage opened; the serving clients are untouched. */
  abort(): Promise<void>;
}

/** How a pool makes, readies and closes its kind of client. */
export interface ClientKind<Conf, Client> {
  create(name: string, conf: Conf): Client;
  /** Resolves once the client can serve or gave up trying; never rejects. */
  ready(client: Client, conf: Conf): Promise<unknown>;
  close(client: Client): Promise<unknown>;
}

/**
 * Clients by config name, kept across reloads while their conf is unchanged (as the engine
 * keeps the catalog by signature): a reload does not drop connections. A reload stages
 * its clients first and swaps them in only when the whole config was built, so a reload
 * that fails leaves the serving config on its own, working clients. Redis, Hologres and
 * MySQL pools are this with their client kind (store/redis.ts, store/sql-pool.ts).
 */
export class StagedPool<Conf, Client> {
  #clients = new Map<string, { sig: string; client: Client }>();
  readonly #kind: ClientKind<Conf, Client>;

  constructor(kind: ClientKind<Conf, Client>) {
    this.#kind = kind;
  }

  /** Clients for `confs`: unchanged entries reuse the serving client, new and changed ones connect now. */
  stage(confs: Readonly<Record<string, Conf>>): Staged<Client> {
    const kind = this.#kind;
    const next = new Map<string, { sig: string; client: Client }>();
    const opened: Client[] = [];
    const readiness: Promise<unknown>[] = [];
    for (const [name, conf] of Object.entries(confs)) {
      const sig = JSON.stringify(conf);
      const cur = this.#clients.get(name);
      if (cur && cur.sig === sig) {
        next.set(name, cur);
        continue;
      }
      const client = kind.create(name, conf);
      opened.push(client);
      readiness.push(kind.ready(client, conf));
      next.set(name, { sig, client });
    }
    let settled = false;
    return {
      client: (name) => next.get(name)?.client,
      ready: async () => {
        await Promise.all(readiness);
      },
      commit: async () => {
        if (settled) return;
        settled = true;
        const kept = new Set([...next.values()].map((e) => e.client));
        const stale = [...this.#clients.values()].map((e) => e.client).filter((c) => !kept.has(c));
        this.#clients = next;
        await Promise.all(stale.map((c) => kind.close(c)));
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        await Promise.all(opened.map((c) => kind.close(c)));
      },
    };
  }

  get(name: string): Client | undefined {
    return this.#clients.get(name)?.client;
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()].map((e) => e.client);
    this.#clients.clear();
    await Promise.all(all.map((c) => this.#kind.close(c)));
  }
}
