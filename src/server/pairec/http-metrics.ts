import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PairecCompatMetrics } from '../../observability/pairec-metrics.js';
import type { HistogramChild } from '../../observability/bound-histogram.js';

/**
 * PaiRec's approximate request size (its middleware's computeApproximateRequestSize):
 * path, method, protocol, every header name and value, and the declared body length.
 */
function approximateRequestSize(req: FastifyRequest): number {
  const url = req.raw.url ?? '';
  const q = url.indexOf('?');
  let size = (q < 0 ? url.length : q) + req.method.length + `HTTP/${req.raw.httpVersion}`.length;
  for (const part of req.raw.rawHeaders) size += part.length;
  const length = Number(req.headers['content-length']);
  if (Number.isFinite(length) && length > 0) size += length;
  return size;
}

interface HttpChildren {
  readonly requests: { inc(): void };
  readonly requestSize: HistogramChild;
  readonly responseSize: HistogramChild;
}

/**
 * Children per label set, resolved once: a label set is a closed set (statuses, methods,
 * route templates, listen addresses), and resolving one per request cost ≈ 6 µs.
 */
const cache = new WeakMap<PairecCompatMetrics, Map<string, HttpChildren>>();

/**
 * PaiRec's per-request HTTP metrics: `code` the HTTP status, `method`, `url` the route
 * template ("unmatched" for no route; PaiRec takes the raw path, which a scanner would
 * turn into unbounded series), `host` the address the connection came in on (PaiRec
 * takes the Host header, which any client sets to anything).
 */
export function observePairecHttp(m: PairecCompatMetrics, req: FastifyRequest, reply: FastifyReply, route: string): void {
  const socket = req.raw.socket;
  const code = String(reply.statusCode);
  const host = `${socket.localAddress ?? ''}:${socket.localPort ?? ''}`;
  const key = `${code} ${req.method} ${route} ${host}`;
  let children = cache.get(m)?.get(key);
  if (!children) {
    children = {
      requests: m.requests.labels(code, req.method, host, route),
      requestSize: m.requestSize.labels(code, req.method, host, route),
      responseSize: m.responseSize.labels(code, req.method, host, route),
    };
    let byKey = cache.get(m);
    if (!byKey) cache.set(m, (byKey = new Map()));
    byKey.set(key, children);
  }
  children.requests.inc();
  children.requestSize.observe(approximateRequestSize(req));
  const written = Number(reply.getHeader('content-length'));
  children.responseSize.observe(Number.isFinite(written) ? written : 0);
}
