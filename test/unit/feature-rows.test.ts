import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCatalog } from '../../src/catalog/catalog.js';
import type { Features } from '../../src/catalog/catalog.js';
import { assembleRows, specWidth } from '../../src/algorithm/feature-spec.js';
import type { FeatureSpec } from '../../src/algorithm/feature-spec.js';
import { itemMapsOf, scoreInputSize } from '../../src/algorithm/contract.js';
import type { FeatureMap, ScoreInput } from '../../src/algorithm/contract.js';
import { COALESCERS } from '../../src/algorithm/middleware/coalesce.js';

/** A catalog of `n` rows: embeddings 0.5·row + d, `pop` numeric on every row, `cat` a string, `part` on some rows only. */
function catalogOf(n: number, dim: number) {
  const itemEmbeddings = new Float32Array(n * dim);
  for (let i = 0; i < itemEmbeddings.length; i++) itemEmbeddings[i] = 0.5 * Math.floor(i / dim) + (i % dim);
  const itemFeatures: Features[] = Array.from({ length: n }, (_, row) => ({ pop: row * 1.25, cat: `c${row % 3}`, ...(row % 2 === 0 ? { part: row } : {}) }));
  return createCatalog(
    { dim, itemIds: itemFeatures.map((_, i) => String(i + 1)), itemEmbeddings, itemFeatures, userIds: [], userEmbeddings: new Float32Array(0) },
    't',
  );
}

