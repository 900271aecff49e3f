import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BackendCallError, DEFAULT_HTTP_OPTIMIZATION, HttpBackend } from '../../src/algorithm/remote/http.js';
import { BadBackend, send } from '../helpers/bad-backend.js';
import type { Behaviour } from '../helpers/bad-backend.js';

/** Answers 200 after `ms`. */
const late =
  (ms: number): Behaviour =>
  (req, body, res) =>
    setTimeout(() => send(200, '{"late":true}')(req, body, res), ms);

const reasonOf = (err: unknown): string | undefined => (err instanceof BackendCallError ? err.reason : undefined);

let server: BadBackend;
let client: HttpBackend;
before(async () => {
  server = await BadBackend.start();
});
after(async () => {
  await client.close();
  await server.close();
});

const post = (signal: AbortSignal, timeoutMs = 2000) =>
  client.post('/v2/models/m/infer', { body: '{}', headers: {}, timeoutMs, signal, maxReplyBytes: 1 << 20, gzip: false });

describe('an HTTP backend call whose caller goes away keeps its connection', () => {
  it('detaches the caller at once, reads the late reply, and the next call reuses the connection', async () => {
    client = new HttpBackend(server.base, DEFAULT_HTTP_OPTIMIZATION);
    server.script(late(150), send(200, '{"ok":true}'));
    const caller = new AbortController();
    const started = performance.now();
    const first = post(caller.signal);
    setTimeout(() => caller.abort(), 30);
    await assert.rejects(first, (err) => reasonOf(err) === 'aborted');
    const detachedAfter = performance.now() - started;
    assert.ok(detachedAfter < 140, `the caller waited ${detachedAfter.toFixed(0)} ms for a reply it had given up`);
    // The late reply lands on the same connection, which goes back to the pool.
    await new Promise((r) => setTimeout(r, 250));
    const second = await post(new AbortController().signal);
    assert.equal(second.body.toString(), '{"ok":true}');
    assert.equal(server.calls.length, 2);
    assert.equal(server.sockets.size, 1, 'a caller that hung up cost the pool its connection');
    await client.close();
  });

  it('still closes the connection when the call itself times out, so a hung backend holds nothing past the bound', async () => {
    client = new HttpBackend(server.base, DEFAULT_HTTP_OPTIMIZATION);
    server.script(late(1000), send(200, '{"ok":true}'));
    await assert.rejects(post(new AbortController().signal, 80), (err) => reasonOf(err) === 'timeout');
    const [hung] = [...server.sockets];
    assert.ok(hung);
    const closed = await new Promise<boolean>((resolve) => {
      if (hung.destroyed) resolve(true);
      hung.once('close', () => resolve(true));
      setTimeout(() => resolve(hung.destroyed), 500);
    });
    assert.ok(closed, 'the timed-out call kept its connection');
    const second = await post(new AbortController().signal);
    assert.equal(second.body.toString(), '{"ok":true}');
    await client.close();
  });

  it('sends nothing for a caller that is already gone', async () => {
    client = new HttpBackend(server.base, DEFAULT_HTTP_OPTIMIZATION);
    server.script(send(200, '{"ok":true}'));
    await assert.rejects(post(AbortSignal.abort()), (err) => reasonOf(err) === 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.calls.length, 0);
  });
});
