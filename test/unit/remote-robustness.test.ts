import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { easType } from '../../src/algorithm/eas/index.js';
import { kserveType } from '../../src/algorithm/kserve/index.js';
import { tfservingType } from '../../src/algorithm/tfserving/index.js';
import type { Algorithm } from '../../src/algorithm/contract.js';
import type { AlgorithmTypeDef } from '../../src/algorithm/registry.js';
import type { HttpOptimization } from '../../src/algorithm/remote/http.js';
import { PairecError } from '../../src/errors.js';
import { encodePBResponse } from '../../src/wire/easyrec.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { BadBackend, hang, huge, send, truncated } from '../helpers/bad-backend.js';
import { FaultProxy } from '../helpers/fault-proxy.js';
import type { Behaviour } from '../helpers/bad-backend.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';
import { rankInput } from '../helpers/model-server.js';
import { TINY_SPEC } from '../helpers/tiny-model.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

const N = 5;
const input = rankInput(11, N);
const ids = input.items.map((m) => String(m.item_id));
const v2 = (data: unknown[]): string => JSON.stringify({ outputs: [{ name: 'score', shape: [data.length, 1], datatype: 'FP32', data }] });
const good = v2([0.5, 0.4, 0.3, 0.2, 0.1]);
const pb = (scores: number[]): Uint8Array => encodePBResponse({ results: Object.fromEntries(ids.map((id, i) => [id, { scores: [scores[i] ?? 0] }])) });

let backend: BadBackend;
before(async () => (backend = await BadBackend.start()));
after(() => backend.close());

async function build<S extends AlgorithmTypeDef<'score'>>(
  def: S,
  conf: Record<string, unknown>,
  metrics: EngineMetrics,
  optimization?: HttpOptimization,
): Promise<Algorithm<'score'>> {
  const full = Value.Default(def.schema, structuredClone(conf));
  assert.ok(Value.Check(def.schema, full));
  return def.create('remote', full as never, buildDeps({ metrics, ...(optimization ? { optimization } : {}) }));
}

