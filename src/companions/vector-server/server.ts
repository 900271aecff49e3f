import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import { vectorRetrievalService } from '../../wire/vector-retrieval.js';
import type { VectorReply, VectorRequest } from '../../wire/vector-retrieval.js';
import { PairecError } from '../../errors.js';
import { ALGORITHM_DURATION_BUCKETS } from '../../observability/metrics.js';
import { loadOrBuildIndex } from '../../vector/vector-index.js';
import type { IndexSpec, VectorIndex } from '../../vector/vector-index.js';
import { serialReloads } from '../serial-reload.js';
import type { VectorData } from './data.js';

/** Vectors read for serving, and the key of their built index in the cache (none: no cache). */
export interface LoadedVectors {
  readonly data: VectorData;
  readonly cacheKey: string | undefined;
}

export interface VectorServerOptions {
  /** Reads the vectors: at start, and again at each reload. */
  readonly load: () => Promise<LoadedVectors>;
  readonly spec: IndexSpec;
  /** The index kind's search knob: HNSW ef, IVF nprobe. */
  readonly effort: number;
  readonly host: string;
  readonly port: number;
  /** Port of the Prometheus endpoint; undefined disables it. */
  readonly metricsPort: number | undefined;
  /** Where built indexes are cached (under each load's cacheKey); undefined disables it. */
  readonly cacheDir: string | undefined;
  readonly logger: Logger;
}

export interface RunningVectorServer {
  readonly port: number;
  readonly metricsPort: number | undefined;
  /** Resolves when the index is loaded and the service reports SERVING. */
  readonly ready: Promise<void>;
  /**
   * Reads the vectors again and builds their index beside the served one, then swaps it in;
   * a load that fails is logged and the served index keeps serving. Resolves true when swapped.
   */
  reload(trigger: string): Promise<boolean>;
  close(graceMs?: number): Promise<void>;
}

const SERVICE = 'pai.web.VectorRetrieval';
const MAX_K = 10_000;

function metricsFor(registry: Registry) {
  collectDefaultMetrics({ register: registry, prefix: 'pairec_vector_server_process_' });
  const registers = [registry];
  return {
    requests: new Counter({ name: 'pairec_vector_server_requests_total', help: 'Search calls by gRPC status', labelNames: ['code'], registers }),
    duration: new Histogram({
      name: 'pairec_vector_server_search_duration_seconds',
      help: 'Search time inside the server',
      buckets: ALGORITHM_DURATION_BUCKETS,
      registers,
    }),
    size: new Gauge({ name: 'pairec_vector_server_index_size', help: 'Vectors in the served index', registers }),
    reloads: new Counter({ name: 'pairec_vector_server_reloads_total', help: 'Reloads by result (success, failed)', labelNames: ['result'], registers }),
    version: new Gauge({
      name: 'pairec_vector_server_data_version',
      help: 'Generation of the served data: 1 for the data loaded at start, one more for each reload swapped in',
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'pairec_vector_server_last_reload_success_timestamp_seconds',
      help: 'Unix time the served data was swapped in (at start or by a reload)',
      registers,
    }),
    lastOk: new Gauge({
      name: 'pairec_vector_server_last_reload_successful',
      help: 'Whether the last reload swapped in its data (1) or failed and left the old data serving (0)',
      registers,
    }),
  };
}

type Callback = grpc.sendUnaryData<VectorReply>;

/** The served index and the label of each of its rows, replaced together. */
interface Served {
  readonly index: VectorIndex;
  readonly labels: readonly string[];
}

/**
 * A server of `pai.web.VectorRetrieval` (Alibaba's Faiss-Server protocol) over an HNSW or
 * exact index, with the gRPC health checking protocol and Prometheus metrics. It binds
 * first and loads after, reporting NOT_SERVING (and answering UNAVAILABLE) until ready.
 * A reload builds the new index beside the served one and swaps one reference. A search
 * runs synchronously from start to reply, so none is in flight at the swap: the old index
 * is dropped (and garbage collected) as soon as the reference is replaced.
 */
