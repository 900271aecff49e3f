import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCatalog } from '../../src/catalog/catalog.js';
import type { Features } from '../../src/catalog/catalog.js';
import { typedColumn } from '../../src/catalog/typed-columns.js';
import type { FieldColumn, RawScalar } from '../../src/catalog/typed-columns.js';
import { demoCatalogData, generateDemo } from '../../src/catalog/demo.js';

/** A field's values over the rows: all numbers, all booleans or all strings, some missing. */
const fieldValues = (rows: number): fc.Arbitrary<RawScalar[]> =>
  fc.oneof(
    fc.array(fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }), { minLength: rows, maxLength: rows }),
    fc.array(fc.option(fc.boolean(), { nil: null }), { minLength: rows, maxLength: rows }),
    fc.array(fc.option(fc.constantFrom('a', 'b', 'c d', ''), { nil: null }), { minLength: rows, maxLength: rows }),
  );

const catalogOf = (rows: number, columns?: Map<string, FieldColumn>, itemFeatures?: Features[]) =>
  createCatalog(
    {
      dim: 1,
      itemIds: Array.from({ length: rows }, (_, i) => `i${i}`),
      itemEmbeddings: new Float32Array(rows),
      itemColumns: columns,
      itemFeatures,
      userIds: [],
      userEmbeddings: new Float32Array(0),
    },
    't',
  );

describe('item fields read by row', () => {
  it('property: a catalog of typed columns reads every field as the row objects made from the same values (null when missing, undefined when no such field)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 30 })
          .chain((rows) => fc.tuple(fc.constant(rows), fc.dictionary(fc.constantFrom('price', 'cat', 'on', 'x'), fieldValues(rows), { minKeys: 1 }))),
        ([rows, fields]) => {
          const columns = new Map(Object.entries(fields).map(([name, values]) => [name, typedColumn(values, false)] as const));
          const objects: Features[] = Array.from({ length: rows }, (_, r) =>
            Object.fromEntries(Object.entries(fields).map(([name, values]) => [name, values[r] ?? null])),
          );
          const byColumns = catalogOf(rows, columns);
          const byRows = catalogOf(rows, undefined, objects);
          for (let r = 0; r < rows; r++) {
            for (const name of Object.keys(fields)) {
              assert.equal(byColumns.itemField(r, name), objects[r]?.[name]);
              assert.equal(byRows.itemField(r, name), objects[r]?.[name]);
            }
            assert.deepEqual(byColumns.itemRow(r), objects[r]);
            assert.equal(byColumns.itemField(r, 'absent'), undefined);
            assert.equal(byColumns.itemField(r, 'toString'), undefined);
            assert.equal(byRows.itemField(r, 'toString'), undefined, 'a field name read through the prototype');
          }
          for (const r of [-1, rows]) {
            assert.equal(byColumns.itemField(r, Object.keys(fields)[0] ?? ''), undefined);
            assert.deepEqual(byColumns.itemRow(r), {});
          }
        },
      ),
    );
  });

  it('the demo catalog holds its fields as columns, read as the generated values', () => {
    const demo = generateDemo({ items: 500, users: 5, dim: 4, clusters: 10, categories: 7, seed: 3 });
    const data = demoCatalogData(demo);
    assert.equal(data.itemFeatures, undefined, 'no object per row');
    const catalog = createCatalog(data, 'd');
    for (let r = 0; r < 500; r++) {
      assert.deepEqual(catalog.itemRow(r), { popularity: demo.popularity[r], category: `cat_${demo.category[r] ?? -1}` });
      assert.equal(catalog.itemField(r, 'popularity'), demo.popularity[r]);
    }
    assert.deepEqual(
      catalog.keyColumn('category').keys,
      Array.from({ length: 7 }, (_, c) => `cat_${c}`),
    );
    assert.deepEqual(Array.from(catalog.rowSource.column('popularity')?.data ?? []), Array.from(demo.popularity));
  });
});
