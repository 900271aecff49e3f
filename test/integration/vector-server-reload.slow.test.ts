import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../src/catalog/random.js';
import { encodeFvecs } from '../../src/companions/vector-server/data.js';
import { createVectorRetrievalClient } from '../../src/wire/vector-retrieval.js';
import { loadCatalog } from '../../src/catalog/load.js';
import type { CatalogConf } from '../../src/config/schema.js';
import { silentLogger } from '../helpers/context.js';
import { startVectorServerProcess } from '../helpers/process.js';
import { continuously, expectRefusedReloads, nextLine } from '../helpers/reload-refusals.js';

const DIM = 8;
const K = 5;
const dir = mkdtempSync(join(tmpdir(), 'pairec-vs-reload-'));

function vectors(rows: number, dim: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: rows * dim }, () => Math.round((rng.next() * 2 - 1) * 1e4) / 1e4);
}

/** Exact inner-product top-k, as labels (an .fvecs file's labels are its row numbers). */
function bruteForce(data: Float32Array, q: Float32Array, k: number, labels?: readonly string[]): string[] {
  const scored: { row: number; score: number }[] = [];
  for (let r = 0; r < data.length / DIM; r++) {
    let s = 0;
    for (let d = 0; d < DIM; d++) s += (q[d] ?? 0) * (data[r * DIM + d] ?? 0);
    scored.push({ row: r, score: s });
  }
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((t) => labels?.[t.row] ?? String(t.row));
}

