import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { FastifyInstance } from 'fastify';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { withTracing } from '../../src/algorithm/middleware/tracing.js';
import { buildApp } from '../../src/server/app.js';
import { Tracing } from '../../src/observability/tracing.js';
import { smallConfig } from '../helpers/config.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

/**
 * A KServe v2 backend in its own process: answers every row with a score and prints each
 * request's traceparent header as a JSON line, so the test sees what went over the wire.
 */
const BACKEND = `
const http = require('node:http');
const srv = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    process.stdout.write(JSON.stringify({ traceparent: req.headers.traceparent ?? null }) + '\\n');
    const n = JSON.parse(body).inputs[0].shape[0];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ outputs: [{ name: 'score', shape: [n, 1], datatype: 'FP32', data: Array.from({ length: n }, (_, i) => 1 / (i + 1)) }] }));
  });
});
srv.listen(0, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port: srv.address().port }) + '\\n'));
`;

class Backend {
  readonly proc: ChildProcess;
  readonly seen: (string | null)[] = [];
  port = 0;
  constructor() {
    this.proc = spawn(process.execPath, ['-e', BACKEND], { stdio: ['ignore', 'pipe', 'inherit'] });
  }
  async start(): Promise<void> {
    let buf = '';
    const listening = new Promise<void>((resolve) => {
      this.proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as { port?: number; traceparent?: string | null };
          buf = buf.slice(nl + 1);
          if (line.port !== undefined) {
            this.port = line.port;
            resolve();
          } else this.seen.push(line.traceparent ?? null);
        }
      });
    });
    await listening;
  }
  /**
   * The headers of the calls after the first `from`, once `count` of them have been reported: the
   * backend reports each on its stdout, which can reach this process after the call's reply.
   */
  async sentSince(from: number, count: number): Promise<(string | null)[]> {
    const end = Date.now() + 5000;
    while (this.seen.length < from + count && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    return this.seen.slice(from);
  }
  async stop(): Promise<void> {
    const exited = once(this.proc, 'exit');
    this.proc.kill();
    await exited;
  }
}

const cacheDir = mkdtempSync(join(tmpdir(), 'pairec-tracing-'));

function config(port: number, sampleRate: number): Record<string, unknown> {
  const base = smallConfig(cacheDir);
  return {
    ...base,
    AlgoConfs: [
      ...(base.AlgoConfs as unknown[]),
      {
        Name: 'remote_rank',
        Type: 'KSERVE',
        KServeConf: { Url: `http://127.0.0.1:${port}`, ModelName: 'm', Features: { Item: [{ Name: 'popularity', Dim: 1 }] } },
      },
    ],
    RankConf: { default_scene: { RankAlgoList: ['remote_rank'], BatchCount: 1000 } },
    monitoring: { enable_tracing: true, sample_rate: sampleRate },
  };
}

async function tracedApp(
  port: number,
  sampleRate: number,
): Promise<{ app: FastifyInstance; exporter: InMemorySpanExporter; engine: Engine; tracing: Tracing }> {
  const exporter = new InMemorySpanExporter();
  const metrics = testMetrics();
  const probe = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
  const conf = probe.parse(config(port, sampleRate));
  const tracing = Tracing.create(conf.monitoring, [new SimpleSpanProcessor(exporter)]);
  assert.ok(tracing);
  const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger, middlewares: [withTracing(tracing.tracer)] });
  await engine.apply(conf);
  const app = buildApp({ engine, metrics, logger: silentLogger, state: { draining: false, loadError: false }, bodyLimit: 65536, tracing });
  await app.ready();
  return { app, exporter, engine, tracing };
}