export async function startVectorServer(opts: VectorServerOptions): Promise<RunningVectorServer> {
  const { logger } = opts;
  const registry = new Registry();
  const m = metricsFor(registry);
  const health = new HealthImplementation({ '': 'NOT_SERVING', [SERVICE]: 'NOT_SERVING' });
  let served: Served | undefined;
  const l2 = opts.spec.space === 'l2';

  const fail = (cb: Callback, code: grpc.status, details: string): void => {
    m.requests.labels(grpc.status[code]).inc();
    cb({ code, details });
  };
  const search = (call: grpc.ServerUnaryCall<VectorRequest, VectorReply>, cb: Callback): void => {
    const start = performance.now();
    if (!served) return fail(cb, grpc.status.UNAVAILABLE, 'index is loading');
    const { index, labels } = served;
    const { k, vector } = call.request;
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) return fail(cb, grpc.status.INVALID_ARGUMENT, `k must be 1..${MAX_K}, got ${k}`);
    if (vector.length !== index.dim) {
      return fail(cb, grpc.status.INVALID_ARGUMENT, `vector has ${vector.length} dimensions, the index ${index.dim}`);
    }
    const hits = index.search(vector, k, opts.effort);
    // Faiss semantics on the wire: inner product → similarity, L2 → distance (smaller is nearer).
    const reply: VectorReply = {
      retval: [...hits.rows],
      scores: Array.from(hits.scores, (s) => (l2 ? -s : s)),
      labels: hits.rows.map((r) => labels[r] ?? String(r)),
    };
    m.duration.observe((performance.now() - start) / 1000);
    m.requests.labels('OK').inc();
    cb(null, reply);
  };

  const server = new grpc.Server();
  server.addService(vectorRetrievalService, { Search: search });
  health.addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  let http: HttpServer | undefined;
  let metricsPort: number | undefined;
  if (opts.metricsPort !== undefined) {
    http = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => http?.listen(opts.metricsPort, opts.host, resolve));
    metricsPort = (http.address() as AddressInfo).port;
  }
  logger.info({ port, metricsPort }, 'listening');

  const abort = new AbortController();
  /** Reads and indexes the vectors; a reload must keep the served dimension (clients send queries of it). */
  const build = async (): Promise<Served & { ms: number }> => {
    const started = performance.now();
    const { data, cacheKey } = await opts.load();
    if (served && data.dim !== served.index.dim) {
      throw new PairecError(
        'ERR_CONFIG_READ',
        `the new vectors have ${data.dim} dimensions, the served index ${served.index.dim}: clients query with ${served.index.dim}; restart the server to change the dimension`,
      );
    }
    const cache = opts.cacheDir !== undefined && cacheKey !== undefined ? { dir: opts.cacheDir, key: cacheKey } : undefined;
    const index = await loadOrBuildIndex(opts.spec, data.vectors, data.dim, cache, logger, abort.signal);
    return { index, labels: data.labels, ms: Math.round(performance.now() - started) };
  };
  let version = 0;
  /** Serves `next` from now on: one reference swapped (see above), and the gauges that describe it. */
  const swapIn = (next: Served): void => {
    served = { index: next.index, labels: next.labels };
    version++;
    m.size.set(next.index.size);
    m.version.set(version);
    m.lastSuccess.set(Date.now() / 1000);
    m.lastOk.set(1);
  };
  const ready = (async () => {
    const next = await build();
    swapIn(next);
    health.setStatus('', 'SERVING');
    health.setStatus(SERVICE, 'SERVING');
    logger.info({ size: next.index.size, dim: next.index.dim, index: opts.spec.kind, ms: next.ms }, 'serving');
  })();

  const reload = serialReloads(async (trigger): Promise<boolean> => {
    if (abort.signal.aborted) return false;
    try {
      const next = await build();
      if (abort.signal.aborted) return false;
      const before = served?.index.size;
      swapIn(next);
      m.reloads.labels('success').inc();
      logger.info(
        { trigger, version, size: next.index.size, previousSize: before, dim: next.index.dim, index: opts.spec.kind, ms: next.ms },
        'vectors reloaded',
      );
      return true;
    } catch (err) {
      m.reloads.labels('failed').inc();
      m.lastOk.set(0);
      logger.error({ trigger, err }, 'vector reload failed; the served index keeps serving');
      return false;
    }
  }, ready);

  return {
    port,
    metricsPort,
    ready,
    reload,
    close: async (graceMs = 10_000) => {
      abort.abort();
      health.setStatus('', 'NOT_SERVING');
      health.setStatus(SERVICE, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
      await ready.catch(() => undefined);
    },
  };
}
