import { connect } from 'node:net';
import type { Logger } from 'pino';
import type { AlgorithmRegistry } from '../algorithm/registry.js';
import type { Config } from '../config/schema.js';
import { pathFromSegments } from '../config/json-path.js';
import { ConfigError } from '../errors.js';
import type { PairecError } from '../errors.js';
import { createMetrics } from '../observability/metrics.js';
import { createRedisClient } from '../store/redis.js';
import type { RedisClient } from '../store/redis.js';
import { bounded } from '../store/sql-client.js';
import { dsnSettings } from '../store/dsn.js';
import { mysqlSettings } from '../store/mysql.js';
import { checkTableLayouts } from '../store/table-layouts.js';
import { Databases } from './database-parts.js';
import type { SqlAdapter } from './database-parts.js';

/** One backend of a config and whether it answered. `target` is host:port only: a DSN or URL may hold a password. */
export interface BackendResult {
  readonly kind: 'redis' | SqlAdapter | 'algorithm';
  readonly name: string;
  /** JSON path of the conf that names it. */
  readonly path: string;
  readonly target: string;
  readonly ok: boolean;
  readonly ms: number;
  /** What answered (PONG, HTTP 404 …) or why nothing did. */
  readonly detail: string;
}

export interface ProbeReport {
  readonly backends: readonly BackendResult[];
  /** Table layout problems found on the databases that answered (as serve's load finds them). */
  readonly problems: readonly PairecError[];
}

/** Why a probe failed, from the innermost cause (fetch's "fetch failed" wraps the socket's ECONNREFUSED). */
const message = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (e.cause instanceof Error) return message(e.cause);
  const text = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  return typeof e.code === 'string' && !text.includes(e.code) ? `${e.code} ${text}` : text;
};

async function timed(base: Omit<BackendResult, 'ok' | 'ms' | 'detail'>, probe: () => Promise<string>): Promise<BackendResult> {
  const start = performance.now();
  try {
    const detail = await probe();
    return { ...base, ok: true, ms: Math.round(performance.now() - start), detail };
  } catch (err) {
    return { ...base, ok: false, ms: Math.round(performance.now() - start), detail: message(err) };
  }
}

/** Connects, waits for ready, PINGs; the client is closed whatever happens. */
async function pingRedis(client: RedisClient, timeoutMs: number): Promise<string> {
  try {
    const ready = new Promise<void>((resolve, reject) => {
      if (client.status === 'ready') resolve();
      client.once('ready', resolve);
      client.once('error', reject);
    });
    await bounded(ready, timeoutMs, undefined);
    return await bounded(client.ping(), timeoutMs, undefined);
  } finally {
    client.disconnect();
  }
}

/** A TCP connection accepted (gRPC backends: FAISS vector servers, Milvus). */
function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string> {
  return bounded(
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('accepted a TCP connection');
      });
      socket.once('error', reject);
      setTimeout(() => socket.destroy(), timeoutMs).unref();
    }),
    timeoutMs,
    undefined,
  );
}

/** An HTTP(S) endpoint answers with any status (a predict URL may refuse a GET: it still answers). */
async function httpAnswer(url: URL, timeoutMs: number): Promise<string> {
  const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  return `HTTP ${res.status}`;
}

/** A remote algorithm's endpoint (a URL or host:port) as its display target and probe. */
function endpointProbe(endpoint: string, timeoutMs: number): { target: string; probe: () => Promise<string> } {
  if (/^https?:\/\//i.test(endpoint)) {
    const url = new URL(endpoint);
    return { target: url.host, probe: () => httpAnswer(url, timeoutMs) };
  }
  const hostPort = new URL(`tcp://${endpoint.replace(/^[a-z]+:\/\//i, '')}`);
  const port = Number(hostPort.port);
  const host = hostPort.hostname.replace(/^\[|\]$/g, '');
  return { target: hostPort.host, probe: () => (port > 0 ? tcpConnect(host, port, timeoutMs) : Promise.reject(new Error(`no port in "${hostPort.host}"`))) };
}

