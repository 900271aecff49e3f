import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import { guardedConnector } from './guarded-connect.js';

const gzip = promisify(gzipCb);

/** The config's `optimization` block, as far as HTTP backends use it. */
export interface HttpOptimization {
  readonly enable_compression: boolean;
  readonly enable_keep_alive: boolean;
  readonly max_idle_connections: number;
  readonly connection_timeout_seconds: number;
}

export const DEFAULT_HTTP_OPTIMIZATION: HttpOptimization = {
  enable_compression: false,
  enable_keep_alive: true,
  max_idle_connections: 100,
  connection_timeout_seconds: 30,
};

/** Why a call failed: the closed label set of `pairec_backend_failures_total{reason}`. */
export type FailureReason = 'connect' | 'timeout' | 'status' | 'reply' | 'too_large' | 'aborted';

/** A failed backend call, classified; `retryable` says whether another attempt may help. */
export class BackendCallError extends Error {
  readonly reason: FailureReason;
  readonly retryable: boolean;
  readonly statusCode: number | undefined;

  constructor(reason: FailureReason, message: string, opts: { retryable: boolean; statusCode?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BackendCallError';
    this.reason = reason;
    this.retryable = opts.retryable;
    this.statusCode = opts.statusCode;
  }
}

/**
 * The one status worth another attempt: 503, what a replica or its load balancer says
 * while restarting or shedding. Other statuses are answers; a timed-out call is not
 * retried either (it already spent its time, and a hung backend must not see the call
 * twice). Refused and reset connections are retried (`connect`).
 */
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([503]);

export interface PostOptions {
  readonly body: Uint8Array | string;
  readonly headers: Readonly<Record<string, string>>;
  /** This call's own bound: min(the algorithm's Timeout, the request's time left). */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** A larger reply is refused (and the connection dropped) before it is buffered. */
  readonly maxReplyBytes: number;
  /** Gzip the body (PMML always; others when `optimization.enable_compression`). */
  readonly gzip: boolean;
}

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/**
 * One keep-alive connection pool per backend origin (undici's Pool), sized from the
 * config's `optimization` block. Each call carries its own timeout and abort signal, so
 * concurrent calls with different deadlines never share a mutable client timeout.
 */
export class HttpBackend {
  readonly url: URL;
  readonly #pool: Pool;
  readonly #keepAlive: boolean;