/** Replaces a file the way an operator should: write beside it, rename into place. */
function replace(file: string, content: Buffer | string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

interface Answer {
  readonly loop: number;
  readonly query: number;
  readonly labels: string;
}

/** `loops` clients searching back to back on one gRPC channel until stopped; every answer and error kept. */
function searchContinuously(port: number, queries: readonly Float32Array[], loops: number) {
  const client = createVectorRetrievalClient(`127.0.0.1:${port}`, {});
  const never = new AbortController().signal;
  const load = continuously(loops, async (loop, i): Promise<Answer> => {
    const query = i % queries.length;
    const reply = await client.search({ k: K, vector: Array.from(queries[query] as Float32Array) }, new Date(Date.now() + 10_000), never);
    return { loop, query, labels: reply.labels.join(',') };
  });
  return {
    ...load,
    stop: async () => {
      await load.stop();
      client.close();
    },
  };
}

describe('pairec vector-server reloads its data on SIGHUP', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('swaps in the new vectors while a client searches without pause; a bad file keeps the old index serving', async (t) => {
    const file = join(dir, 'items.fvecs');
    const a = vectors(300, DIM, 11);
    const b = vectors(400, DIM, 12);
    writeFileSync(file, encodeFvecs(a, DIM));
    const server = await startVectorServerProcess(['--data', file, '--index', 'flat', '--port', '0', '--metrics-port', '0']);
    t.after(() => server.proc.stop('SIGKILL'));
    const queries = [3, 50, 120, 299].map((r) => b.slice(r * DIM, (r + 1) * DIM));
    const truthA = queries.map((q) => bruteForce(a, q, K).join(','));
    const truthB = queries.map((q) => bruteForce(b, q, K).join(','));
    truthA.forEach((ta, i) => assert.notEqual(ta, truthB[i], 'the two data sets answer differently'));

    const load = searchContinuously(server.port, queries, 4);
    try {
      await load.until(200);
      replace(file, encodeFvecs(b, DIM));
      const reloaded = nextLine(server.proc, 'vectors reloaded');
      server.proc.proc.kill('SIGHUP');
      const line = await reloaded;
      assert.equal(line.size, 400);
      assert.equal(line.dim, DIM);
      assert.equal(typeof line.ms, 'number');
      const atReload = load.answers.length;
      await load.until(atReload + 400);

      // A file that cannot be served: garbage, another dimension, gone. Each is refused with its reason.
      const refusals: [string, () => void, RegExp][] = [
        ['garbage', () => replace(file, 'this is not an .fvecs file, only text\n'), /not an \.fvecs file/],
        ['another dimension', () => replace(file, encodeFvecs(vectors(50, 16, 13), 16)), /16 dimensions, the served index 8/],
        ['missing', () => unlinkSync(file), /ENOENT/],
      ];
      await expectRefusedReloads(server.proc, load, 'vector reload failed; the served index keeps serving', refusals, 100);
      await load.stop();

      assert.deepEqual(load.errors, [], 'every search answered');
      assert.equal(server.proc.proc.exitCode, null, 'the process is up');
      assert.equal(server.proc.proc.signalCode, null);
      // Every answer is exact for A or for B, never a mixture; each client sees A, then B, never A again.
      let switched = 0;
      for (let loop = 0; loop < 4; loop++) {
        let seenB = false;
        for (const ans of load.answers.filter((x) => x.loop === loop)) {
          const isA = ans.labels === truthA[ans.query];
          const isB = ans.labels === truthB[ans.query];
          assert.ok(isA || isB, `answer ${ans.labels} is brute force's for neither data set`);
          if (isB) seenB = true;
          else assert.ok(!seenB, 'an old answer after a new one');
        }
        if (seenB) switched++;
      }
      assert.equal(switched, 4);
      const after = load.answers.slice(atReload + 8);
      assert.ok(after.length >= 400);
      assert.ok(
        after.every((x) => x.labels === truthB[x.query]),
        'after the reload, and after each refused one, answers are B’s',
      );
      const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort ?? 0}/metrics`)).text();
      assert.match(metrics, /\npairec_vector_server_index_size 400\n/);
      assert.match(metrics, /\npairec_vector_server_reloads_total\{result="success"\} 1\n/);
      assert.match(metrics, /\npairec_vector_server_reloads_total\{result="failed"\} 3\n/);
      t.diagnostic(`${load.answers.length} searches, 0 failed; reload of 400 × ${DIM} took ${String(line.ms)} ms`);
    } finally {
      await load.stop();
    }
  });

  it('survives a burst of SIGHUPs (at most one reload more than needed), and the last file written is what serves', async (t) => {
    const file = join(dir, 'burst.fvecs');
    const first = vectors(200, DIM, 21);
    writeFileSync(file, encodeFvecs(first, DIM));
    const server = await startVectorServerProcess(['--data', file, '--index', 'hnsw', '--port', '0', '--metrics-port', 'none', '--no-cache']);
    t.after(() => server.proc.stop('SIGKILL'));
    const last = vectors(5000, DIM, 22);
    replace(file, encodeFvecs(last, DIM));
    const from = server.proc.lines.length;
    for (let i = 0; i < 10; i++) server.proc.proc.kill('SIGHUP');
    await nextLine(server.proc, 'vectors reloaded');
    // Let any joined reload finish too.
    await new Promise((r) => setTimeout(r, 1500));
    const reloads = server.proc.lines.slice(from).filter((l) => l.msg === 'vectors reloaded');
    assert.ok(reloads.length >= 1 && reloads.length <= 2, `10 signals made ${reloads.length} reloads`);
    assert.ok(reloads.every((l) => l.size === 5000));
    assert.equal(server.proc.proc.exitCode, null);
    const client = createVectorRetrievalClient(`127.0.0.1:${server.port}`, {});
    const q = last.slice(7 * DIM, 8 * DIM);
    const reply = await client.search({ k: 1, vector: Array.from(q) }, new Date(Date.now() + 5000), new AbortController().signal);
    client.close();
    assert.deepEqual(reply.labels, bruteForce(last, q, 1));
  });

  it('--catalog: SIGHUP reads the config again and serves the catalog it now describes', async (t) => {
    const configFile = join(dir, 'catalog.json');
    const conf = (seed: number, items: number): CatalogConf => ({
      Source: 'demo',
      Demo: { Items: items, Users: 10, Dim: DIM, Clusters: 5, Categories: 2, Seed: seed },
      CacheDir: join(dir, 'catalog-cache'),
    });
    writeFileSync(configFile, JSON.stringify({ CatalogConf: conf(1, 300) }));
    const server = await startVectorServerProcess(['--catalog', configFile, '--index', 'flat', '--port', '0', '--metrics-port', 'none']);
    t.after(() => server.proc.stop('SIGKILL'));
    const client = createVectorRetrievalClient(`127.0.0.1:${server.port}`, {});
    t.after(() => client.close());
    const q = Float32Array.from({ length: DIM }, (_, d) => (d % 3) - 1);
    const ask = async (): Promise<string[]> =>
      (await client.search({ k: K, vector: Array.from(q) }, new Date(Date.now() + 5000), new AbortController().signal)).labels;
    const [first, second] = [await loadCatalog(conf(1, 300), silentLogger), await loadCatalog(conf(2, 500), silentLogger)];
    const want1 = bruteForce(first.itemEmbeddings, q, K, first.itemIds);
    const want2 = bruteForce(second.itemEmbeddings, q, K, second.itemIds);
    assert.notDeepEqual(want1, want2);
    assert.deepEqual(await ask(), want1);
    replace(configFile, JSON.stringify({ CatalogConf: conf(2, 500) }));
    const reloaded = nextLine(server.proc, 'vectors reloaded');
    server.proc.proc.kill('SIGHUP');
    assert.equal((await reloaded).size, 500);
    assert.deepEqual(await ask(), want2);
    // A config that no longer parses is refused; the catalog it described keeps serving.
    replace(configFile, JSON.stringify({ CatalogConf: { Source: 'nope' } }));
    const failed = nextLine(server.proc, 'vector reload failed; the served index keeps serving');
    server.proc.proc.kill('SIGHUP');
    await failed;
    assert.deepEqual(await ask(), want2);
    assert.equal(server.proc.proc.exitCode, null);
  });
});
