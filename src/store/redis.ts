import { Redis, Cluster } from 'ioredis';
import type { Logger } from 'pino';
import { StagedPool } from './staged-pool.js';
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

/**
 * Redis clients by RedisConfs name, staged per reload and kept while their conf is
 * unchanged (store/staged-pool.ts). A new client's readiness waits at most its
 * ConnectTimeout: a Redis that is down does not block a reload; its commands fail fast
 * until it is up.
 */
export class RedisPool extends StagedPool<RedisConf, RedisClient> {
  constructor(logger: Logger) {
    super({ create: (name, conf) => createRedisClient(name, conf, logger), ready: (c, conf) => whenReady(c, conf.ConnectTimeout), close: quit });
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
