import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { probeConfig, startProbeApp } from '../helpers/probe-app.js';

/** Sends `text` and never finishes the request; resolves with what the server wrote and when it closed. */
function dribble(url: string, text: string): Promise<{ reply: string; ms: number }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(Number(port), '127.0.0.1');
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (reply += d));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ reply, ms: performance.now() - started }));
    socket.write(text);
  });
}

describe('header and request timeouts (ListenConf.HeadersTimeoutMs, RequestTimeoutMs)', () => {
  it('answers 408 ERR_REQUEST_TIMEOUT to a client that never finishes its headers, and to one that never finishes its body', async (t) => {
    const srv = await startProbeApp(probeConfig(), undefined, { requestMs: 3000, headersMs: 1000, keepAliveMs: 1000 });
    t.after(() => srv.close());
    const [headers, body] = await Promise.all([
      dribble(srv.url, 'POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'),
      dribble(srv.url, 'POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"uid":'),
    ]);
    t.diagnostic(`unfinished headers closed after ${headers.ms.toFixed(0)} ms, unfinished body after ${body.ms.toFixed(0)} ms`);
    for (const r of [headers, body]) {
      assert.match(r.reply, /^HTTP\/1\.1 408/);
      assert.match(r.reply, /"error_code":"ERR_REQUEST_TIMEOUT"/);
    }
    // Node checks both every connectionsCheckingInterval (1 s here), so each fires up to 1 s late;
    // the headers bound must still fire well before the 3 s request bound would.
    assert.ok(headers.ms >= 900 && headers.ms < 2700, `headers timeout at 1–2 s (${headers.ms} ms)`);
    assert.ok(body.ms >= 2900 && body.ms < 5000, `request timeout at 3–4 s (${body.ms} ms)`);
  });

  it('answers 408 ERR_BODY_TIMEOUT and closes the connection when a body does not arrive within BodyTimeoutMs, after the answers to earlier pipelined requests; headers and request timeouts still apply', async (t) => {
    const srv = await startProbeApp(probeConfig(), undefined, { requestMs: 4000, headersMs: 1000, keepAliveMs: 5000 }, { timeoutMs: 1000, maxReaders: 256 });
    t.after(() => srv.close());
    const full = 'POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"uid":"1","size":5}';
    const [body, headers] = await Promise.all([
      dribble(srv.url, `${full}POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"uid":`),
      dribble(srv.url, 'POST /api/recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n'),
    ]);
    t.diagnostic(`unfinished body closed after ${body.ms.toFixed(0)} ms, unfinished headers after ${headers.ms.toFixed(0)} ms`);
    const statuses = [...body.reply.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '408'], 'the complete request is answered, then the unfinished one');
    assert.match(body.reply, /"error_code":"ERR_BODY_TIMEOUT"/);
    assert.match(body.reply, /connection: close/i);
    assert.ok(body.ms >= 900 && body.ms < 3500, `body cut at 1–1.25 s, plus a busy machine's slack (${body.ms} ms)`);
    assert.match(headers.reply, /^HTTP\/1\.1 408/);
    assert.match(headers.reply, /"error_code":"ERR_REQUEST_TIMEOUT"/);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /pairec_request_body_cut_total\{reason="timeout"\} 1/);
    assert.match(metrics, /pairec_request_bodies_reading 0/);
  });
});
