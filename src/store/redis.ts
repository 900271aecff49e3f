import { Redis, Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisConf } from '../config/schema.js';

/** A single-node or cluster client; both answer the commands used here. */
export type RedisClient = Redis | Cluster;

/**
 * Builds a client for one RedisConfs entry. The offline queue is off so that a command
 * sent while Redis is down fails at once instead of waiting for a reconnect: callers
 * degrade (fail open) rather than hold a request until its deadline.
 */
export function createRedisClient(name: string, conf: RedisConf, logger: Logger): RedisClient {
  const common = {
    ...(conf.Password !== undefined ? { password: conf.Password } : {}),
    connectTimeout: conf.ConnectTimeout,
    // ReadTimeout bounds a command end to end; WriteTimeout has no separate knob in ioredis.
    commandTimeout: conf.ReadTimeout,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Reconnect forever, at most every 500 ms, so service resumes soon after Redis returns.
    retryStrategy: (times: number) => Math.min(times * 50, 500),
    lazyConnect: false,
  };
  const client: RedisClient = conf.Cluster
    ? new Cluster(
        conf.Cluster.map((n) => ({ host: n.Host, port: n.Port })),
        {
          redisOptions: common,
          enableOfflineQueue: false,
          // Cluster commands to different nodes are batched per node and event-loop tick.
          enableAutoPipelining: true,
          clusterRetryStrategy: (times: number) => Math.min(times * 50, 500),
          slotsRefreshTimeout: conf.ConnectTimeout,
        },
      )
    : new Redis({ host: conf.Host, port: conf.Port, db: conf.DbNum, ...common });
  // Without a listener, ioredis reports every failed reconnect as an unhandled 'error'.
  // The message only: the options (with the password) never reach the log.
  let last = '';
  client.on('error', (err: Error) => {
    if (err.message === last) return; // once per distinct error, not once per retry
    last = err.message;
    logger.warn({ redis: name, err: err.message }, 'redis error');
  });
  client.on('ready', () => {
    last = '';
    logger.info({ redis: name }, 'redis ready');
  });
  return client;
}

/** A config generation's clients, staged by RedisPool.stage: served only once committed. */
export interface StagedRedis {
  /**
   * Resolves when every client this stage opened is ready, or its ConnectTimeout passed
   * (a Redis that is down does not block a reload; its commands fail fast until it is up).
   */
  ready(): Promise<void>;
  /** Swaps the staged clients in (at once) and closes the replaced ones (resolves when they are closed). */
  commit(): Promise<void>;
  /** Closes the clients this stage opened; the serving clients are untouched. */
  abort(): Promise<void>;
}

/**
 * Clients by RedisConfs name, kept across reloads while their conf is unchanged (as the
 * engine keeps the catalog by signature): a reload does not drop connections. A reload
 * stages its clients first and swaps them in only when the whole config was built, so a
 * reload that fails leaves the serving config on its own, working clients.
 */
export class RedisPool {
  #clients = new Map<string, { sig: string; client: RedisClient }>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Clients for `confs`: unchanged entries reuse the serving client, new and changed ones connect now. */
  stage(confs: Readonly<Record<string, RedisConf>>): StagedRedis {
    const next = new Map<string, { sig: string; client: RedisClient }>();
    const opened: RedisClient[] = [];
    const readiness: Promise<void>[] = [];
    for (const [name, conf] of Object.entries(confs)) {
      const sig = JSON.stringify(conf);
      const cur = this.#clients.get(name);
      if (cur && cur.sig === sig) {
        next.set(name, cur);
        continue;
      }
      const client = createRedisClient(name, conf, this.#logger);
      opened.push(client);
      readiness.push(whenReady(client, conf.ConnectTimeout));
      next.set(name, { sig, client });
    }
    let settled = false;
    return {
      ready: async () => {
        await Promise.all(readiness);
      },
      commit: async () => {
        if (settled) return;
        settled = true;
        const kept = new Set([...next.values()].map((e) => e.client));
        const stale = [...this.#clients.values()].map((e) => e.client).filter((c) => !kept.has(c));
        this.#clients = next;
        await Promise.all(stale.map(quit));
      },
      abort: async () => {
        if (settled) return;
        settled = true;
        await Promise.all(opened.map(quit));
      },
    };
  }

  get(name: string): RedisClient | undefined {
    return this.#clients.get(name)?.client;
  }

  async close(): Promise<void> {
    const all = [...this.#clients.values()].map((e) => e.client);
    this.#clients.clear();
    await Promise.all(all.map(quit));
  }
}

/** Resolves once the client is ready, or after `timeoutMs`; never rejects. */
function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}

/** QUIT when connected, else drop the socket: closing must not wait for a dead Redis. */
async function quit(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().then(
    () => undefined,
    () => client.disconnect(),
  );
}