const sqlHost = (adapter: SqlAdapter, dsn: string): string => {
  try {
    if (adapter === 'hologres') {
      const s = dsnSettings(dsn);
      return s.connectionString ? new URL(s.connectionString).host : `${s.host ?? 'localhost'}:${s.port ?? 5432}`;
    }
    const s = mysqlSettings(dsn);
    return s.uri ? new URL(s.uri).host : (s.socketPath ?? `${s.host ?? 'localhost'}:${s.port ?? 3306}`);
  } catch {
    return '(unreadable DSN)';
  }
};

/**
 * `pairec validate --connect`: asks each backend a config names whether it answers,
 * each within `timeoutMs`, all at once. Redis: connect and PING. Hologres and MySQL:
 * the engine's own pools run `SELECT 1`, then the table layout check serve runs at
 * load. Remote algorithms (their type's `endpoint`): an HTTP answer of any status for a
 * URL, an accepted TCP connection for host:port (gRPC). Nothing is sent that changes
 * anything; every connection is closed before this resolves.
 */
export async function probeBackends(config: Config, registry: AlgorithmRegistry, timeoutMs: number, logger: Logger): Promise<ProbeReport> {
  const deadline = (): number => performance.now() + timeoutMs;
  const probes: Promise<BackendResult>[] = [];
  for (const [name, conf] of Object.entries(config.RedisConfs)) {
    const target = conf.Cluster ? conf.Cluster.map((n) => `${n.Host}:${n.Port}`).join(',') : `${conf.Host}:${conf.Port}`;
    const base = { kind: 'redis' as const, name, path: pathFromSegments(['RedisConfs', name]), target };
    probes.push(
      timed(base, () => pingRedis(createRedisClient(name, { ...conf, ConnectTimeout: Math.min(conf.ConnectTimeout, timeoutMs) }, logger), timeoutMs)),
    );
  }
  const databases = new Databases(logger, createMetrics(undefined, { defaultMetrics: false }));
  const staged = databases.stage(config);
  const sql: [SqlAdapter, string, Readonly<Record<string, { DSN: string }>>][] = [
    ['hologres', 'HologresConfs', config.HologresConfs],
    ['mysql', 'MysqlConfs', config.MysqlConfs],
  ];
  for (const [adapter, key, confs] of sql) {
    for (const [name, conf] of Object.entries(confs)) {
      const base = { kind: adapter, name, path: pathFromSegments([key, name]), target: sqlHost(adapter, conf.DSN) };
      probes.push(
        timed(base, async () => {
          const client = staged.client(adapter, name);
          if (!client) throw new Error('no client');
          await client.query('layout', 'SELECT 1', [], { deadline: deadline() });
          return 'SELECT 1 answered';
        }),
      );
    }
  }
  config.AlgoConfs.forEach((a, i) => {
    const def = registry.getType(a.Type);
    const conf: unknown = def && (a as Record<string, unknown>)[def.confKey];
    if (!def?.endpoint || conf === undefined) return;
    const endpoint = def.endpoint(conf as never);
    const base = { kind: 'algorithm' as const, name: a.Name, path: pathFromSegments(['AlgoConfs', i, def.confKey]) };
    try {
      const { target, probe } = endpointProbe(endpoint, timeoutMs);
      probes.push(timed({ ...base, target }, probe));
    } catch (err) {
      probes.push(Promise.resolve({ ...base, target: '(unreadable address)', ok: false, ms: 0, detail: message(err) }));
    }
  });
  const backends = await Promise.all(probes);
  const problems: PairecError[] = [];
  try {
    // Only databases that answered are checked (checkTableLayouts skips the others).
    await checkTableLayouts(
      config,
      (adapter, name) => (backends.some((b) => b.kind === adapter && b.name === name && b.ok) ? staged.client(adapter, name) : undefined),
      logger,
    );
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  } finally {
    await staged.abort();
  }
  return { backends, problems };
}
