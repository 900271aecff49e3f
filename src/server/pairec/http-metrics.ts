import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PairecCompatMetrics } from '../../observability/pairec-metrics.js';

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

/**
 * PaiRec's per-request HTTP metrics: `code` the HTTP status, `method`, `url` the route
 * template ("unmatched" for no route; PaiRec takes the raw path, which a scanner would
 * turn into unbounded series), `host` the address the connection came in on (PaiRec
 * takes the Host header, which any client sets to anything).
 */
export function observePairecHttp(m: PairecCompatMetrics, req: FastifyRequest, reply: FastifyReply, route: string): void {
  const socket = req.raw.socket;
  const host = `${socket.localAddress ?? ''}:${socket.localPort ?? ''}`;
  const code = String(reply.statusCode);
  m.requests.labels(code, req.method, host, route).inc();
  m.requestSize.labels(code, req.method, host, route).observe(approximateRequestSize(req));
  const written = Number(reply.getHeader('content-length'));
  m.responseSize.labels(code, req.method, host, route).observe(Number.isFinite(written) ? written : 0);
}
