import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { generateDemo } from '../../src/catalog/demo.js';
import { buildIndex, INDEX_FILE, indexCacheDir, loadOrBuildIndex } from '../../src/vector/vector-index.js';
import type { IndexSpec, Space, VectorIndex } from '../../src/vector/vector-index.js';
import { PairecError } from '../../src/errors.js';
import { IvfIndex } from '../../src/vector/ivf-index.js';

const logger = pino({ level: 'silent' });
const live = (): AbortSignal => new AbortController().signal;
const spec = (kind: IndexSpec['kind'], space: Space, Nlist = 0): IndexSpec => ({ kind, space, M: 8, EfConstruction: 40, Nlist, Seed: 7 });

/** Clustered data shaped like RW-100k, small enough for a unit test. */
const demo = generateDemo({ items: 3000, users: 60, dim: 16, clusters: 40, categories: 5, seed: 11 });
const dim = 16;
const userQuery = (u: number): Float32Array => demo.userEmbeddings.slice(u * dim, (u + 1) * dim);

function recallOf(index: VectorIndex, exact: VectorIndex, k: number, effort: number): number {
  let hit = 0;
  for (let u = 0; u < 60; u++) {
    const truth = new Set(exact.search(userQuery(u), k, 0).rows);
    for (const r of index.search(userQuery(u), k, effort).rows) if (truth.has(r)) hit++;
  }
  return hit / (60 * k);
}

