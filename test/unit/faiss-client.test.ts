import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { FaissAlgorithm } from '../../src/algorithm/faiss/faiss.js';
import { ChannelPool } from '../../src/algorithm/faiss/channel-pool.js';
import type { VectorConf } from '../../src/algorithm/faiss/config.js';
import { createVectorRetrievalClient, vectorRetrievalService } from '../../src/wire/vector-retrieval.js';
import type { VectorReply, VectorRequest } from '../../src/wire/vector-retrieval.js';
import { PairecError } from '../../src/errors.js';
import { runContext } from '../helpers/context.js';

/**
 * The FAISS client against an in-process pai.web.VectorRetrieval server whose answers the
 * test scripts: what goes on the wire (k, the float32 query) and how a reply becomes
 * neighbours (labels, else the numeric ids; ip scores kept, l2 distances negated), and
 * how gRPC statuses become the engine's errors.
 */
type Answer = (req: VectorRequest) => { reply?: VectorReply; code?: grpc.status; never?: boolean };

const seen: VectorRequest[] = [];
let answer: Answer = () => ({ reply: { retval: [], scores: [], labels: [] } });
let server: grpc.Server;
let address = '';

before(async () => {
  server = new grpc.Server();
  server.addService(vectorRetrievalService, {
    Search: (call: grpc.ServerUnaryCall<VectorRequest, VectorReply>, cb: grpc.sendUnaryData<VectorReply>) => {
      seen.push(call.request);
      const a = answer(call.request);
      if (a.never) return;
      if (a.code !== undefined) cb({ code: a.code, details: `scripted ${grpc.status[a.code]}` });
      else cb(null, a.reply);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  address = `127.0.0.1:${port}`;
});
after(() => server.forceShutdown());

const conf = (over: Partial<VectorConf> = {}): VectorConf => ({
  ServerAddress: address,
  Timeout: 2000,
  PoolSize: 1,
  Metric: 'ip',
  MaxReconnectBackoff: 200,
  ...over,
});
const client = (over: Partial<VectorConf> = {}): FaissAlgorithm => {
  const c = conf(over);
  return new FaissAlgorithm('f', c, new ChannelPool(c.ServerAddress, c.PoolSize, c.MaxReconnectBackoff), undefined, { percent: 100, minConcurrency: 10 });
};
const code = (c: string, re?: RegExp) => (e: unknown) => e instanceof PairecError && e.code === c && (!re || re.test(e.message));

describe('FAISS client', () => {
  it('sends k and each query (float32) and reads labels and ip scores in the server’s order', async () => {
    seen.length = 0;
    answer = (req) => ({ reply: { retval: [4, 1], scores: [0.75, req.vector[0] ?? 0], labels: ['item_4', 'item_1'] } });
    const algo = client();
    const out = await algo.run({ k: 2, vectors: [Float32Array.of(0.5, -1.25), Float32Array.of(0.1, 2)] }, runContext(3000));
    assert.deepEqual(
      out.map((n) => ({ ids: n.ids, scores: Array.from(n.scores) })),
      [
        { ids: ['item_4', 'item_1'], scores: [0.75, 0.5] },
        { ids: ['item_4', 'item_1'], scores: [0.75, Math.fround(0.1)] },
      ],
    );
    assert.deepEqual(
      seen.map((r) => ({ k: r.k, vector: r.vector })).sort((a, b) => (a.vector[0] ?? 0) - (b.vector[0] ?? 0)),
      [
        { k: 2, vector: [Math.fround(0.1), 2] },
        { k: 2, vector: [0.5, -1.25] },
      ],
    );
    await algo.close();
  });

  it('l2: distances are negated so larger is nearer; no labels: the numeric ids as strings', async () => {
    answer = () => ({ reply: { retval: [7, 30], scores: [0.25, 2], labels: [] } });
    const algo = client({ Metric: 'l2' });
    const [n] = await algo.run({ k: 2, vectors: [Float32Array.of(1, 1)] }, runContext(3000));
    assert.deepEqual(n?.ids, ['7', '30']);
    assert.deepEqual(Array.from(n?.scores ?? []), [-0.25, -2]);
    // Labels that do not match the ids one for one are not trusted; a missing score is NaN.
    answer = () => ({ reply: { retval: [7, 30], scores: [0.25], labels: ['only_one'] } });
    const [m] = await algo.run({ k: 2, vectors: [Float32Array.of(1, 1)] }, runContext(3000));
    assert.deepEqual(m?.ids, ['7', '30']);
    assert.equal(m?.scores[0], -0.25);
    assert.ok(Number.isNaN(m?.scores[1]));
    await algo.close();
  });

  it('refuses k that is not a positive integer, and a run with no time left, before calling', async () => {
    seen.length = 0;
    const algo = client();
    for (const k of [0, -1, 1.5]) {
      await assert.rejects(algo.run({ k, vectors: [Float32Array.of(1)] }, runContext(3000)), code('ERR_ALGORITHM_INPUT', new RegExp(`got ${k}$`)));
    }
    await assert.rejects(algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(0)), code('ERR_DEADLINE_EXCEEDED', /no time left to call FAISS "f"/));
    assert.equal(seen.length, 0);
    // k = 1 is valid.
    answer = () => ({ reply: { retval: [1], scores: [1], labels: ['a'] } });
    assert.deepEqual((await algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(3000)))[0]?.ids, ['a']);
    await algo.close();
  });

  it('statuses: UNAVAILABLE is retried (3 attempts), others are answers mapped to engine errors', async () => {
    const algo = client({ Timeout: 300 });
    seen.length = 0;
    answer = () => ({ code: grpc.status.UNAVAILABLE });
    await assert.rejects(
      algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000)),
      code('ERR_BACKEND_UNAVAILABLE', /^FAISS "f" failed: .*scripted UNAVAILABLE/),
    );
    assert.equal(seen.length, 3);
    seen.length = 0;
    let calls = 0;
    answer = () => (++calls === 1 ? { code: grpc.status.UNAVAILABLE } : { reply: { retval: [2], scores: [0.5], labels: ['b'] } });
    assert.deepEqual((await algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000)))[0]?.ids, ['b']);
    assert.equal(seen.length, 2);
    seen.length = 0;
    answer = () => ({ code: grpc.status.INVALID_ARGUMENT });
    await assert.rejects(
      algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000)),
      (e: unknown) =>
        code('ERR_BACKEND_UNAVAILABLE', /scripted INVALID_ARGUMENT/)(e) && (e as { cause?: { code?: number } }).cause?.code === grpc.status.INVALID_ARGUMENT,
    );
    assert.equal(seen.length, 1);
    answer = () => ({ code: grpc.status.CANCELLED });
    await assert.rejects(
      algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000)),
      (e: unknown) => code('ERR_ABORTED', /^FAISS "f" call cancelled$/)(e) && (e as { cause?: { code?: number } }).cause?.code === grpc.status.CANCELLED,
    );
    answer = () => ({ never: true });
    await assert.rejects(
      algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000)),
      (e: unknown) =>
        code('ERR_DEADLINE_EXCEEDED', /^FAISS "f" did not answer within 300 ms$/)(e) &&
        (e as { cause?: { code?: number } }).cause?.code === grpc.status.DEADLINE_EXCEEDED,
    );
    const ac = new AbortController();
    const run = algo.run({ k: 1, vectors: [Float32Array.of(1)] }, runContext(5000, ac.signal));
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(run, (e: unknown) => e instanceof PairecError && e.code === 'ERR_ABORTED');
    await algo.close();
  });

  it('the channel client: an abort cancels the call on the wire; state and close follow the channel', async () => {
    const c = createVectorRetrievalClient(address, {});
    assert.equal(c.state(), 'idle');
    // Reading the state does not dial: the pool's gauges poll it on idle channels.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(c.state(), 'idle');
    answer = () => ({ never: true });
    const ac = new AbortController();
    const t0 = Date.now();
    const call = c.search({ k: 1, vector: [1] }, new Date(Date.now() + 20_000), ac.signal);
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(call, (e: unknown) => (e as { code?: number }).code === grpc.status.CANCELLED);
    assert.ok(Date.now() - t0 < 10_000, 'cancelled, not left to its 20 s deadline');
    answer = () => ({ reply: { retval: [1], scores: [0.5], labels: ['a'] } });
    assert.deepEqual(await c.search({ k: 1, vector: [1] }, new Date(Date.now() + 5000), new AbortController().signal), {
      retval: [1],
      scores: [0.5],
      labels: ['a'],
    });
    assert.equal(c.state(), 'ready');
    c.close();
    assert.equal(c.state(), 'shutdown');
  });
});
