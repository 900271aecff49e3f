import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Pool } from 'undici';
import { ServerProcess } from '../helpers/server-process.js';
import { fastConfig, writeConfig } from '../helpers/fast-config.js';
import { exchange, metricValue, rawPost } from '../helpers/raw-http.js';
import { hostileBody } from '../helpers/hostile-bodies.js';
import { assertNoProcessErrors } from '../helpers/process-errors.js';

const BODY = '{"uid":"7","size":10,"request_id":"r1"}';
const LIMIT = 65536;

const errorCode = (text: string): string | undefined => /"error_code":"(\w+)"/.exec(text)?.[1];
/** The body of the last response in `text`. */
const lastBody = (text: string): string => text.slice(text.lastIndexOf('\r\n\r\n') + 4);

describe('request body codings (real process, raw sockets)', () => {
  let server: ServerProcess;
  let port: number;
  let plain: string;
  before(async () => {
    server = await ServerProcess.start(writeConfig(fastConfig(), 'pairec-encoding-'), ['--no-watch']);
    await server.waitReady();
    port = server.port;
    const reply = await exchange(port, rawPost(BODY, { connection: 'close' }));
    assert.deepEqual(reply.statuses, [200]);
    plain = lastBody(reply.text);
  });
  after(async () => {
    await server.stop('SIGKILL');
  });

  it('Content-Encoding gzip, x-gzip, deflate and br are decoded: the same answer as the plain body', async () => {
    const bodies: [string, Buffer][] = [
      ['gzip', gzipSync(BODY)],
      ['x-gzip', gzipSync(BODY)],
      ['GZip', gzipSync(BODY)],
      ['deflate', deflateSync(BODY)],
      ['br', brotliCompressSync(BODY)],
    ];
    for (const [coding, body] of bodies) {
      const reply = await exchange(port, rawPost(body, { 'content-encoding': coding, connection: 'close' }));
      assert.deepEqual(reply.statuses, [200], `${coding}: ${reply.text}`);
      assert.equal(lastBody(reply.text), plain, `${coding} answers as the plain body does`);
    }
  });

  it('a body that does not decode as its coding says is 400 ERR_BAD_REQUEST (br on a plain body is not let through)', async () => {
    for (const coding of ['gzip', 'deflate', 'br']) {
      const reply = await exchange(port, rawPost(BODY, { 'content-encoding': coding, connection: 'close' }));
      assert.deepEqual(reply.statuses, [400], `${coding} on a plain body: ${reply.text}`);
      assert.equal(errorCode(reply.text), 'ERR_BAD_REQUEST');
    }
    const truncated = gzipSync(BODY).subarray(0, 20);
    const reply = await exchange(port, rawPost(truncated, { 'content-encoding': 'gzip', connection: 'close' }));
    assert.deepEqual(reply.statuses, [400], 'a truncated gzip body');
  });

  it('any other Content-Encoding is 415 ERR_UNSUPPORTED_CONTENT_ENCODING', async () => {
    for (const coding of ['compress', 'zstd', 'gzip, br', 'gzip, gzip', 'bogus', 'constructor', '__proto__', 'toString']) {
      const reply = await exchange(port, rawPost(BODY, { 'content-encoding': coding }));
      assert.deepEqual(reply.statuses, [415], `${coding}: ${reply.text}`);
      assert.equal(errorCode(reply.text), 'ERR_UNSUPPORTED_CONTENT_ENCODING');
      assert.ok(reply.closed, 'the connection is closed (its body was never read)');
    }
  });

  it('a zip bomb gets 413 ERR_BODY_TOO_LARGE once its decoded size passes the body limit, without the heap growing', async (t) => {
    const heap = async (): Promise<number> => metricValue(await (await fetch(`${server.url}/metrics`)).text(), 'pairec_nodejs_heap_size_used_bytes') ?? 0;
    // 64 MiB of spaces inside a JSON string: 64 KiB on the wire, a thousand times the limit decoded.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"uid":"'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}')]), { level: 9 });
    assert.ok(bomb.length < LIMIT, `the bomb itself is under the limit (${bomb.length} bytes)`);
    const before = await heap();
    const started = performance.now();
    const replies = await Promise.all(Array.from({ length: 8 }, () => exchange(port, rawPost(bomb, { 'content-encoding': 'gzip' }))));
    const ms = performance.now() - started;
    const after = await heap();
    t.diagnostic(
      `8 bombs of ${bomb.length} bytes (64 MiB decoded) answered in ${ms.toFixed(0)} ms; heap used ${(before / 1e6).toFixed(1)} → ${(after / 1e6).toFixed(1)} MB`,
    );
    for (const reply of replies) {
      assert.deepEqual(reply.statuses, [413], reply.text);
      assert.equal(errorCode(reply.text), 'ERR_BODY_TOO_LARGE');
    }
    assert.ok(after - before < 20e6, `the heap did not grow by the decoded size (${before} → ${after})`);
  });

  it('Transfer-Encoding other than chunked (gzip, chunked) is 400 ERR_UNSUPPORTED_TRANSFER_ENCODING and the connection closed; chunked alone is served', async () => {
    const chunked = (te: string, body: Buffer | string): Buffer => {
      const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
      const head = `POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: ${te}\r\n\r\n${b.length.toString(16)}\r\n`;
      return Buffer.concat([Buffer.from(head), b, Buffer.from('\r\n0\r\n\r\n')]);
    };
    for (const te of ['gzip, chunked', 'deflate, chunked', 'identity, chunked']) {
      const reply = await exchange(port, chunked(te, gzipSync(BODY)));
      assert.deepEqual(reply.statuses, [400], `${te}: ${reply.text}`);
      assert.equal(errorCode(reply.text), 'ERR_UNSUPPORTED_TRANSFER_ENCODING');
      assert.ok(reply.closed, `${te}: the connection is closed`);
    }
    const ok = await exchange(port, chunked('chunked', BODY), 1000);
    assert.deepEqual(ok.statuses, [200], 'chunked alone');
  });

  it('Expect: 100-continue with a Content-Length over the limit is answered 413 without 100 Continue; within it, 100 Continue then 200', async () => {
    const head = (length: number, extra = ''): string =>
      `POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n${extra}\r\n`;
    const over = await exchange(port, head(LIMIT + 1));
    assert.deepEqual(over.statuses, [413], over.text);
    assert.equal(errorCode(over.text), 'ERR_BODY_TOO_LARGE');
    assert.ok(over.closed, 'the connection is closed');
    const badCoding = await exchange(port, head(100, 'Content-Encoding: zstd\r\n'));
    assert.deepEqual(badCoding.statuses, [415], 'an unsupported coding is refused before 100 Continue too');
    const within = await exchange(port, [head(BODY.length), BODY], 1000, 300);
    assert.deepEqual(within.statuses, [100, 200], within.text);
  });

  it('property: any body, valid or hostile, gets the same answer gzipped as plain (status, error code, items)', async () => {
    const pool = new Pool(server.url, { connections: 4 });
    try {
      /** Status, error code, and a 200's items (its request id may be generated, its debug timings vary). */
      const send = async (body: Buffer, headers: Record<string, string>): Promise<[number, string | undefined, string]> => {
        const res = await pool.request({ path: '/api/recommend', method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
        const text = await res.body.text();
        return [res.statusCode, errorCode(text), res.statusCode === 200 ? JSON.stringify((JSON.parse(text) as { items: unknown }).items) : ''];
      };
      await fc.assert(
        fc.asyncProperty(hostileBody, async (body) => {
          const [plainAnswer, gzipped] = await Promise.all([send(Buffer.from(body), {}), send(gzipSync(body), { 'content-encoding': 'gzip' })]);
          assert.deepEqual(gzipped, plainAnswer);
        }),
        { numRuns: 300, seed: 20261207 },
      );
    } finally {
      await pool.close();
    }
    await assertNoProcessErrors(server.url);
  });
});
