import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { PostgresServer } from '../helpers/postgres.js';
import { MariadbServer } from '../helpers/mariadb.js';
import { freePort } from '../helpers/ports.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const skipPg = await skipUnlessInstalled('postgres');
const skipMaria = await skipUnlessInstalled('mariadb');

/** One real database of each family, as the catalog reads it. */
interface Db {
  readonly kind: 'hologres' | 'mysql';
  readonly dsn: string;
  /** A DSN on a port nothing listens on: the database down from the start. */
  readonly deadDsn: string;
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** The literal of an embedding column: PostgreSQL real[], MariaDB delimited text. */
  vector(v: readonly number[]): string;
  /** A literal the embedding column holds that is not a vector of finite numbers. */
  readonly badVector: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function postgres(): Promise<Db> {
  const s = await PostgresServer.start();
  const dead = await freePort();
  return {
    kind: 'hologres',
    dsn: s.url,
    deadDsn: `postgres://postgres@127.0.0.1:${dead}/postgres`,
    sql: (text) => s.sql(text),
    vector: (v) => `'{${v.join(',')}}'`,
    badVector: "'{1,NaN}'",
    kill: () => s.kill(),
    restart: () => s.restart(),
    stop: () => s.stop(),
  };
}

async function mariadb(): Promise<Db> {
  const s = await MariadbServer.start();
  const dead = await freePort();
  return {
    kind: 'mysql',
    dsn: s.dsn,
    deadDsn: `root@tcp(127.0.0.1:${dead})/rec`,
    sql: (text) => s.sql(text),
    vector: (v) => `'${v.join(',')}'`,
    badVector: "'1,oops'",
    kill: () => s.kill(),
    restart: () => s.restart(),
    stop: () => s.stop(),
  };
}

const ITEMS = 300;
const row = (db: Db, n: number, version = 1): string =>
  `('i${String(n).padStart(4, '0')}', ${db.vector([n % 7, 1 + (n % 3)])}, 'cat_${n % 5}', ${n * 0.5}, ${n % 4}, ${version})`;

async function createTables(db: Db): Promise<void> {
  const vec = db.kind === 'mysql' ? 'text' : 'float4[]';
  const id = db.kind === 'mysql' ? 'varchar(32)' : 'text';
  for (const t of ['items', 'items_bad']) {
    await db.sql(`CREATE TABLE ${t} (item_id ${id} PRIMARY KEY, emb ${vec}, category ${id}, price float8, stock int, updated bigint)`);
    await db.sql(`INSERT INTO ${t} VALUES ${Array.from({ length: ITEMS }, (_, i) => row(db, i + 1)).join(', ')}`);
  }
  await db.sql(`UPDATE items_bad SET emb = ${db.badVector} WHERE item_id = 'i0007'`);
  await db.sql(`CREATE TABLE users (user_id ${id}, emb text)`);
  await db.sql(`INSERT INTO users VALUES ${Array.from({ length: 20 }, (_, i) => `('u${i}', '${i % 3},1')`).join(', ')}`);
}

function config(db: Db, items: Record<string, unknown>, extra: Record<string, unknown> = {}, dsn = db.dsn): Record<string, unknown> {
  const [nameKey, tableKey, confs] = db.kind === 'mysql' ? ['MysqlName', 'MysqlTable', 'MysqlConfs'] : ['HologresName', 'HologresTableName', 'HologresConfs'];
  const side = (table: string, more: Record<string, unknown>): Record<string, unknown> => ({ [nameKey]: 'db', [tableKey]: table, ...more });
  return {
    [confs]: { db: { DSN: dsn, ConnectTimeout: 1000 } },
    CatalogConf: {
      Source: db.kind,
      CacheDir: '',
      Items: side('items', { IdField: 'item_id', EmbeddingField: 'emb', ...items }),
      Users: side('users', { IdField: 'user_id', EmbeddingField: 'emb' }),
      ...extra,
    },
  };
}

/** The items as a direct query reads them: the reference the served catalog must equal. */
async function reference(db: Db, table = 'items'): Promise<{ ids: string[]; features: Record<string, unknown>[]; vectors: number[][] }> {
  const rows = await db.sql(`SELECT item_id, emb, category, price, stock, updated FROM ${table} ORDER BY item_id`);
  return {
    ids: rows.map((r) => String(r.item_id)),
    features: rows.map((r) => ({ category: r.category, price: Number(r.price), stock: Number(r.stock), updated: Number(r.updated) })),
    vectors: rows.map((r) => (Array.isArray(r.emb) ? r.emb.map(Number) : String(r.emb).split(',').map(Number))),
  };
}

function served(c: Catalog): { ids: string[]; features: Record<string, unknown>[]; vectors: number[][] } {
  return {
    ids: [...c.itemIds],
    features: c.itemIds.map((_, row) => ({ ...c.itemRow(row) })),
    vectors: c.itemIds.map((_, i) => [...c.itemEmbeddings.subarray(i * c.dim, (i + 1) * c.dim)]),
  };
}

const refreshes = async (metrics: EngineMetrics, result: string): Promise<number> =>
  (await metrics.catalog.refreshes.get()).values.filter((v) => v.labels.result === result).reduce((a, v) => a + v.value, 0);

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cases(name: string, skip: string | boolean, open: () => Promise<Db>): void {
  describe(`CatalogConf.Source "${name}" (a real ${name === 'hologres' ? 'PostgreSQL' : 'MariaDB'})`, { skip }, () => {
    let db: Db;
    /** One engine on the plain items table, shared by the cases in order (each read costs a worker start). */
    let plain: Engine;
    const metrics = testMetrics();
    const engines: Engine[] = [];
    const engine = (m = metrics): Engine => {
      const e = new Engine({ registry: createDefaultRegistry(), metrics: m, logger: silentLogger });
      engines.push(e);
      return e;
    };
    before(async () => {
      db = await open();
      await createTables(db);
    });
    after(async () => {
      await Promise.all(engines.map((e) => e.close()));
      await db?.stop();
    });

    it('serves the items of the table: ids, embeddings and every other column as a feature, equal to a direct query', async () => {
      plain = engine();
      await plain.reload(config(db, {}));
      const catalog = plain.current()?.catalog;
      assert.ok(catalog);
      assert.deepEqual(served(catalog), await reference(db));
      assert.equal(catalog.dim, 2);
      assert.equal(catalog.userIds.length, 20, 'the users side, its embeddings written as text');
      assert.deepEqual([...catalog.userEmbeddings.subarray(2, 4)], [1, 1]);
    });

    it('a layout mismatch fails the load naming the table and the column; a missing table is named too', async () => {
      const e = engine();
      await assert.rejects(e.reload(config(db, { EmbeddingField: 'vec' })), (err: Error) => {
        assert.match(err.message, /table "items" has no column "vec"/);
        assert.match(err.message, /CatalogConf\.Items\.(HologresTableName|MysqlTable)/);
        return true;
      });
      const t = db.kind === 'mysql' ? 'MysqlTable' : 'HologresTableName';
      await assert.rejects(e.reload(config(db, { [t]: 'no_such_items' })), /table "no_such_items" does not exist/);
      assert.equal(e.current(), undefined, 'nothing serves');
    });

    it('a row with a bad embedding is refused naming the table and row, or skipped and counted under MaxBadRows', async () => {
      const t = db.kind === 'mysql' ? 'MysqlTable' : 'HologresTableName';
      await assert.rejects(engine().reload(config(db, { [t]: 'items_bad' })), /table "items_bad": row 7: field "emb": embedding value 1/);
      const e = engine();
      await e.reload(config(db, { [t]: 'items_bad' }, { MaxBadRows: 1 }));
      const want = await reference(db, 'items_bad');
      const at = want.ids.indexOf('i0007');
      for (const list of Object.values(want)) list.splice(at, 1);
      assert.deepEqual(served(e.current()?.catalog as Catalog), want);
    });

    it('without a VersionField the poll reads a checksum: an UPDATE of one value is seen', async () => {
      const e = plain;
      assert.equal(await e.refreshCatalog(), 'unchanged');
      await db.sql("UPDATE items SET category = 'changed' WHERE item_id = 'i0010'");
      assert.notEqual(await e.refreshCatalog(), 'unchanged');
      const c = e.current()?.catalog as Catalog;
      assert.equal(c.itemField(c.itemIds.indexOf('i0010'), 'category'), 'changed');
    });

    it('a failed refresh keeps the old catalog, counted: a bad new version, then the database down', async () => {
      const e = plain;
      const failedBefore = await refreshes(metrics, 'failed');
      const old = e.current()?.catalog;
      await db.sql(`UPDATE items SET emb = ${db.badVector} WHERE item_id = 'i0001'`);
      try {
        await assert.rejects(e.refreshCatalog(), /row 1: field "emb"/);
        assert.equal(e.current()?.catalog, old);
        assert.equal(await refreshes(metrics, 'failed'), failedBefore + 1);
      } finally {
        await db.sql(`UPDATE items SET emb = ${db.vector([5, 6])} WHERE item_id = 'i0001'`);
      }
      await db.kill();
      try {
        await assert.rejects(e.refreshCatalog(), (err: Error & { code?: string }) => err.code === 'ERR_BACKEND_UNAVAILABLE' && err.message.includes('"db"'));
        assert.equal(e.current()?.catalog, old, 'the old catalog serves on');
        assert.equal(await refreshes(metrics, 'failed'), failedBefore + 2);
        // A config reload while the database is down keeps the catalog of the same tables.
        await e.reload({ ...config(db, {}), performance: { request_timeout_ms: 2500 } });
        assert.equal(e.current()?.catalog, old);
      } finally {
        await db.restart();
      }
      assert.notEqual(await e.refreshCatalog(), 'unchanged', 'after the restart the fixed row is read');
      const c = e.current()?.catalog as Catalog;
      assert.deepEqual([...c.itemEmbeddings.subarray(0, 2)], [5, 6]);
    });

    it('RefreshSeconds: an UPDATE, then an INSERT, are swapped in; an unchanged table is not read again', async () => {
      const own = testMetrics();
      const e = engine(own);
      await e.reload(config(db, { VersionField: 'updated' }, { RefreshSeconds: 0.2 }));
      const first = e.current()?.catalog;
      assert.equal(await e.refreshCatalog(), 'unchanged');
      await db.sql("UPDATE items SET price = 999, updated = 2 WHERE item_id = 'i0003'");
      await until('the update', () => e.current()?.catalog !== first);
      assert.deepEqual(served(e.current()?.catalog as Catalog), await reference(db));
      const second = e.current()?.catalog;
      await db.sql(`INSERT INTO items VALUES ${row(db, ITEMS + 1, 2)}`);
      await until('the insert', () => e.current()?.catalog !== second);
      const now = served(e.current()?.catalog as Catalog);
      assert.equal(now.ids.length, ITEMS + 1);
      assert.deepEqual(now, await reference(db));
      assert.equal(await refreshes(own, 'failed'), 0);
      await e.close(); // its polls would read every later change
    });

    it('the database down at the start: the start fails, naming the database (no catalog, nothing to serve)', async () => {
      const e = engine();
      await assert.rejects(e.reload(config(db, {}, {}, db.deadDsn)), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_BACKEND_UNAVAILABLE');
        assert.match(err.message, /no catalog to serve/);
        assert.match(err.message, /"db"/);
        assert.doesNotMatch(err.message, /127\.0\.0\.1:\d+\/(postgres|rec)/, 'the DSN is never in the message');
        return true;
      });
    });
  });
}

cases('hologres', skipPg, postgres);
cases('mysql', skipMaria, mariadb);
