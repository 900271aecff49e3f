import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOG, PairecError, isPairecError, logLevelOf } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import './request-log.js'; // FastifyRequest.pairecErrorCode
import './pairec/api-mode.js'; // FastifyRequest.pairecApiMode

/** Fastify's own error codes mapped onto the catalog. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'ERR_MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'ERR_BAD_REQUEST',
  FST_ERR_NOT_FOUND: 'ERR_NOT_FOUND',
  FST_ERR_BAD_URL: 'ERR_BAD_REQUEST',
};

export interface ErrorBody {
  readonly code: number;
  readonly msg: string;
  readonly error_code: ErrorCode;
  readonly field?: string;
  readonly request_id?: string;
}

/** Any thrown value as a catalog error: client mistakes keep their 4xx, the rest is a 500 with no detail. */
export function toPairecError(err: unknown): PairecError {
  if (isPairecError(err)) return err;
  const fe = err as Partial<FastifyError> | undefined;
  const mapped = fe?.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new PairecError(mapped, fe?.message ?? ERROR_CATALOG[mapped].summary);
  if (fe?.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new PairecError('ERR_BAD_REQUEST', fe.message ?? 'bad request');
  }
  return new PairecError('ERR_INTERNAL', 'internal error', { cause: err });
}

export function errorBody(err: PairecError, requestId?: string): ErrorBody {
  return {
    code: err.status,
    // A client mistake is explained in full; a server-side failure says what kind it is
    // and nothing more (backend addresses and causes go to the log, not to callers).
    msg: err.status >= 500 ? ERROR_CATALOG[err.code].summary : err.message,
    error_code: err.code,
    ...(err.path !== undefined ? { field: err.path } : {}),
    ...(requestId !== undefined ? { request_id: requestId } : {}),
  };
}

/**
 * Errors in what a body says. PaiRec answers them HTTP 200 with `code` 400 in the body,
 * and so does the `pairec` API mode; its other errors (a body over the limit, overload,
 * a deadline) keep their HTTP status, which load balancers and retries act on.
 */
const BODY_ERRORS: ReadonlySet<ErrorCode> = new Set(['ERR_MALFORMED_JSON', 'ERR_INVALID_FIELD', 'ERR_MISSING_FIELD', 'ERR_UNKNOWN_FIELD', 'ERR_FORBIDDEN_KEY']);

export function sendError(reply: FastifyReply, err: PairecError, requestId?: string): FastifyReply {
  reply.request.pairecErrorCode = err.code;
  if (reply.request.pairecApiMode === 'pairec') {
    // PaiRec's answers always carry a request_id.
    const status = BODY_ERRORS.has(err.code) ? 200 : err.status;
    return reply
      .code(status)
      .type('application/json')
      .send(errorBody(err, requestId ?? randomUUID()));
  }
  return reply.code(err.status).type('application/json').send(errorBody(err, requestId));
}

/**
 * Logs a failed request at its code's level (errors.ts, logLevelOf): `error` with the
 * thrown value (stack, cause), `warn` as one line of code and message, `none` not at all.
 */
export function logRequestFailure(log: FastifyBaseLogger, e: PairecError, thrown: unknown, fields: Record<string, unknown>, msg: string): void {
  switch (logLevelOf(e.code)) {
    case 'error':
      log.error({ ...fields, err: thrown }, msg);
      return;
    case 'warn':
      log.warn({ ...fields, error_code: e.code, reason: e.message }, msg);
      return;
    case 'none':
      return;
  }
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const e = toPairecError(err);
  logRequestFailure(request.log, e, err, {}, 'request failed');
  return sendError(reply, e);
}

/** Errors the HTTP parser raises before fastify sees a request, answered from the catalog. */
const CLIENT_ERRORS: Readonly<Record<string, ErrorCode>> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  HPE_HEADER_OVERFLOW: 'ERR_HEADERS_TOO_LARGE',
};

/** fastify's clientErrorHandler: a catalog body on the raw socket, then close it. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = CLIENT_ERRORS[err.code ?? ''] ?? 'ERR_BAD_REQUEST';
  const e = new PairecError(code, ERROR_CATALOG[code].summary);
  const body = JSON.stringify(errorBody(e));
  socket.end(
    `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
