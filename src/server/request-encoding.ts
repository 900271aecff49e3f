import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { PairecError } from '../errors.js';
import { errorBody } from './error-reply.js';
import { hasBody } from './body-reading.js';

/** The request content codings decoded (RFC 9110 §8.4.1), each by Node's zlib (a Map: a client's header never reaches a prototype). */
const DECODERS: ReadonlyMap<string, () => Transform> = new Map([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

/**
 * What is wrong with a request's body headers, before a byte of the body is read:
 * a transfer coding other than `chunked` (Node's parser reads `gzip, chunked` as chunked
 * and would hand over still-compressed bytes), or a content coding not decoded here.
 */
export function bodyHeaderProblem(headers: IncomingHttpHeaders): PairecError | undefined {
  const te = headers['transfer-encoding'];
  if (te !== undefined && te.trim().toLowerCase() !== 'chunked') {
    return new PairecError('ERR_UNSUPPORTED_TRANSFER_ENCODING', `Transfer-Encoding "${te.slice(0, 64)}" is not supported: only chunked is`);
  }
  const ce = headers['content-encoding'];
  if (ce === undefined) return undefined;
  const coding = ce.trim().toLowerCase();
  if (coding === '' || coding === 'identity' || DECODERS.has(coding)) return undefined;
  return new PairecError('ERR_UNSUPPORTED_CONTENT_ENCODING', `Content-Encoding "${ce.slice(0, 64)}" is not supported: use gzip, deflate, br or none`);
}

/** A decoded body as fastify reads it: `receivedEncodedLength` lets it check Content-Length against the bytes on the wire. */
type Decoded = PassThrough & { receivedEncodedLength: number };

/**
 * `payload` decoded by `decoder`, with `limit` applied to the decoded bytes: a small
 * compressed body that inflates past it (a zip bomb) is cut at the limit, 413, and the
 * rest is never inflated. A body that does not decode is a 400 naming the coding.
 */
function decode(payload: Readable, decoder: Transform, coding: string, limit: number): Decoded {
  const out = new PassThrough() as Decoded;
  out.receivedEncodedLength = 0;
  let decoded = 0;
  const onEncoded = (chunk: Buffer): void => {
    out.receivedEncodedLength += chunk.length;
  };
  const fail = (err: Error): void => {
    if (out.destroyed) return;
    payload.off('data', onEncoded);
    payload.unpipe(decoder);
    decoder.destroy();
    out.destroy(err);
  };
  // Errors after fastify stopped listening (it answered already) must not become uncaught.
  out.on('error', ignore);
  payload.on('data', onEncoded);
  payload.on('error', fail);
  decoder.on('data', (chunk: Buffer) => {
    decoded += chunk.length;
    if (decoded > limit) fail(new PairecError('ERR_BODY_TOO_LARGE', `the request body decodes to more than ${limit} bytes`));
    else out.write(chunk);
  });
  decoder.on('end', () => out.end());
  decoder.on('error', (err) => fail(new PairecError('ERR_BAD_REQUEST', `the request body is not valid ${coding}: ${err.message}`)));
  payload.pipe(decoder);
  return out;
}

const ignore = (): void => undefined;

/** A catalog answer written on a response fastify never saw, closing the connection (its body was never read). */
function answerRaw(res: ServerResponse, err: PairecError): void {
  const body = JSON.stringify(errorBody(err));
  res.writeHead(err.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' }).end(body);
}

/**
 * Request body codings: `Content-Encoding` gzip, deflate and br are decoded with the body
 * limit applied to the decoded size; any other content coding is 415, any transfer coding
 * but chunked 400. A client sending `Expect: 100-continue` is answered 413 (or 415, 400)
 * before `100 Continue` when its headers already say so, so it never sends the body.
 */
export function requestEncoding(app: FastifyInstance, bodyLimit: number): void {
  app.addHook('preParsing', (req, reply, payload, done) => {
    if (!hasBody(req.headers)) return done(null, payload);
    const problem = bodyHeaderProblem(req.headers);
    if (problem !== undefined) {
      // The body is left unread: the connection cannot carry another request.
      void reply.header('connection', 'close');
      return done(problem, payload);
    }
    const coding = req.headers['content-encoding']?.trim().toLowerCase();
    const decoder = coding === undefined ? undefined : DECODERS.get(coding);
    done(null, decoder === undefined || coding === undefined ? payload : decode(payload, decoder(), coding, bodyLimit));
  });

  // Node answers `100 Continue` by itself unless this event has a listener.
  app.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const length = Number(req.headers['content-length']);
    const problem =
      length > bodyLimit
        ? new PairecError('ERR_BODY_TOO_LARGE', `Content-Length ${length} is over the ${bodyLimit}-byte limit`)
        : bodyHeaderProblem(req.headers);
    if (problem !== undefined) return answerRaw(res, problem);
    res.writeContinue();
    app.server.emit('request', req, res);
  });
}
