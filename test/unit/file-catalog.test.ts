import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog, catalogSignature } from '../../src/catalog/load.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { CatalogConf } from '../../src/config/schema.js';
import { readConfigFile } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';
import { ownData, writeOwnData, writeJsonLines } from '../helpers/catalog-files.js';
import { pino } from 'pino';

const dir = mkdtempSync(join(tmpdir(), 'pairec-filecat-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const data = ownData(1500, 40);
const paths = writeOwnData(dir, data);

const conf = (items: string, users?: string, extra: Partial<CatalogConf> = {}): CatalogConf => ({
  Source: 'file',
  Demo: { Items: 10, Users: 1, Dim: 2, Clusters: 1, Categories: 1, Seed: 1 },
  Items: { Path: items, IdField: 'id', EmbeddingField: 'embedding' },
  ...(users ? { Users: { Path: users, IdField: 'id', EmbeddingField: 'embedding' } } : {}),
  CacheDir: '',
  ...extra,
});

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] ?? 0) * (b[i] ?? 0);
  return s;
};

describe('file catalogs: JSON Lines, CSV and Parquet', () => {
  const loaded: Partial<Record<keyof typeof paths, Catalog>> = {};
  const load = async (format: keyof typeof paths): Promise<Catalog> =>
    (loaded[format] ??= await loadCatalog(conf(paths[format].items, paths[format].users), silentLogger));

  it('the three files of one catalog load to identical columns', async () => {
    const ref = await load('jsonl');
    assert.equal(ref.itemIds.length, 1500);
    assert.equal(ref.dim, 48);
    assert.equal(ref.itemIds[0], 'sku-00001');
    assert.deepEqual(Array.from(ref.itemEmbeddings.subarray(0, 48)), data.items[0]?.embedding);
    assert.deepEqual(ref.itemRow(0), { category: data.items[0]?.category, price: data.items[0]?.price, status: data.items[0]?.status });
    assert.deepEqual(
      [...(ref.itemColumns ?? new Map())].map(([n, c]) => [n, c.kind]),
      [
        ['category', 'string'],
        ['price', 'number'],
        ['status', 'string'],
      ],
    );
    for (const format of ['csv', 'parquet'] as const) {
      const other = await load(format);
      assert.deepEqual(other.itemIds, ref.itemIds, format);
      assert.deepEqual(other.itemEmbeddings, ref.itemEmbeddings, format);
      const rows = (c: Catalog): unknown[] => c.itemIds.map((_, r) => c.itemRow(r));
      assert.deepEqual(rows(other), rows(ref), format);
      assert.deepEqual(other.itemColumns, ref.itemColumns, format);
      assert.deepEqual(other.userIds, ref.userIds, format);
      assert.deepEqual(other.userEmbeddings, ref.userEmbeddings, format);
    }
    // Numeric fields serve as dense model columns, string fields as key columns.
    assert.deepEqual(
      Array.from(ref.rowSource.column('price')?.data ?? []).slice(0, 3),
      data.items.slice(0, 3).map((r) => Math.fround(r.price)),
    );
    const status = ref.keyColumn('status');
    assert.equal(status.keys[status.ids[0] ?? -1], data.items[0]?.status);
  });

  it('the signature follows the file content: a rewritten file never meets an old index', async () => {
    const path = join(dir, 'sig.jsonl');
    writeJsonLines(path, data.items.slice(0, 20));
    const before = catalogSignature(conf(path));
    assert.equal(catalogSignature(conf(path)), before);
    writeJsonLines(join(dir, 'sig.next.jsonl'), data.items.slice(0, 21));
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, 'sig.next.jsonl'), path);
    assert.notEqual(catalogSignature(conf(path)), before);
  });

  for (const format of ['jsonl', 'csv', 'parquet'] as const) {
    it(`${format}: a flat-index VectorRecall with an off-shelf filter serves exactly the brute-force top-k among on-shelf items`, async () => {
      const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
      try {
        await engine.reload({
          ListenConf: { HttpAddr: '127.0.0.1', HttpPort: 0 },
          CatalogConf: { ...conf(paths[format].items, paths[format].users), CacheDir: join(dir, `cache-${format}`) },
          AlgoConfs: [{ Name: 'flat', Type: 'ANN', AnnConf: { Index: 'flat', Space: 'ip' } }],
          RecallConfs: [{ Name: 'by_vector', RecallType: 'VectorRecall', RecallCount: 300, AlgoName: 'flat' }],
          FilterConfs: [{ Name: 'on_shelf', FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'status', Operator: 'equal', Value: 'on_shelf' }] }],
          FilterNames: { s: ['on_shelf'] },
          SceneConfs: { s: { default: { RecallNames: ['by_vector'] } } },
          SortNames: { s: ['ItemRankScore'] },
        });
        for (const user of data.users.slice(0, 5)) {
          const { items } = await recommend(engine, recommendRequest({ uid: user.id, sceneId: 's', size: 20 }));
          const expected = data.items
            .filter((r) => r.status === 'on_shelf')
            .map((r) => ({ id: r.id, s: dot(Float32Array.from(user.embedding), Float32Array.from(r.embedding)) }))
            .sort((a, b) => b.s - a.s)
            .slice(0, 20)
            .map((r) => r.id);
          assert.deepEqual(
            items.map((c) => c.itemId),
            expected,
            user.id,
          );
        }
      } finally {
        await engine.close();
      }
    });
  }

  it('LOOKUP and conditions name a file catalog’s fields: scores are the items’ prices, the category filter holds', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload({
        CatalogConf: { ...conf(paths.jsonl.items, paths.jsonl.users), CacheDir: '' },
        AlgoConfs: [
          { Name: 'flat', Type: 'ANN', AnnConf: { Index: 'flat' } },
          { Name: 'price', Type: 'LOOKUP', LookupConf: { FieldName: 'price' } },
        ],
        RecallConfs: [{ Name: 'by_vector', RecallType: 'VectorRecall', RecallCount: 200, AlgoName: 'flat' }],
        FilterConfs: [{ Name: 'cheap_cat1', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'category == "cat_1" && price < 500' }],
        FilterNames: { s: ['cheap_cat1'] },
        SceneConfs: { s: { default: { RecallNames: ['by_vector'] } } },
        RankConf: { s: { RankAlgoList: ['price'] } },
        SortNames: { s: ['ItemRankScore'] },
      });
      const user = data.users[0];
      const { items } = await recommend(engine, recommendRequest({ uid: user?.id ?? '', sceneId: 's', size: 10 }));
      assert.ok(items.length > 0);
      const byId = new Map(data.items.map((r) => [r.id, r]));
      for (const c of items) {
        const row = byId.get(c.itemId);
        assert.equal(row?.category, 'cat_1');
        assert.ok((row?.price ?? Infinity) < 500);
        assert.equal(c.score, row?.price);
      }
      assert.deepEqual(
        items.map((c) => c.score),
        items.map((c) => c.score).sort((a, b) => b - a),
      );
    } finally {
      await engine.close();
    }
  });

  it('a filter naming a field the files do not hold is refused once they are read (not a silent drop of every item)', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      const config = (name: string): Record<string, unknown> => ({
        CatalogConf: { ...conf(paths.jsonl.items), CacheDir: '' },
        AlgoConfs: [{ Name: 'flat', Type: 'ANN', AnnConf: { Index: 'flat' } }],
        RecallConfs: [{ Name: 'by_vector', RecallType: 'VectorRecall', AlgoName: 'flat' }],
        FilterConfs: [{ Name: 'on_shelf', FilterType: 'ItemStateFilter', FilterParams: [{ Name: name, Operator: 'equal', Value: 'on_shelf' }] }],
        FilterNames: { s: ['on_shelf'] },
        SceneConfs: { s: { default: { RecallNames: ['by_vector'] } } },
      });
      await assert.rejects(engine.reload(config('stauts')), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /FilterConfs\[0\]\.FilterParams\[0\].*stauts/);
        return true;
      });
      await engine.reload(config('status'));
    } finally {
      await engine.close();
    }
  });

  it('config load refuses Source "file" without Items, and a file of no known format, by path', () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    const refused = (catalog: Record<string, unknown>): string[] => {
      try {
        engine.parse({ CatalogConf: catalog });
      } catch (err) {
        return ((err as { problems?: { path?: string }[] }).problems ?? []).map((p) => p.path ?? '');
      }
      return [];
    };
    assert.deepEqual(refused({ Source: 'file' }), ['$.CatalogConf.Items']);
    assert.deepEqual(refused({ Source: 'file', Items: { Path: '/data/items.txt' } }), ['$.CatalogConf.Items.Path']);
    assert.deepEqual(refused({ Source: 'file', Items: { Path: '/data/items.parquet' } }), []);
  });

  it('relative paths resolve against the config file’s folder', async () => {
    const sub = join(dir, 'conf-dir');
    mkdirSync(join(sub, 'data'), { recursive: true });
    writeJsonLines(join(sub, 'data', 'items.jsonl'), data.items.slice(0, 30));
    const file = join(sub, 'pairec.json');
    writeFileSync(
      file,
      JSON.stringify({ CatalogConf: { Source: 'file', Items: { Path: 'data/items.jsonl', IdField: 'id', EmbeddingField: 'embedding' }, CacheDir: '' } }),
    );
    const raw = (await readConfigFile(file)) as { CatalogConf: CatalogConf };
    assert.equal(raw.CatalogConf.Items?.Path, join(sub, 'data', 'items.jsonl'));
    const catalog = await loadCatalog(
      { ...conf(''), Items: { Path: raw.CatalogConf.Items?.Path ?? '', IdField: 'id', EmbeddingField: 'embedding' } },
      silentLogger,
    );
    assert.equal(catalog.itemIds.length, 30);
  });
});

