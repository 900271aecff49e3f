import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadFileCatalog, readSide } from '../../src/catalog/file-source.js';
import { silentLogger } from '../helpers/context.js';
import { PairecError } from '../../src/errors.js';
import { writeCsv, writeJsonLines, writeParquet } from '../helpers/catalog-files.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-filecat-rows-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;
const side = (path: string): { Path: string; IdField: string; EmbeddingField: string } => ({ Path: path, IdField: 'id', EmbeddingField: 'embedding' });

/** -0 prints as "0" in JSON and CSV alike: compare it as 0. */
const plain = (x: number): number => (Object.is(x, -0) ? 0 : x);
const DIM = 4;
const rowArb = fc.record({
  embedding: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }).map(plain), { minLength: DIM, maxLength: DIM }),
  price: fc.double({ noNaN: true, noDefaultInfinity: true }).map(plain),
  category: fc.string({ maxLength: 8 }).map((s) => `c${s}`), // a prefix: never empty, never read as a number
});
const rowsOf = (minLength: number) =>
  fc
    .uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,10}$/), { minLength, maxLength: 12 })
    .chain((ids) => fc.tuple(fc.constant(ids), fc.array(rowArb, { minLength: ids.length, maxLength: ids.length })))
    .map(([ids, rows]) => rows.map((r, i) => ({ id: ids[i] ?? '', ...r })));

type Row = Record<string, unknown>;
const FORMATS = {
  jsonl: { write: writeJsonLines, lineOf: (i: number): number => i + 1 },
  csv: { write: writeCsv, lineOf: (i: number): number => i + 2 }, // line 1 is the header
} as const;

/** One kind of bad row, made at `row` of valid rows; returns the field the refusal names. */
const FAULTS: Record<string, (rows: Row[], at: number, format: keyof typeof FORMATS) => string> = {
  'missing id': (rows, at) => {
    rows[at] = { ...rows[at], id: '' };
    return 'id';
  },
  // The first row sets the width: a wrong one is found at the second row.
  'wrong embedding length': (rows, at) => {
    rows[Math.max(1, at)] = { ...rows[Math.max(1, at)], embedding: [1, 2, 3] };
    return 'embedding';
  },
  'non-finite embedding value': (rows, at, format) => {
    const e = [...(rows[at]?.embedding as number[])];
    e[DIM - 1] = format === 'csv' ? ('NaN' as unknown as number) : Infinity; // written as null by JSON.stringify
    rows[at] = { ...rows[at], embedding: e };
    return 'embedding';
  },
  'non-finite field value': (rows, at, format) => {
    rows[at] = { ...rows[at], price: format === 'csv' ? '1e999' : undefined };
    if (format === 'jsonl') return 'price-skip';
    return 'price';
  },
  'duplicate id': (rows, at) => {
    if (at === 0) rows.push({ ...rows[0] });
    else rows[at] = { ...rows[at], id: rows[0]?.id };
    return 'id';
  },
};