  constructor(url: string, opt: HttpOptimization) {
    this.url = new URL(url);
    this.#keepAlive = opt.enable_keep_alive;
    this.#pool = new Pool(this.url.origin, {
      // max_idle_connections bounds the sockets kept per backend; 0 still needs one.
      connections: Math.max(1, opt.max_idle_connections),
      keepAliveTimeout: 90_000,
      // 0 keeps undici's own connect timeout (10 s) rather than failing every connect at once.
      // Every connection is checked against cloud metadata addresses; redirects are never
      // followed (undici follows none without its redirect interceptor, which is not used).
      connect: guardedConnector(opt.connection_timeout_seconds > 0 ? { timeout: opt.connection_timeout_seconds * 1000 } : {}),
    });
  }

  /**
   * One call. The caller's signal (the client went away, a sibling failed) detaches the
   * caller at once, but the call on the wire runs on to its own bound (`timeoutMs`) and its
   * reply is read and dropped: an HTTP/1.1 request cut mid-flight costs its connection, and
   * every caller that hung up replaced one — the remote bench opened 13 of its 17 new
   * connections after the warm-up's clients stopped with requests in flight. The backend
   * computes the reply either way; only the call's own timeout closes the connection.
   */
  async post(path: string, opts: PostOptions): Promise<HttpReply> {
    if (opts.signal.aborted) throw new BackendCallError('aborted', 'call aborted', { retryable: false });
    const wire = this.#send(path, opts);
    return new Promise<HttpReply>((resolve, reject) => {
      const detach = (): void => reject(new BackendCallError('aborted', 'call aborted', { retryable: false }));
      opts.signal.addEventListener('abort', detach, { once: true });
      wire.then(
        (reply) => {
          opts.signal.removeEventListener('abort', detach);
          resolve(reply);
        },
        (err: unknown) => {
          opts.signal.removeEventListener('abort', detach);
          reject(opts.signal.aborted ? new BackendCallError('aborted', 'call aborted', { retryable: false, cause: err }) : err);
        },
      );
    });
  }

  async #send(path: string, opts: PostOptions): Promise<HttpReply> {
    const timeoutMs = Math.max(1, Math.ceil(opts.timeoutMs));
    const timeout = AbortSignal.timeout(timeoutMs);
    const body = opts.gzip ? await gzip(opts.body) : opts.body;
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.gzip) headers['content-encoding'] = 'gzip';
    let res: Dispatcher.ResponseData;
    try {
      res = await this.#pool.request({
        path,
        method: 'POST',
        headers,
        body,
        signal: timeout,
        // Without keep-alive every call closes its connection (the spec's DisableKeepAlives).
        reset: !this.#keepAlive,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (err) {
      throw classify(err, timeout, this.url.origin);
    }
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > opts.maxReplyBytes) {
      res.body.destroy();
      throw new BackendCallError('too_large', `reply of ${declared} bytes exceeds ${opts.maxReplyBytes}`, { retryable: false, statusCode: res.statusCode });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > opts.maxReplyBytes) {
          res.body.destroy();
          throw new BackendCallError('too_large', `reply exceeds ${opts.maxReplyBytes} bytes`, { retryable: false, statusCode: res.statusCode });
        }
        chunks.push(buf);
      }
    } catch (err) {
      if (err instanceof BackendCallError) throw err;
      throw classify(err, timeout, this.url.origin, true);
    }
    const reply = { statusCode: res.statusCode, headers: res.headers, body: Buffer.concat(chunks, size) };
    if (res.statusCode >= 300) {
      const text = withoutSecret(reply.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' '), opts.headers);
      throw new BackendCallError('status', `HTTP ${res.statusCode}: ${text}`, {
        retryable: RETRYABLE_STATUS.has(res.statusCode),
        statusCode: res.statusCode,
      });
    }
    return reply;
  }

  /** Calls waiting for a connection, calls on the wire, and connections busy or idle. */
  stats(): { readonly waiting: number; readonly running: number; readonly busy: number; readonly free: number } {
    const s = this.#pool.stats;
    return { waiting: s.pending, running: s.running, busy: s.connected - s.free, free: s.free };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

/** A backend may echo the token it was sent; the excerpt that goes into errors and logs must not. */
function withoutSecret(text: string, headers: Readonly<Record<string, string>>): string {
  const auth = headers.authorization ?? headers.Authorization;
  return auth ? text.split(auth).join('[redacted]') : text;
}

/** Maps undici and socket errors to a reason; a reply cut mid-body is a malformed reply. */
function classify(err: unknown, timeout: AbortSignal, origin: string, inBody = false): BackendCallError {
  const message = err instanceof Error ? err.message : String(err);
  if (
    timeout.aborted ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    err instanceof undiciErrors.ConnectTimeoutError
  ) {
    return new BackendCallError('timeout', `${origin}: timed out`, { retryable: false, cause: err });
  }
  // The backend answered (headers came) and then broke off: a reply fault, not retried.
  if (inBody) return new BackendCallError('reply', `${origin}: reply cut short (${message})`, { retryable: false, cause: err });
  return new BackendCallError('connect', `${origin}: ${message}`, { retryable: true, cause: err });
}

/** Whether a failure may be retried: only classified transient failures. */
export function isRetryableCall(err: unknown): boolean {
  return err instanceof BackendCallError && err.retryable;
}

/** A reply that is not what the protocol promises; never retried, since a replica answered. */
export function badReply(message: string): BackendCallError {
  return new BackendCallError('reply', message, { retryable: false });
}