describe('IVF index', () => {
  it('property: scanning every list gives exactly the flat index’s scores, best first, for ip, cosine and l2', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom<Space>('ip', 'cosine', 'l2'),
        fc.integer({ min: 0, max: 1000 }),
        async (rows, d, nlist, k, space, seed) => {
          const vectors = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(seed + i * 12.9898) * 3);
          const ivf = await buildIndex(spec('ivf', space, nlist), vectors, d, logger, live());
          const flat = await buildIndex(spec('flat', space), vectors, d, logger, live());
          const q = Float32Array.from({ length: d }, (_, i) => Math.cos(seed * 7 + i));
          const got = ivf.search(q, k, nlist);
          const want = flat.search(q, k, 0);
          assert.equal(got.rows.length, Math.min(k, rows));
          assert.equal(new Set(got.rows).size, got.rows.length, 'rows are distinct');
          for (let i = 1; i < got.scores.length; i++) assert.ok((got.scores[i - 1] as number) >= (got.scores[i] as number), 'best first');
          const tolerance = space === 'l2' ? 1e-3 : 1e-4;
          got.scores.forEach((s, i) => assert.ok(Math.abs(s - (want.scores[i] as number)) <= tolerance, `score ${i}: ${s} vs ${want.scores[i]}`));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reaches high recall on clustered data with a few lists, and recall never falls as nprobe grows', async () => {
    const ivf = await buildIndex(spec('ivf', 'ip'), demo.itemEmbeddings, dim, logger, live());
    const exact = await buildIndex(spec('flat', 'ip'), demo.itemEmbeddings, dim, logger, live());
    const recalls = [1, 4, 8, 16, 219].map((np) => recallOf(ivf, exact, 100, np));
    for (let i = 1; i < recalls.length; i++) assert.ok((recalls[i] as number) >= (recalls[i - 1] as number), `recall ${recalls.join(' ')} is monotone`);
    assert.ok((recalls[3] as number) >= 0.9, `nprobe 16 of 219 lists: recall ${recalls[3]}`);
    assert.equal(recalls[4], 1, 'all lists: exact');
  });

  it('reads vectors and queries that are views into larger buffers correctly', async () => {
    const padded = new Float32Array(demo.itemEmbeddings.length + 3 * dim);
    padded.set(demo.itemEmbeddings, 3 * dim);
    const view = padded.subarray(3 * dim);
    const fromView = await buildIndex(spec('ivf', 'ip', 30), view, dim, logger, live());
    const fromCopy = await buildIndex(spec('ivf', 'ip', 30), demo.itemEmbeddings.slice(), dim, logger, live());
    for (let u = 0; u < 10; u++) {
      const inUsers = demo.userEmbeddings.subarray(u * dim, (u + 1) * dim); // a view at an offset
      assert.deepEqual(fromView.search(inUsers, 20, 5).rows, fromCopy.search(userQuery(u), 20, 5).rows);
      assert.deepEqual(fromView.search(Array.from(inUsers), 20, 5).rows, fromCopy.search(userQuery(u), 20, 5).rows);
    }
  });

  it('is cached: a second load reads the file and answers the same; a file for other rows is rebuilt', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ivf-'));
    try {
      const cache = { dir, key: 'k' };
      const first = await loadOrBuildIndex(spec('ivf', 'ip', 25), demo.itemEmbeddings, dim, cache, logger, live());
      const file = join(indexCacheDir(cache, 'ivf'), INDEX_FILE);
      const bytes = await readFile(file);
      const again = await loadOrBuildIndex(spec('ivf', 'ip', 25), demo.itemEmbeddings, dim, cache, logger, live());
      for (let u = 0; u < 10; u++) assert.deepEqual(again.search(userQuery(u), 50, 3), first.search(userQuery(u), 50, 3));
      const fewer = demo.itemEmbeddings.subarray(0, 2000 * dim);
      const rebuilt = await loadOrBuildIndex(spec('ivf', 'ip', 25), fewer, dim, cache, logger, live());
      assert.equal(rebuilt.size, 2000);
      await writeFile(file, bytes.subarray(0, 100)); // truncated: caught by its checksum and rebuilt, not a crash
      const repaired = await loadOrBuildIndex(spec('ivf', 'ip', 25), demo.itemEmbeddings, dim, cache, logger, live());
      assert.equal(repaired.size, 3000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is cached at a padded width too: the file holds the centroids unpadded, and a load answers the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ivf-'));
    try {
      const d = 5; // padded to 16 in the kernels
      const vectors = demo.itemEmbeddings.subarray(0, 3000 * d);
      const cache = { dir, key: 'p' };
      for (const space of ['cosine', 'l2'] as const) {
        const first = await loadOrBuildIndex(spec('ivf', space, 20), vectors, d, { ...cache, key: space }, logger, live());
        const bytes = await readFile(join(indexCacheDir({ ...cache, key: space }, 'ivf'), INDEX_FILE));
        assert.equal(bytes.byteLength, 4 * (5 + 20 * d + 3000), 'header, 20 × 5 centroid values, a list per row');
        const again = await loadOrBuildIndex(spec('ivf', space, 20), vectors, d, { ...cache, key: space }, logger, live());
        for (let u = 0; u < 10; u++) {
          const q = demo.userEmbeddings.subarray(u * dim, u * dim + d);
          assert.deepEqual(again.search(q, 30, 4), first.search(q, 30, 4));
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a query of the wrong width, answers k beyond the rows with every row, and stops an aborted build', async () => {
    const ivf = await buildIndex(spec('ivf', 'ip', 10), demo.itemEmbeddings.subarray(0, 50 * dim), dim, logger, live());
    assert.throws(
      () => ivf.search(new Float32Array(3), 5, 2),
      (err) => err instanceof PairecError && err.code === 'ERR_ALGORITHM_INPUT',
    );
    assert.equal(ivf.search(userQuery(0), 500, 10).rows.length, 50);
    assert.equal(ivf.search(userQuery(0), 0, 10).rows.length, 0);
    const abort = new AbortController();
    abort.abort();
    await assert.rejects(
      buildIndex(spec('ivf', 'ip'), demo.itemEmbeddings, dim, logger, abort.signal),
      (err) => err instanceof PairecError && err.code === 'ERR_ABORTED',
    );
  });
});

describe('IVF index opened in slices', () => {
  it('answers exactly as one built in one piece, across several slices, for ip, cosine and l2', async () => {
    const rows = 20_000; // three slices of 8,192 rows
    const d = 16;
    const vectors = Float32Array.from({ length: rows * d }, (_, i) => Math.sin(i * 12.9898) * 0.5 + ((i * 7) % 13) / 26);
    const nlist = 50;
    const centroids = vectors.slice(0, nlist * d);
    const assign = Int32Array.from({ length: rows }, (_, r) => (r * 31) % nlist);
    for (const space of ['ip', 'cosine', 'l2'] as const) {
      const s = spec('ivf', space, nlist);
      const whole = new IvfIndex(s, d, vectors, centroids, assign);
      const sliced = await IvfIndex.inSlices(s, d, vectors, centroids, assign);
      for (let q = 0; q < 20; q++) {
        const query = vectors.slice(q * 997 * d, (q * 997 + 1) * d);
        assert.deepEqual(sliced.search(query, 50, nlist), whole.search(query, 50, nlist), `${space}, query ${q}`);
      }
      assert.deepEqual(sliced.layout()?.at, whole.layout()?.at);
    }
  });
});
