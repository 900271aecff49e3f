import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { PairecError } from '../errors.js';
import { BodyReaders } from './body-readers.js';
import type { ExpireReason } from './body-readers.js';
import { sendError } from './error-reply.js';

export interface BodyReadingOptions {
  /** ListenConf.BodyTimeoutMs. */
  readonly timeoutMs: number;
  /** ListenConf.MaxBodyReaders. */
  readonly maxReaders: number;
}

/** True when the request announces a body (a length above zero, or any transfer coding). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return (length !== undefined && length !== '0') || headers['transfer-encoding'] !== undefined;
}

export const DEFAULT_BODY_READING: BodyReadingOptions = { timeoutMs: 5000, maxReaders: 256 };

/**
 * Answers a request cut off while reading its body: 408 ERR_BODY_TIMEOUT with
 * `Connection: close`, through fastify so that it queues behind any earlier pipelined
 * response on the connection; Node closes the connection once it is written. When an
 * answer already went out (a 404 whose body Node is still draining), the connection is
 * just closed.
 */
function cutOff(opts: BodyReadingOptions, counted: Counter<'reason'>): (reply: FastifyReply, reason: ExpireReason) => void {
  const count = { timeout: counted.labels('timeout'), crowded: counted.labels('crowded') };
  return (reply, reason) => {
    const req = reply.request.raw;
    if (req.socket.destroyed) return;
    count[reason].inc();
    if (reply.sent) {
      // Destroying an unfinished request takes its connection down with it.
      req.destroy();
      return;
    }
    const msg =
      reason === 'timeout'
        ? `the request body did not arrive within ${opts.timeoutMs} ms`
        : `the request body was still arriving while more than ${opts.maxReaders} others were`;
    void sendError(reply.header('connection', 'close'), new PairecError('ERR_BODY_TIMEOUT', msg));
  };
}

/**
 * Bounds body reading on its own (admission comes after it): every request announcing a
 * body is tracked from its headers until its body has been read, or the request ended
 * another way (its 'close', which Node emits in both cases), in a `BodyReaders`.
 * Per request with a body: a map insertion and deletion and two shared listeners.
 */
export function bodyReading(app: FastifyInstance, registry: Registry, opts: BodyReadingOptions = DEFAULT_BODY_READING): BodyReaders<FastifyReply> {
  const cut = new Counter({
    name: 'pairec_request_body_cut_total',
    help: 'Requests answered 408 ERR_BODY_TIMEOUT (or closed) while reading their body, by reason (timeout, crowded)',
    labelNames: ['reason'],
    registers: [registry],
  });
  const readers = new BodyReaders<FastifyReply>({ ...opts, expire: cutOff(opts, cut) }).start();
  new Gauge({
    name: 'pairec_request_bodies_reading',
    help: 'Requests whose body is being read',
    registers: [registry],
    collect() {
      this.set(readers.size);
    },
  });
  const ended = function ended(this: IncomingMessage): void {
    readers.end(this);
  };
  app.addHook('onRequest', (req, reply, done) => {
    const raw = req.raw;
    if (!raw.complete && hasBody(req.headers)) {
      readers.begin(raw, reply);
      // 'close' comes once the body is read, or the request aborted; 'end' too for requests
      // that never close after their body (fastify.inject's).
      raw.on('end', ended);
      raw.on('close', ended);
    }
    done();
  });
  app.addHook('onClose', (_app, done) => {
    readers.stop();
    done();
  });
  return readers;
}
