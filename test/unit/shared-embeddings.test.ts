import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../../src/catalog/load.js';
import type { CatalogConf } from '../../src/config/schema.js';
import { silentLogger } from '../helpers/context.js';
import { ownData, writeOwnData } from '../helpers/catalog-files.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-shared-emb-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = ownData(800, 30, 24);
const paths = writeOwnData(dir, data);

const conf = (items: string, users: string, cacheDir: string): CatalogConf => ({
  Source: 'file',
  Demo: { Items: 10, Users: 1, Dim: 2, Clusters: 1, Categories: 1, Seed: 1 },
  Items: { Path: items, IdField: 'id', EmbeddingField: 'embedding' },
  Users: { Path: users, IdField: 'id', EmbeddingField: 'embedding' },
  CacheDir: cacheDir,
});

/** The files this process has mapped (/proc/self/maps): what shows a mapping, not a copy. */
const mappedFiles = (): string[] =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .map((l) => l.split(/\s+/).slice(5).join(' '))
    .filter((p) => p.startsWith('/'));

describe("a file catalog's embeddings shared through the cache", () => {
  it('are mapped from one cache folder named by their content, hold exactly the parsed values, and a second load maps the same file', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const first = await loadCatalog(conf(paths.jsonl.items, paths.jsonl.users, cache), silentLogger);
    const folders = readdirSync(cache).filter((f) => f.startsWith('embeddings-'));
    assert.equal(folders.length, 1);
    assert.equal(first.cacheFolder, join(cache, folders[0] ?? ''));
    assert.ok(mappedFiles().includes(join(cache, folders[0] ?? '', 'items.f32')), 'the item embeddings are not a mapping');
    for (const [row, item] of data.items.entries()) assert.deepEqual(Array.from(first.itemVector(row)), item.embedding, `row ${row}`);
    for (const [row, user] of data.users.entries()) assert.deepEqual(Array.from(first.userVector(row)), user.embedding);
    // The same content from another format: the same folder.
    const parquet = await loadCatalog(conf(paths.parquet.items, paths.parquet.users, cache), silentLogger);
    assert.equal(parquet.cacheFolder, first.cacheFolder);
    assert.equal(readdirSync(cache).filter((f) => f.startsWith('embeddings-')).length, 1);
  });

  it('other content gets its own folder; a damaged file is caught by its checksum and written again', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const a = await loadCatalog(conf(paths.jsonl.items, paths.jsonl.users, cache), silentLogger);
    const items = join(a.cacheFolder ?? '', 'items.f32');
    const damaged = readFileSync(items);
    damaged.writeUInt8(damaged.readUInt8(100) ^ 0xff, 100);
    writeFileSync(items, damaged);
    const again = await loadCatalog(conf(paths.jsonl.items, paths.jsonl.users, cache), silentLogger);
    for (const [row, item] of data.items.entries()) assert.deepEqual(Array.from(again.itemVector(row)), item.embedding, `row ${row}`);
    const other = ownData(800, 30, 24, 99);
    const otherPaths = writeOwnData(mkdtempSync(join(dir, 'other-')), other);
    const b = await loadCatalog(conf(otherPaths.jsonl.items, otherPaths.jsonl.users, cache), silentLogger);
    assert.notEqual(b.cacheFolder, again.cacheFolder);
    assert.deepEqual(Array.from(b.itemVector(0)), other.items[0]?.embedding);
  });

  it('without a cache folder the parsed copy serves', async () => {
    const c = await loadCatalog(conf(paths.csv.items, paths.csv.users, ''), silentLogger);
    assert.equal(c.cacheFolder, undefined);
    assert.deepEqual(Array.from(c.itemVector(5)), data.items[5]?.embedding);
  });
});
