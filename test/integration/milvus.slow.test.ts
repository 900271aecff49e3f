/**
 * The MILVUS type through the official SDK (@zilliz/milvus2-sdk-node) against the Milvus
 * test double running as a separate process. The double is not Milvus: no Milvus server
 * can run on this machine, so it implements the part of Milvus' gRPC protocol the SDK
 * calls (Connect, DescribeCollection, Search) by brute force, and fails on command.
 */
import { describe, it, before, after, beforeEach } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Value } from '@sinclair/typebox/value';
import { milvusType } from '../../src/algorithm/milvus/index.js';
import type { MilvusConf, MilvusNeighbours } from '../../src/algorithm/milvus/index.js';
import { MilvusConfSchema } from '../../src/algorithm/milvus/config.js';
import type { Algorithm } from '../../src/algorithm/contract.js';
import { PairecError } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';
import { buildDeps, runContext } from '../helpers/context.js';
import { MilvusDoubleProcess, seededVectors, writeFixture } from '../helpers/milvus-double-process.js';
import { TimingBaseline } from '../helpers/timing-baseline.js';

// Slack past a deadline is relative to the timer lateness measured in the same run
// (test/helpers/timing-baseline.ts): this machine is shared and runs the double, the test
// and other processes on two cores. The exact bound is proven in test/unit/retry.test.ts
// with an injected clock; here it is checked against real time.

const fixture = writeFixture(mkdtempSync(join(tmpdir(), 'pairec-milvus-it-')), 500, 16, 42);
const queries = seededVectors(6, fixture.dim, 7);
let double: MilvusDoubleProcess;
const open: Algorithm<'retrieval'>[] = [];

function confOf(over: Partial<MilvusConf> = {}, address = double.address): MilvusConf {
  const conf = Value.Default(MilvusConfSchema, { ServerAddress: address, CollectionName: 'items_ip', ...over });
  assert.ok(Value.Check(MilvusConfSchema, conf));
  return conf as MilvusConf;
}

async function build(over: Partial<MilvusConf> = {}, address?: string): Promise<Algorithm<'retrieval'>> {
  const algo = await milvusType.create('milvus_it', confOf(over, address), buildDeps());
  open.push(algo);
  return algo;
}

/** The test's own exact search: Milvus' IP (product) or L2 (squared distance, negated). */
function expected(metric: 'IP' | 'L2', q: Float32Array, k: number, keep: (i: number) => boolean = () => true) {
  const scored = fixture.vectors.flatMap((v, i) => {
    if (!keep(i)) return [];
    let s = 0;
    for (let d = 0; d < q.length; d++) {
      const x = q[d] ?? 0;
      const y = v[d] ?? 0;
      s += metric === 'IP' ? x * y : (x - y) * (x - y);
    }
    return [{ id: fixture.ids[i] ?? '', score: metric === 'IP' ? s : -s }];
  });
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, k);
}

function assertMatches(got: MilvusNeighbours | undefined, want: ReturnType<typeof expected>): void {
  assert.ok(got);
  assert.deepEqual(
    got.ids,
    want.map((w) => w.id),
  );
  want.forEach((w, i) => {
    const s = got.scores[i] ?? Number.NaN;
    assert.ok(Math.abs(s - w.score) <= 1e-5 * Math.max(1, Math.abs(w.score)), `score ${i}: ${s} vs ${w.score}`);
  });
}