const failures = async (metrics: EngineMetrics, reason: string): Promise<number> =>
  (await metrics.backendFailures.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

const code = (c: string) => (err: unknown) => err instanceof PairecError && err.code === c;

describe('a remote backend that misbehaves yields typed errors and counted failures', () => {
  const kserve = (metrics: EngineMetrics, extra: Record<string, unknown> = {}) =>
    build(kserveType, { Url: backend.base, ModelName: 'm', Features: TINY_SPEC, Timeout: 500, RetryTimes: 1, ...extra }, metrics);

  const cases: [string, () => void, string, string][] = [
    ['garbage', () => backend.script(send(200, '\u0000\u00ffnot json')), 'ERR_BACKEND_REPLY', 'reply'],
    ['JSON of the wrong shape', () => backend.script(send(200, '{"outputs": 3}')), 'ERR_BACKEND_REPLY', 'reply'],
    ['a truncated body', () => backend.script(truncated(good)), 'ERR_BACKEND_REPLY', 'reply'],
    ['NaN scores (null in JSON)', () => backend.script(send(200, v2([0.5, null, 0.3, 0.2, 0.1]))), 'ERR_BACKEND_REPLY', 'reply'],
    ['the wrong number of scores', () => backend.script(send(200, v2([0.5, 0.4, 0.3]))), 'ERR_BACKEND_REPLY', 'reply'],
    ['an oversized body', () => backend.script(huge(8 << 20)), 'ERR_BACKEND_REPLY', 'too_large'],
    ['an oversized declared length', () => backend.script(send(200, 'x'.repeat(200_000))), 'ERR_BACKEND_REPLY', 'too_large'],
    ['an error status', () => backend.script(send(400, '{"error":"bad input"}')), 'ERR_BACKEND_UNAVAILABLE', 'status'],
  ];
  for (const [what, script, errCode, reason] of cases) {
    it(`KSERVE: ${what}`, async () => {
      const metrics = testMetrics();
      const algo = await kserve(metrics, { MaxReplyBytes: 65_536 });
      script();
      await assert.rejects(algo.run(input, runContext(2000)), code(errCode));
      assert.equal(await failures(metrics, reason), 1);
      await algo.close();
    });
  }

  it('KSERVE binary data: a header length that does not fit, sizes that do not add up, NaN in the tensor', async () => {
    const metrics = testMetrics();
    const algo = await kserve(metrics, { BinaryData: true, OutputName: 'score' });
    const head = (size: number): string =>
      JSON.stringify({ outputs: [{ name: 'score', datatype: 'FP32', shape: [N, 1], parameters: { binary_data_size: size } }] });
    const withHeader =
      (len: number, body: Buffer): Behaviour =>
      (_req, _body, res) =>
        void res.writeHead(200, { 'inference-header-content-length': String(len) }).end(body);
    const floats = (vals: number[]): Buffer => Buffer.from(Float32Array.from(vals).buffer);
    const ok = Buffer.concat([Buffer.from(head(N * 4)), floats([1, 2, 3, 4, 5])]);
    for (const b of [
      withHeader(ok.length + 10, ok),
      withHeader(Buffer.byteLength(head(N * 4)), Buffer.concat([Buffer.from(head(N * 4)), floats([1, 2])])),
      withHeader(Buffer.byteLength(head(N * 4)), Buffer.concat([Buffer.from(head(N * 4)), floats([1, Number.NaN, 3, 4, 5])])),
      withHeader(3, ok),
    ]) {
      backend.script(b);
      await assert.rejects(algo.run(input, runContext(2000)), code('ERR_BACKEND_REPLY'));
    }
    backend.script(withHeader(Buffer.byteLength(head(N * 4)), ok));
    assert.deepEqual(
      (await algo.run(input, runContext(2000))).map((r) => r.score),
      [1, 2, 3, 4, 5],
    );
    assert.equal(backend.calls[0]?.headers['content-type'], 'application/octet-stream');
    assert.equal(await failures(metrics, 'reply'), 4);
    await algo.close();
  });

  it('EAS EasyRec: NaN scores, a missing item, garbage, a non-OK status', async () => {
    const metrics = testMetrics();
    const algo = await build(easType, { Processor: 'EasyRec', Url: `${backend.base}/api/predict/m`, Timeout: 500, RetryTimes: 1 }, metrics);
    for (const body of [
      pb([0.1, Number.NaN, 0.3, 0.4, 0.5]),
      encodePBResponse({ results: { [ids[0] ?? '']: { scores: [1] } } }),
      Buffer.from('<html>502</html>'),
    ]) {
      backend.script(send(200, body, 'application/octet-stream'));
      await assert.rejects(algo.run(input, runContext(2000)), code('ERR_BACKEND_REPLY'));
    }
    backend.script(send(200, encodePBResponse({ results: {}, statusCode: 'EXCEPTION', errorMsg: 'model failed' }), 'application/octet-stream'));
    await assert.rejects(
      algo.run(input, runContext(2000)),
      (err: unknown) => code('ERR_BACKEND_UNAVAILABLE')(err) && /model failed/.test((err as Error).message),
    );
    assert.equal(await failures(metrics, 'reply'), 3);
    assert.equal(await failures(metrics, 'status'), 1);
    await algo.close();
  });

  it('TFSERVING: a NaN literal (not JSON) and an error object', async () => {
    const metrics = testMetrics();
    const algo = await build(tfservingType, { Url: `${backend.base}/v1/models/m:predict`, Features: TINY_SPEC, Timeout: 500, RetryTimes: 1 }, metrics);
    backend.script(send(200, '{"outputs": [[NaN], [1], [1], [1], [1]]}'));
    await assert.rejects(algo.run(input, runContext(2000)), code('ERR_BACKEND_REPLY'));
    backend.script(send(200, '{"error": "Serving signature name: \\"x\\" not found"}'));
    await assert.rejects(algo.run(input, runContext(2000)), code('ERR_BACKEND_REPLY'));
    assert.equal(await failures(metrics, 'reply'), 2);
    await algo.close();
  });

  it('retries 503 with backoff inside the deadline and succeeds; never retries 400 or a bad reply', async () => {
    const metrics = testMetrics();
    const algo = await kserve(metrics, { RetryTimes: 3 });
    backend.script(send(503, 'busy'), send(503, 'busy'), send(200, good));
    const out = await algo.run(input, runContext(3000));
    assert.deepEqual(
      out.map((r) => r.score),
      [0.5, 0.4, 0.3, 0.2, 0.1],
    );
    assert.equal(backend.calls.length, 3);
    assert.equal(await failures(metrics, 'status'), 2);
    for (const status of [400, 429, 500, 502, 504]) {
      backend.script(send(status, 'no'));
      await assert.rejects(algo.run(input, runContext(3000)), code('ERR_BACKEND_UNAVAILABLE'));
      assert.equal(backend.calls.length, 1, `${status} is not retried`);
    }
    backend.script(send(503, 'busy'));
    await assert.rejects(algo.run(input, runContext(3000)), code('ERR_BACKEND_UNAVAILABLE'));
    assert.equal(backend.calls.length, 3, 'RetryTimes 3 = at most 2 retries, even for 503');
    backend.script(send(200, 'garbage'));
    await assert.rejects(algo.run(input, runContext(3000)), code('ERR_BACKEND_REPLY'));
    assert.equal(backend.calls.length, 1, 'a malformed reply is not retried');
    await algo.close();
  });

  it('gives each call its own timeout: a hung backend costs one Timeout (a timeout is not retried), within the deadline', async () => {
    const metrics = testMetrics();
    const algo = await kserve(metrics, { Timeout: 100, RetryTimes: 3 });
    backend.script(hang());
    // At most 400 ms of slack: a retried timeout would take 200 ms more per retry.
    const base = await TimingBaseline.measure({ maxSlackMs: 400 });
    const t0 = performance.now();
    await assert.rejects(algo.run(input, runContext(1000)), code('ERR_BACKEND_UNAVAILABLE'));
    const took = performance.now() - t0;
    assert.ok(took >= 100, `took ${took} ms: not before the 100 ms Timeout`);
    await base.assertWithin(took, 100, 'one Timeout of 100 ms');
    assert.equal(await failures(metrics, 'timeout'), 1);
    assert.equal(backend.calls.length, 1, 'the hung backend saw the call once');
    // A request with 60 ms left is cut at its deadline, not at Timeout.
    const cut = await TimingBaseline.measure({ maxSlackMs: 90 });
    const t1 = performance.now();
    await assert.rejects(algo.run(input, runContext(60)), code('ERR_DEADLINE_EXCEEDED'));
    await cut.assertWithin(performance.now() - t1, 60, 'cut at the 60 ms deadline');
    await algo.close();
  });

  it('retries reset connections at one layer only: each attempt is one connection (no undici retry underneath)', async () => {
    const metrics = testMetrics();
    const proxy = await FaultProxy.start(backend.port, 'reset');
    for (const retryTimes of [1, 2, 3]) {
      const algo = await build(kserveType, { Url: proxy.base, ModelName: 'm', Features: TINY_SPEC, Timeout: 300, RetryTimes: retryTimes }, metrics);
      const before = proxy.accepted;
      await assert.rejects(algo.run(input, runContext(3000)), code('ERR_BACKEND_UNAVAILABLE'));
      assert.equal(proxy.accepted - before, retryTimes, `RetryTimes ${retryTimes}: one connection per attempt`);
      await algo.close();
    }
    await proxy.close();
  });

  it('reports a refused connection as ERR_BACKEND_UNAVAILABLE (connect)', async () => {
    const metrics = testMetrics();
    const dead = await BadBackend.start();
    const url = dead.base;
    await dead.close();
    const algo = await build(kserveType, { Url: url, ModelName: 'm', Features: TINY_SPEC, Timeout: 300, RetryTimes: 2 }, metrics);
    await assert.rejects(algo.run(input, runContext(2000)), code('ERR_BACKEND_UNAVAILABLE'));
    assert.equal(await failures(metrics, 'connect'), 2);
    await algo.close();
  });
});

describe('HTTP transport follows the optimization block', () => {
  const opt = (o: Partial<HttpOptimization>): HttpOptimization => ({
    enable_compression: false,
    enable_keep_alive: true,
    max_idle_connections: 100,
    connection_timeout_seconds: 30,
    ...o,
  });
  const conf = { ModelName: 'm', Features: TINY_SPEC };

  it('keeps connections alive, or opens one per call when enable_keep_alive is false', async () => {
    // Six sequential calls: a kept-alive pool reuses its sockets (undici may open a second
    // while the first is released); without keep-alive each call has its own.
    for (const [keepAlive, atMost, atLeast] of [
      [true, 2, 1],
      [false, 6, 6],
    ] as const) {
      const algo = await build(kserveType, { ...conf, Url: backend.base }, testMetrics(), opt({ enable_keep_alive: keepAlive }));
      backend.script(send(200, good));
      for (let i = 0; i < 6; i++) await algo.run(input, runContext(2000));
      const n = backend.sockets.size;
      assert.ok(n >= atLeast && n <= atMost, `keep-alive ${String(keepAlive)}: ${n} sockets`);
      await algo.close();
    }
  });

  it('gzips request bodies when enable_compression is set, and always for PMML', async () => {
    const algo = await build(kserveType, { ...conf, Url: backend.base }, testMetrics(), opt({ enable_compression: true }));
    backend.script(send(200, good));
    await algo.run(input, runContext(2000));
    assert.equal(backend.calls[0]?.headers['content-encoding'], 'gzip');
    assert.equal(backend.calls[0]?.body[0], 0x1f);
    await algo.close();
    const pmml = await build(easType, { Processor: 'PMML', Url: `${backend.base}/api/predict/p`, Auth: 'tok' }, testMetrics());
    backend.script(send(200, JSON.stringify(input.items.map(() => ({ score: 0.25, label: '1' })))));
    const out = await pmml.run(input, runContext(2000));
    assert.deepEqual(
      out.map((r) => r.score),
      [0.25, 0.25, 0.25, 0.25, 0.25],
    );
    assert.equal(backend.calls[0]?.headers['content-encoding'], 'gzip');
    assert.equal(backend.calls[0]?.headers.authorization, 'tok');
    await pmml.close();
  });
});