describe('model rows from catalog rows', () => {
  it('property: assembling from rows writes exactly what assembling from the rows’ maps writes, and counts the same invalid values', () => {
    const ref = fc.record({
      Name: fc.constantFrom('embedding', 'pop', 'cat', 'part', 'absent'),
      Dim: fc.constantFrom(1, 2, 3),
      Default: fc.constantFrom(0, -1, 7),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(2, 3),
        fc.array(ref, { maxLength: 4 }),
        fc.array(ref, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (n, dim, userRefs, itemRefs, picks, perRow) => {
          const catalog = catalogOf(n, dim);
          const spec: FeatureSpec = { User: userRefs, Item: itemRefs };
          const rows = Int32Array.from(picks, (p) => p % n);
          const users: FeatureMap[] = Array.from(rows, (r) => ({ embedding: new Float32Array(dim).fill(r), pop: -r }));
          const user = perRow ? users : users[0];
          const width = specWidth(spec);
          const fromRows = new Float32Array(rows.length * width).fill(Number.NaN);
          const fromMaps = new Float32Array(rows.length * width).fill(Number.NaN);
          const maps = Array.from(rows, (r) => catalog.itemFeatureMap(r));
          const a = assembleRows(spec, user, { rows, source: catalog.rowSource }, fromRows);
          const b = assembleRows(spec, user, maps, fromMaps);
          assert.deepEqual(fromRows, fromMaps);
          assert.equal(a, b);
          assert.ok(!fromRows.some(Number.isNaN), 'every value written');
        },
      ),
    );
  });

  it('property: an embedding layout (the same vectors in another order) gives the same model rows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(1, 2, 3),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.integer(),
        (n, dim, picks, seed) => {
          const plain = catalogOf(n, dim);
          const laid = catalogOf(n, dim);
          // A seeded permutation: row r stored at position at[r].
          const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => Math.sin(seed + x) - Math.sin(seed + y));
          const at = new Int32Array(n);
          const data = new Float32Array(n * dim);
          order.forEach((row, p) => {
            at[row] = p;
            data.set(laid.itemEmbeddings.subarray(row * dim, (row + 1) * dim), p * dim);
          });
          laid.useEmbeddingLayout({ dim, data, at });
          const spec: FeatureSpec = {
            User: [],
            Item: [
              { Name: 'embedding', Dim: dim, Default: 0 },
              { Name: 'pop', Dim: 1, Default: 0 },
            ],
          };
          const rows = Int32Array.from(picks, (p) => p % n);
          const want = new Float32Array(rows.length * specWidth(spec));
          const got = new Float32Array(rows.length * specWidth(spec));
          assembleRows(spec, undefined, { rows, source: plain.rowSource }, want);
          assembleRows(spec, undefined, { rows, source: laid.rowSource }, got);
          assert.deepEqual(got, want);
        },
      ),
    );
  });

  it('refuses an embedding layout that does not hold every row at the catalog’s width', () => {
    const catalog = catalogOf(4, 2);
    assert.throws(() => catalog.useEmbeddingLayout({ dim: 2, data: new Float32Array(6), at: Int32Array.of(0, 1, 2) }), /every row/);
    assert.throws(() => catalog.useEmbeddingLayout({ dim: 3, data: new Float32Array(12) }), /every row/);
    assert.equal(catalog.rowSource.column('embedding')?.data, catalog.itemEmbeddings, 'the catalog’s own matrix still serves');
  });

  it('has dense columns for the embedding and all-numeric features only', () => {
    const { rowSource } = catalogOf(4, 2);
    assert.equal(rowSource.column('embedding')?.dim, 2);
    assert.deepEqual([...(rowSource.column('pop')?.data ?? [])], [0, 1.25, 2.5, 3.75]);
    assert.equal(rowSource.column('cat'), undefined);
    assert.equal(rowSource.column('part'), undefined, 'missing on some rows: read from maps, with the default');
    assert.equal(rowSource.column('absent'), undefined);
  });

  it('turns rows into maps for code that reads maps, and sizes inputs either way', () => {
    const catalog = catalogOf(3, 2);
    const input: ScoreInput = { items: [], rows: { rows: Int32Array.of(2, 0), source: catalog.rowSource }, user: { a: 1 } };
    const maps = itemMapsOf(input);
    assert.equal(maps.rows, undefined);
    assert.deepEqual(maps.items, [catalog.itemFeatureMap(2), catalog.itemFeatureMap(0)]);
    assert.deepEqual(maps.user, { a: 1 });
    assert.equal(scoreInputSize(input), 2);
    assert.equal(scoreInputSize(maps), 2);
  });

  it('coalesces rows of one source into rows with row-aligned users, mixed inputs into maps, and splits by size', () => {
    const catalog = catalogOf(5, 2);
    const source = catalog.rowSource;
    const a: ScoreInput = { items: [], rows: { rows: Int32Array.of(1, 2), source }, user: { u: 1 } };
    const b: ScoreInput = { items: [], rows: { rows: Int32Array.of(4), source }, user: { u: 2 } };
    const c: ScoreInput = { items: [{ x: 9 }], user: { u: 3 } };
    const merged = COALESCERS.score.merge([a, b]);
    assert.deepEqual([...(merged.rows?.rows ?? [])], [1, 2, 4]);
    assert.deepEqual(merged.users, [{ u: 1 }, { u: 1 }, { u: 2 }]);
    const mixed = COALESCERS.score.merge([a, c]);
    assert.equal(mixed.rows, undefined);
    assert.deepEqual(mixed.items, [catalog.itemFeatureMap(1), catalog.itemFeatureMap(2), { x: 9 }]);
    assert.deepEqual(mixed.users, [{ u: 1 }, { u: 1 }, { u: 3 }]);
    const parts = COALESCERS.score.split([{ score: 1 }, { score: 2 }, { score: 3 }], [a, b]);
    assert.deepEqual(parts, [[{ score: 1 }, { score: 2 }], [{ score: 3 }]]);
  });
});

describe("a catalog row's feature map", () => {
  it('is made on first use from the row, frozen and shared by later reads; a row outside the catalog reads as empty', () => {
    const catalog = catalogOf(4, 2);
    const first = catalog.itemFeatureMap(2);
    assert.equal(first, catalog.itemFeatureMap(2), 'a second read built another map');
    assert.ok(Object.isFrozen(first));
    assert.deepEqual({ ...first, embedding: Array.from(first.embedding as Float32Array) }, { pop: 2.5, cat: 'c2', part: 2, embedding: [1, 2] });
    assert.deepEqual(Array.from(catalog.itemFeatureMap(3).embedding as Float32Array), [1.5, 2.5]);
    for (const row of [-1, 4, 99]) assert.deepEqual(catalog.itemFeatureMap(row), {});
  });
});