const isCode = (code: ErrorCode, text?: string) => (err: unknown) => {
  assert.ok(err instanceof PairecError, `a PairecError, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  if (text) assert.match(err.message, new RegExp(text));
  return true;
};

/** Runs and returns how long the run took, whatever its outcome. */
async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const t0 = performance.now();
  try {
    const value = await run();
    return { ms: performance.now() - t0, value };
  } catch (error) {
    return { ms: performance.now() - t0, error };
  }
}

before(async () => {
  double = await MilvusDoubleProcess.start(fixture.file);
});
after(async () => {
  await Promise.all(open.map((a) => a.close()));
  await double.stop();
});

describe('MILVUS search through the SDK (Milvus test double)', () => {
  beforeEach(() => double.reset());

  it('returns the exact top-k ids and scores for IP, best first', async () => {
    const algo = await build({ MetricType: 'IP' });
    const out = await algo.run({ vectors: queries, k: 10 }, runContext());
    assert.equal(out.length, queries.length);
    queries.forEach((q, i) => assertMatches(out[i], expected('IP', q, 10)));
    const [single] = await algo.run({ vectors: [queries[0] ?? new Float32Array()], k: 50 }, runContext());
    assertMatches(single, expected('IP', queries[0] ?? new Float32Array(), 50));
  });

  it('returns L2 neighbours by ascending distance, scored −distance', async () => {
    const algo = await build({ CollectionName: 'items_l2', MetricType: 'L2' });
    const out = await algo.run({ vectors: queries, k: 20 }, runContext());
    queries.forEach((q, i) => assertMatches(out[i], expected('L2', q, 20)));
    assert.ok((out[0]?.scores[0] ?? 1) <= 0);
  });

  it('sends Partitions, Expr, OutputFields and SearchParams, and returns the output fields', async () => {
    const algo = await build({
      Partitions: ['p1'],
      Expr: 'category == "c1"',
      OutputFields: ['category', 'popularity'],
      SearchParams: { ef: 64, nprobe: 'x' },
    });
    const q = queries[1] ?? new Float32Array();
    const [got] = (await algo.run({ vectors: [q], k: 15 }, runContext())) as readonly MilvusNeighbours[];
    assertMatches(
      got,
      expected('IP', q, 15, (i) => i % 2 === 1 && i % 4 === 1),
    );
    assert.deepEqual(got?.fields?.[0], { category: 'c1', popularity: fixture.ids.indexOf(got?.ids[0] ?? '') + 0.5 });
    const sent = (await double.stats()).lastSearch;
    assert.deepEqual(
      {
        ef: sent?.ef,
        nprobe: sent?.nprobe,
        metric: sent?.metric_type,
        anns: sent?.anns_field,
        dsl: sent?.dsl,
        parts: sent?.partition_names,
        out: sent?.output_fields,
      },
      { ef: '64', nprobe: 'x', metric: 'IP', anns: 'vector', dsl: 'category == "c1"', parts: ['p1'], out: ['id', 'category', 'popularity'] },
    );
  });

  it('holds one client for all runs: one Connect and one DescribeCollection for 40 concurrent runs', async () => {
    const algo = await build();
    await Promise.all(Array.from({ length: 40 }, (_, i) => algo.run({ vectors: [queries[i % queries.length] ?? new Float32Array()], k: 5 }, runContext())));
    const calls = (await double.stats()).calls;
    assert.equal(calls.filter((c) => c.method === 'Connect').length, 1);
    assert.equal(calls.filter((c) => c.method === 'DescribeCollection').length, 1);
    assert.equal(calls.filter((c) => c.method === 'Search').length, 40);
    assert.deepEqual((await double.stats()).unimplemented, [], 'the SDK called nothing the double lacks');
  });

  it('rejects input it cannot send: wrong dimension, k out of range', async () => {
    const algo = await build();
    await assert.rejects(algo.run({ vectors: [new Float32Array(3)], k: 5 }, runContext()), isCode('ERR_ALGORITHM_INPUT'));
    await assert.rejects(algo.run({ vectors: queries, k: 0 }, runContext()), isCode('ERR_ALGORITHM_INPUT'));
    await assert.rejects(algo.run({ vectors: queries, k: 16385 }, runContext()), isCode('ERR_ALGORITHM_INPUT'));
    assert.equal((await double.searches()).length, 0);
  });
});

describe('MILVUS retries (Milvus test double)', () => {
  beforeEach(() => double.reset());

  it('retries UNAVAILABLE and succeeds on the third attempt after two failures', async (t: TestContext) => {
    const algo = await build();
    await algo.run({ vectors: [queries[0] ?? new Float32Array()], k: 1 }, runContext()); // schema cached
    await double.reset();
    await double.fail('Search', 2, 'UNAVAILABLE');
    const q = queries[2] ?? new Float32Array();
    const base = await TimingBaseline.measure();
    const { ms, value, error } = await timed(() => algo.run({ vectors: [q], k: 10 }, runContext(5000)));
    assert.equal(error, undefined);
    assertMatches(value?.[0], expected('IP', q, 10));
    const searches = await double.searches();
    assert.deepEqual(
      searches.map((s) => s.outcome),
      ['UNAVAILABLE', 'UNAVAILABLE', 'OK'],
    );
    const gaps = searches.slice(1).map((s, i) => s.at - (searches[i]?.at ?? 0));
    t.diagnostic(`gaps between attempts ${gaps.map((g) => g.toFixed(1)).join(', ')} ms (ceilings 100, 200); run ${ms.toFixed(1)} ms`);
    await base.assertWithin(gaps[0] ?? 0, 100, 'full jitter: the first backoff under 100 ms');
    await base.assertWithin(gaps[1] ?? 0, 200, 'full jitter: the second backoff under 200 ms');
  });

  it('gives up after MaxRetries attempts with ERR_BACKEND_UNAVAILABLE', async () => {
    const algo = await build({ MaxRetries: 3 });
    await double.fail('Search', 5, 'UNAVAILABLE');
    await assert.rejects(algo.run({ vectors: queries, k: 5 }, runContext()), isCode('ERR_BACKEND_UNAVAILABLE', 'after 3 attempt\\(s\\): UNAVAILABLE'));
    assert.equal((await double.searches()).length, 3);
  });

  it('does not retry a non-retryable code (INVALID_ARGUMENT)', async () => {
    const algo = await build();
    await double.fail('Search', 1, 'INVALID_ARGUMENT');
    await assert.rejects(algo.run({ vectors: queries, k: 5 }, runContext()), isCode('ERR_BACKEND_UNAVAILABLE', 'after 1 attempt\\(s\\): INVALID_ARGUMENT'));
    assert.deepEqual(
      (await double.searches()).map((s) => s.outcome),
      ['INVALID_ARGUMENT'],
    );
  });

  it('retries an in-band status Milvus marks retriable (RateLimit), and no other', async () => {
    const algo = await build();
    await double.failInband('Search', 1, { error_code: 'RateLimit', code: 8, retriable: true });
    await algo.run({ vectors: queries, k: 5 }, runContext());
    assert.deepEqual(
      (await double.searches()).map((s) => s.outcome),
      ['inband:RateLimit', 'OK'],
    );
    await double.reset();
    await double.failInband('Search', 1, { error_code: 'UnexpectedError', code: 1100, retriable: false });
    await assert.rejects(algo.run({ vectors: queries, k: 5 }, runContext()), isCode('ERR_BACKEND_UNAVAILABLE', 'UnexpectedError'));
    assert.equal((await double.searches()).length, 1);
  });

  it('keeps a failing run inside a short deadline (20 runs, 150 ms, MaxRetries 10)', async (t: TestContext) => {
    const algo = await build({ MaxRetries: 10 });
    await double.fail('Search', 1000, 'UNAVAILABLE');
    await double.delay('Search', 20);
    const times: number[] = [];
    const base = await TimingBaseline.measure();
    for (let i = 0; i < 20; i++) {
      const { ms, error } = await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(150)));
      assert.ok(error instanceof PairecError && ['ERR_BACKEND_UNAVAILABLE', 'ERR_DEADLINE_EXCEEDED'].includes(error.code), String(error));
      times.push(ms);
    }
    const attempts = (await double.searches()).length;
    t.diagnostic(
      `elapsed max ${Math.max(...times).toFixed(1)} ms, mean ${(times.reduce((a, b) => a + b) / times.length).toFixed(1)} ms; ${attempts} attempts in 20 runs`,
    );
    await base.assertWithin(Math.max(...times), 150, 'the slowest run, deadline 150 ms');
    assert.ok(attempts > 20, 'runs did retry');
  });

  it('cuts a slow call at Timeout and retries while the request has time', async (t: TestContext) => {
    const algo = await build({ Timeout: 80 });
    await double.delay('Search', 1000);
    const base = await TimingBaseline.measure();
    const { ms, error } = await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(400)));
    const attempts = (await double.searches()).length;
    t.diagnostic(`${attempts} attempts of at most 80 ms in ${ms.toFixed(1)} ms (deadline 400 ms)`);
    assert.ok(error instanceof PairecError, String(error));
    assert.ok(attempts >= 2, 'a per-call DEADLINE_EXCEEDED with time left is retried');
    await base.assertWithin(ms, 400, 'deadline 400 ms');
  });

  it('cuts a slow call at the request deadline and does not retry it', async () => {
    const algo = await build({ Timeout: 5000 });
    await double.delay('Search', 1000);
    const base = await TimingBaseline.measure();
    const { ms, error } = await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(150)));
    assert.ok(isCode('ERR_DEADLINE_EXCEEDED')(error));
    await base.assertWithin(ms, 150, 'deadline 150 ms');
    assert.equal((await double.searches()).length, 1);
  });

  it('rejects with ERR_ABORTED as soon as the signal fires', async () => {
    const algo = await build();
    await double.delay('Search', 1000);
    const ctl = new AbortController();
    const base = await TimingBaseline.measure();
    setTimeout(() => ctl.abort(), 50);
    const { ms, error } = await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(5000, ctl.signal)));
    assert.ok(isCode('ERR_ABORTED')(error));
    await base.assertWithin(ms, 50, 'aborted at 50 ms');
  });
});

describe('MILVUS build and connection (Milvus test double)', () => {
  it('fails the build for an unknown collection, vector field or id field', async () => {
    await assert.rejects(build({ CollectionName: 'nope' }), isCode('ERR_ALGORITHM_BUILD', 'collection not found'));
    await assert.rejects(build({ VectorField: 'category' }), isCode('ERR_ALGORITHM_BUILD', 'no float vector field "category"'));
    await assert.rejects(build({ IdField: 'pk' }), isCode('ERR_ALGORITHM_BUILD', 'no field "pk"'));
  });

  it('fails the build, within Timeout, when nothing listens at ServerAddress', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const base = await TimingBaseline.measure();
    const { ms, error } = await timed(() => build({ Timeout: 500 }, `127.0.0.1:${port}`));
    assert.ok(isCode('ERR_ALGORITHM_BUILD')(error));
    await base.assertWithin(ms, 500, 'build Timeout 500 ms');
  });

  it('answers within the deadline while Milvus is down, and serves again once it is back', async (t: TestContext) => {
    const own = await MilvusDoubleProcess.start(fixture.file);
    const algo = await build({}, own.address);
    await algo.run({ vectors: queries, k: 5 }, runContext());
    await own.stop('SIGKILL');
    const base = await TimingBaseline.measure();
    const down = await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(300)));
    assert.ok(isCode('ERR_BACKEND_UNAVAILABLE')(down.error));
    await base.assertWithin(down.ms, 300, 'deadline 300 ms while Milvus is down');
    const back = await MilvusDoubleProcess.start(fixture.file, { port: own.port });
    try {
      const t0 = performance.now();
      let served = false;
      while (!served && performance.now() - t0 < 15_000) {
        served = (await timed(() => algo.run({ vectors: queries, k: 5 }, runContext(500)))).error === undefined;
        if (!served) await new Promise((r) => setTimeout(r, 100));
      }
      t.diagnostic(`down: failed in ${down.ms.toFixed(1)} ms; back: serving after ${(performance.now() - t0).toFixed(0)} ms`);
      assert.ok(served, 'the same instance reconnects');
    } finally {
      await back.stop();
    }
  });
});