const parentOf = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('tracing', () => {
  const backend = new Backend();
  const cleanup: (() => Promise<unknown>)[] = [];
  before(() => backend.start());
  after(async () => {
    for (const c of cleanup) await c();
    await backend.stop();
  });

  it('is not set up at all when enable_tracing is off', () => {
    assert.equal(Tracing.create({ enable_tracing: false, sample_rate: 1 }), undefined);
  });

  it('at sample_rate 1 records the request, each stage and each algorithm call under the right parent', async () => {
    const { app, exporter, engine, tracing } = await tracedApp(backend.port, 1);
    cleanup.push(
      () => app.close(),
      () => engine.close(),
      () => tracing.shutdown(),
    );
    const seenBefore = backend.seen.length;
    const res = await app.inject({ method: 'POST', url: '/api/recommend', payload: { uid: '17', size: 5, request_id: 'rq-traced' } });
    assert.equal(res.statusCode, 200, res.body);
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'POST /api/recommend');
    assert.ok(root, spans.map((s) => s.name).join(', '));
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(parentOf(root), undefined);
    assert.equal(root.attributes['pairec.request_id'], 'rq-traced');
    assert.equal(root.attributes['pairec.scene'], 'default_scene');
    assert.equal(root.attributes['pairec.items'], 5);
    assert.equal(root.attributes['http.response.status_code'], 200);
    const traceId = root.spanContext().traceId;
    for (const s of spans) assert.equal(s.spanContext().traceId, traceId, `${s.name} is in the request's trace`);

    const stage = (name: string): ReadableSpan => {
      const s = spans.find((x) => x.name === `stage ${name}`);
      assert.ok(s, `stage ${name} span; got ${spans.map((x) => x.name).join(', ')}`);
      assert.equal(parentOf(s), root.spanContext().spanId, `stage ${name} is a child of the request`);
      return s;
    };
    const recall = stage('recall');
    stage('filter');
    const rank = stage('rank');
    stage('sort');
    assert.equal(rank.attributes['pairec.items.in'], rank.attributes['pairec.items.out']);

    const ann = spans.find((s) => s.name === 'algorithm item_ann');
    assert.ok(ann, 'the vector recall ANN call');
    assert.equal(parentOf(ann), recall.spanContext().spanId);
    const remote = spans.filter((s) => s.name === 'algorithm remote_rank');
    assert.equal(remote.length, 1);
    const call = remote[0];
    assert.ok(call);
    assert.equal(call.kind, SpanKind.CLIENT);
    assert.equal(parentOf(call), rank.spanContext().spanId, 'the outbound call is a child of the rank stage');
    // Spans nest in time too.
    const t = (hr: [number, number]): number => hr[0] * 1e9 + hr[1];
    assert.ok(t(call.startTime) >= t(rank.startTime) && t(call.endTime) <= t(rank.endTime));
    assert.ok(t(rank.startTime) >= t(root.startTime) && t(rank.endTime) <= t(root.endTime));

    // The call carried the W3C traceparent of its own span.
    const sent = await backend.sentSince(seenBefore, 1);
    assert.deepEqual(sent, [`00-${traceId}-${call.spanContext().spanId}-01`]);
  });

  it("continues the caller's traceparent", async () => {
    const { app, exporter, engine, tracing } = await tracedApp(backend.port, 1);
    cleanup.push(
      () => app.close(),
      () => engine.close(),
      () => tracing.shutdown(),
    );
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({
      method: 'POST',
      url: '/api/recommend',
      payload: { uid: 'u2' },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(res.statusCode, 200);
    const root = exporter.getFinishedSpans().find((s) => s.name === 'POST /api/recommend');
    assert.equal(root?.spanContext().traceId, traceId);
    assert.equal(parentOf(root as ReadableSpan), '00f067aa0ba902b7');
  });

  it('exports over OTLP/HTTP when otlp_endpoint is set', async () => {
    const received: string[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const addr = collector.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const tracing = Tracing.create({ enable_tracing: true, sample_rate: 1, otlp_endpoint: `http://127.0.0.1:${port}/v1/traces` });
    assert.ok(tracing);
    const spans = tracing.startRequest('POST /api/recommend', {}, {});
    assert.ok(spans);
    spans.stage('recall', 0, 1, 1, 10);
    spans.end(200, { 'pairec.scene': 'default_scene' });
    await tracing.shutdown(); // flushes the batch
    await new Promise((r) => collector.close(r));
    assert.equal(received.length, 1);
    const line = received[0] ?? '';
    assert.ok(line.startsWith('POST /v1/traces '));
    assert.ok(line.includes('POST /api/recommend') && line.includes('stage recall') && line.includes('default_scene'), line);
  });

  it('at sample_rate 0 records nothing and sends no traceparent', async () => {
    const { app, exporter, engine, tracing } = await tracedApp(backend.port, 0);
    cleanup.push(
      () => app.close(),
      () => engine.close(),
      () => tracing.shutdown(),
    );
    const seenBefore = backend.seen.length;
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/recommend', payload: { uid: `u${i}` } });
      assert.equal(res.statusCode, 200);
    }
    assert.equal(exporter.getFinishedSpans().length, 0);
    const sent = await backend.sentSince(seenBefore, 5);
    assert.equal(sent.length, 5);
    assert.ok(
      sent.every((h) => h === null),
      JSON.stringify(sent),
    );
  });
});