describe('file catalogs are read on a worker thread', () => {
  it('a bad row rejects the load with its code, file, line and field; skipped rows warn in the caller’s log', async () => {
    const path = join(dir, 'bad-row.jsonl');
    writeJsonLines(path, [
      { id: 'a', embedding: [1, 0], price: 1 },
      { id: 'b', embedding: [0, 1], price: 'NaN-ish', extra: { nested: true } },
      { id: 'c', embedding: [1, 1, 1], price: 3 },
    ]);
    await assert.rejects(loadCatalog(conf(path), silentLogger), (err: unknown) => {
      const e = err as { code?: string; message?: string };
      assert.equal(e.code, 'ERR_DATA_INVALID');
      assert.equal(e.message, `${path}: line 3: field "embedding": embedding has 3 values, expected 2 (the width of line 1)`);
      return true;
    });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
    const catalog = await loadCatalog(conf(path, undefined, { MaxBadRows: 1 }), logger.child({ scope: 'caller' }));
    assert.deepEqual(catalog.itemIds, ['a', 'b']);
    assert.deepEqual(Array.from(catalog.itemVector(1)), [0, 1]);
    assert.equal(catalog.itemFeatureMap(1).price, 'NaN-ish');
    const warn = lines.find((l) => l.msg === 'catalog rows skipped (CatalogConf.MaxBadRows)');
    assert.equal(warn?.level, 40, 'the worker’s warning is a warning in the caller’s log');
    assert.equal(warn?.scope, 'caller', 'with the caller’s bindings');
    assert.equal(warn?.skipped, 1);
    assert.ok(lines.some((l) => l.msg === 'file catalog loaded' && l.items === 2 && l.scope === 'caller'));
  });
});
