import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../src/catalog/random.js';
import { encodeFvecs } from '../../src/companions/vector-server/data.js';
import { faissType } from '../../src/algorithm/faiss/index.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';
import { startVectorServerProcess } from '../helpers/process.js';
import type { LoggedProcess } from '../helpers/process.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'pairec-vs-'));
const PY_CLIENT = fileURLToPath(new URL('../../../test/python/vector_client.py', import.meta.url));

/** Deterministic vectors: rows × dim floats in [-1, 1) with 4 decimals. */
function vectors(rows: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * dim }, () => Math.round((rng.next() * 2 - 1) * 1e4) / 1e4);
}

function bruteForce(data: Float32Array, dim: number, q: Float32Array, k: number): { row: number; score: number }[] {
  const out: { row: number; score: number }[] = [];
  for (let r = 0; r < data.length / dim; r++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (q[d] ?? 0) * (data[r * dim + d] ?? 0);
    out.push({ row: r, score: s });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, k);
}

function healthCheck(port: number, serviceName: string): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(healthService as grpc.ServiceDefinition, 'Health');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const check = client.Check as unknown as (req: { service: string }, cb: (err: grpc.ServiceError | null, res?: { status: string | number }) => void) => void;
  return new Promise((resolve, reject) =>
    check.call(client, { service: serviceName }, (err, res) => {
      client.close();
      if (err || !res) reject(err ?? new Error('no reply'));
      else resolve(String(res.status));
    }),
  );
}

describe('pairec vector-server', () => {
  const svm = join(dir, 'items.svm');
  const svmData = vectors(300, 8, 11);
  let server: { proc: LoggedProcess; port: number; metricsPort: number | undefined };

  before(async () => {
    const lines: string[] = [];
    for (let r = 0; r < 300; r++) {
      const entries = Array.from(svmData.subarray(r * 8, r * 8 + 8), (v, d) => `${d + 1}:${v}`);
      lines.push(`item_${r} ${entries.join(' ')}`);
    }
    writeFileSync(svm, `${lines.join('\n')}\n`);
    server = await startVectorServerProcess(['--data', svm, '--index', 'flat', '--port', '0', '--metrics-port', '0']);
  });
  after(async () => {
    await server.proc.stop('SIGKILL');
  });

  it('answers a foreign client (Debian python3-grpcio) with brute force’s top-k ids and scores', async () => {
    const { stdout } = await run('/usr/bin/python3', [PY_CLIENT, String(server.port), svm, '10', '20']);
    const result = JSON.parse(stdout.trim()) as { ok: boolean; queries: number; same_order: number };
    assert.equal(result.ok, true, stdout);
    assert.equal(result.queries, 20);
  });

  it('serves the same neighbours to the FAISS algorithm type, labels as ids', async () => {
    const metrics = testMetrics();
    const algo = await faissType.create(
      'remote',
      { ServerAddress: `127.0.0.1:${server.port}`, Timeout: 2000, PoolSize: 2, Metric: 'ip', MaxReconnectBackoff: 1000 },
      buildDeps({ metrics }),
    );
    const queries = [0, 1, 2, 3].map((r) => svmData.slice(r * 8, r * 8 + 8));
    const running = algo.run({ vectors: queries, k: 5 }, runContext());
    // Scraped before any reply can arrive (a scrape only awaits microtasks): four calls in flight.
    assert.match(await metrics.registry.metrics(), /\npairec_pool_active\{algorithm_name="remote",pool="grpc"\} 4\n/);
    const out = await running;
    const after = await metrics.registry.metrics();
    assert.match(after, /\npairec_pool_active\{algorithm_name="remote",pool="grpc"\} 0\n/);
    assert.match(after, /\npairec_pool_connections\{algorithm_name="remote",pool="grpc",state="ready"\} 2\n/);
    assert.equal(out.length, 4);
    out.forEach((n, i) => {
      const truth = bruteForce(svmData, 8, queries[i] as Float32Array, 5);
      assert.deepEqual(
        n.ids,
        truth.map((t) => `item_${t.row}`),
      );
      truth.forEach((t, j) => assert.ok(Math.abs((n.scores[j] ?? 0) - t.score) < 1e-4));
    });
    await algo.close();
    assert.doesNotMatch(await metrics.registry.metrics(), /pairec_pool_active\{/);
  });

  it('rejects a wrong dimension or k with INVALID_ARGUMENT, surfaced as a typed error', async () => {
    const algo = await faissType.create(
      'remote',
      { ServerAddress: `127.0.0.1:${server.port}`, Timeout: 2000, PoolSize: 1, Metric: 'ip', MaxReconnectBackoff: 1000 },
      buildDeps(),
    );
    await assert.rejects(algo.run({ vectors: [new Float32Array(3)], k: 5 }, runContext()), /3 dimensions/);
    await algo.close();
  });

  it('speaks the gRPC health checking protocol', async () => {
    assert.equal(await healthCheck(server.port, ''), 'SERVING');
    assert.equal(await healthCheck(server.port, 'pai.web.VectorRetrieval'), 'SERVING');
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort ?? 0}/metrics`)).text();
    assert.match(text, /pairec_vector_server_index_size 300/);
    assert.match(text, /pairec_vector_server_requests_total\{code="OK"\} [1-9]/);
    assert.match(text, /pairec_vector_server_requests_total\{code="INVALID_ARGUMENT"\} [1-9]/);
  });

  it('loads .fvecs (labels are row numbers), caches the built index, and shuts down cleanly', async (t) => {
    const fvecs = join(dir, 'items.fvecs');
    const data = vectors(500, 16, 5);
    writeFileSync(fvecs, encodeFvecs(data, 16));
    const first = await startVectorServerProcess(['--data', fvecs, '--index', 'hnsw', '--port', '0', '--metrics-port', 'none']);
    t.after(() => first.proc.stop('SIGKILL'));
    assert.ok(first.proc.lines.some((l) => l.msg === 'vector index built'));
    const algo = await faissType.create(
      'f',
      { ServerAddress: `127.0.0.1:${first.port}`, Timeout: 2000, PoolSize: 1, Metric: 'ip', MaxReconnectBackoff: 1000 },
      buildDeps(),
    );
    const q = data.slice(7 * 16, 8 * 16);
    const [hits] = await algo.run({ vectors: [q], k: 3 }, runContext());
    assert.deepEqual(
      hits?.ids,
      bruteForce(data, 16, q, 3).map((t) => String(t.row)),
    );
    await algo.close();
    assert.equal(await first.proc.stop('SIGTERM'), 0);
    assert.ok(first.proc.lines.some((l) => l.msg === 'stopped'));

    const second = await startVectorServerProcess(['--data', fvecs, '--index', 'hnsw', '--port', '0', '--metrics-port', 'none']);
    t.after(() => second.proc.stop('SIGKILL'));
    assert.ok(
      second.proc.lines.some((l) => l.msg === 'vector index loaded from cache'),
      'a restart does not rebuild',
    );
    assert.ok(!second.proc.lines.some((l) => l.msg === 'vector index built'));
    await second.proc.stop('SIGTERM');
  });
});