describe('file catalog rows (JSON Lines and CSV)', () => {
  for (const [format, { write }] of Object.entries(FORMATS)) {
    it(`${format}: any valid rows load exactly (fast-check)`, async () => {
      await fc.assert(
        fc.asyncProperty(rowsOf(1), async (rows) => {
          const path = join(dir, `ok-${serial++}.${format}`);
          write(path, rows);
          const got = await readSide(side(path), 0, undefined);
          assert.deepEqual(
            got.ids,
            rows.map((r) => r.id),
          );
          assert.deepEqual(
            Array.from(got.embeddings),
            rows.flatMap((r) => r.embedding),
          );
          const price = got.fields.get('price');
          assert.equal(price?.kind, 'number');
          assert.deepEqual(
            price.kind === 'number' ? Array.from(price.values) : [],
            rows.map((r) => r.price),
          );
          const category = got.fields.get('category');
          assert.deepEqual(
            category?.kind === 'string' ? Array.from(category.ids, (i) => category.keys[i]) : [],
            rows.map((r) => r.category),
          );
        }),
        { numRuns: 40 },
      );
    });

    it(`${format}: each kind of bad row is refused naming the file, its line and the field (fast-check)`, async () => {
      const lineOf = FORMATS[format as keyof typeof FORMATS].lineOf;
      await fc.assert(
        fc.asyncProperty(rowsOf(2), fc.constantFrom(...Object.keys(FAULTS)), fc.nat(), async (valid, kind, pick) => {
          const rows: Row[] = valid.map((r) => ({ ...r }));
          const at = pick % rows.length;
          const field = FAULTS[kind]?.(rows, at, format as keyof typeof FORMATS) ?? '';
          if (field === 'price-skip') return; // JSON cannot write a non-finite number: it becomes a missing value
          const bad = kind === 'duplicate id' && at === 0 ? rows.length - 1 : kind === 'wrong embedding length' ? Math.max(1, at) : at;
          const path = join(dir, `bad-${serial++}.${format}`);
          write(path, rows);
          await assert.rejects(readSide(side(path), 0, undefined), (err: unknown) => {
            assert.ok(err instanceof PairecError, String(err));
            assert.equal(err.code, 'ERR_DATA_INVALID');
            assert.ok(err.message.startsWith(`${path}: line ${lineOf(bad)}: field "${field}": `), `${kind}: ${err.message}`);
            return true;
          });
          // One bad row allowed: the rest load, and the bad one is counted, not zeroed.
          const skipped = await readSide(side(path), 1, undefined);
          assert.equal(skipped.skipped, 1);
          assert.equal(skipped.ids.length, rows.length - 1);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('file catalog rows (Parquet)', () => {
  const good = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `sku-${i + 1}`, embedding: [0.5, -1, 2, i], price: i + 0.25 }));
  const cases: [string, (rows: Row[]) => void, string][] = [
    ['missing id', (rows) => void (rows[2] = { ...rows[2], id: null }), 'id'],
    ['wrong embedding length', (rows) => void (rows[2] = { ...rows[2], embedding: [1, 2, 3] }), 'embedding'],
    ['non-finite embedding value', (rows) => void (rows[2] = { ...rows[2], embedding: [1, 2, NaN, 4] }), 'embedding'],
    ['null in the embedding list', (rows) => void (rows[2] = { ...rows[2], embedding: [1, null, 3, 4] }), 'embedding'],
    ['non-finite field value', (rows) => void (rows[2] = { ...rows[2], price: Infinity }), 'price'],
    ['duplicate id', (rows) => void (rows[2] = { ...rows[2], id: 'sku-1' }), 'id'],
  ];
  for (const [kind, spoil, field] of cases) {
    it(`${kind} is refused naming the file, its row and the field`, async () => {
      const rows = good(5);
      spoil(rows);
      const path = join(dir, `bad-${serial++}.parquet`);
      writeParquet(path, rows, 2); // row 3 sits in the second row group
      await assert.rejects(readSide(side(path), 0, undefined), (err: unknown) => {
        assert.ok(err instanceof PairecError);
        assert.equal(err.message.slice(0, err.message.indexOf('": ') + 1), `${path}: row 3: field "${field}"`);
        return true;
      });
    });
  }

  it('JSON Lines: a number beyond a double and a "__proto__" field are refused by line and field', async () => {
    const path = join(dir, `raw-${serial++}.jsonl`);
    writeFileSync(path, '{"id":"a","embedding":[1,2],"price":1}\n\n{"id":"b","embedding":[1,2],"price":1e999}\n');
    await assert.rejects(
      readSide(side(path), 0, undefined),
      (err: unknown) => err instanceof PairecError && err.message === `${path}: line 3: field "price": Infinity is not a finite number`,
    );
    writeFileSync(path, '{"id":"a","embedding":[1,2],"__proto__":null}\n');
    await assert.rejects(readSide(side(path), 0, undefined), /line 1: field "__proto__": forbidden field name/);
  });

  it('an items column named "embedding" beside another EmbeddingField is refused', async () => {
    const path = join(dir, `clash-${serial++}.jsonl`);
    writeFileSync(path, '{"id":"a","vec":[1,2],"embedding":"x"}\n');
    const conf = {
      Source: 'file' as const,
      Demo: { Items: 10, Users: 1, Dim: 2, Clusters: 1, Categories: 1, Seed: 1 },
      Items: { Path: path, IdField: 'id', EmbeddingField: 'vec' },
      CacheDir: '',
    };
    await assert.rejects(loadFileCatalog(conf, silentLogger), /field "embedding" is not the EmbeddingField \("vec"\)/);
  });

  it('a users file of another width is refused at its first row', async () => {
    const path = join(dir, `users-${serial++}.jsonl`);
    writeFileSync(path, '{"id":"u1","embedding":[1,2]}\n');
    await assert.rejects(readSide(side(path), 0, 4), /line 1: field "embedding": embedding has 2 values, expected 4/);
  });
});
