import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError, PairecError } from '../../src/errors.js';
import { HologresPool } from '../../src/store/hologres.js';
import { SqlFeatureLoader } from '../../src/features/sql-features.js';
import type { FeatureDaoConf } from '../../src/config/schema.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { PostgresServer } from '../helpers/postgres.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';

const skip = await skipUnlessInstalled('postgres');

const request = (uid: string, sceneId: string, features: Record<string, string> = {}): RecommendRequest =>
  recommendRequest({ uid, size: 20, sceneId, features, debug: true });

/** PaiRec's table layouts (module/*_hologres_dao.go), and a row or two each. */
const TABLES = `
  CREATE TABLE u2i (user_id text, item_ids text);
  CREATE TABLE group_hot (trigger_id text, item_ids text);
  CREATE TABLE t_exposure_history (uid text NOT NULL, item text NOT NULL, create_time int4 NOT NULL);
  CREATE TABLE user_feat (user_id text, age int4, city text, emb float4[]);
  CREATE TABLE item_feat (item_id text, stock int4, price float8);
  CREATE TABLE u2i_bad (user_id text, items text);
  INSERT INTO u2i VALUES ('u1', '3::0.9,1:from_job:0.5,x9');
  INSERT INTO group_hot VALUES ('cat_1', '5::0.3,6::0.8'), ('cat_2', '8::0.5,6::0.1');
  INSERT INTO user_feat VALUES ('u1', 31, 'hangzhou', '{0.5,0.25}');
  INSERT INTO item_feat VALUES ('6', 0, 9.5), ('8', 3, 1.25);
`;

function config(url: string): Record<string, unknown> {
  const holo = (table: string) => ({ AdapterType: 'hologres', HologresName: 'holo', HologresTableName: table });
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    HologresConfs: { holo: { DSN: url, QueryTimeout: 1000, ConnectTimeout: 300 } },
    RecallConfs: [
      { Name: 'custom', RecallType: 'UserCustomRecall', DaoConf: holo('u2i') },
      { Name: 'group', RecallType: 'UserGroupHotRecall', RecallCount: 5, DaoConf: holo('public.group_hot') },
      { Name: 'group_mem', RecallType: 'UserGroupHotRecall', RecallCount: 5 },
    ],
    SceneConfs: {
      s_custom: { default: { RecallNames: ['custom', 'group_mem'] } },
      s_group: { default: { RecallNames: ['group'] } },
      s_exp: { default: { RecallNames: ['group'], FallbackConfig: { Size: 10 } } },
      s_feat: { default: { RecallNames: ['group', 'group_mem'] } },
      // In-memory recall and the Hologres exposure filter: the filter runs whatever the database does.
      s_exp_mem: { default: { RecallNames: ['group_mem'] } },
    },
    FilterConfs: [
      { Name: 'exposure', FilterType: 'User2ItemExposureFilter', TimeInterval: 3600, MaxItems: 100, DaoConf: holo('t_exposure_history') },
      { Name: 'in_stock', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'stock > 0' },
    ],
    FilterNames: { s_exp: ['exposure'], s_exp_mem: ['exposure'], s_feat: ['in_stock'] },
    FeatureConfs: {
      s_feat: {
        FeatureLoadConfs: [
          {
            FeatureDaoConf: {
              ...holo('item_feat'),
              FeatureKey: 'item:id',
              FeatureStore: 'item',
              ItemFeatureKeyName: 'item_id',
              ItemSelectFields: 'stock,price',
              Defaults: { stock: 1 },
              CacheTime: 0,
            },
          },
          {
            FeatureDaoConf: {
              ...holo('user_feat'),
              FeatureKey: 'user:uid',
              FeatureStore: 'user',
              UserFeatureKeyName: 'user_id',
              UserSelectFields: '*',
              CacheTime: 0,
            },
          },
        ],
      },
    },
    performance: { request_timeout_ms: 3000 },
  };
}

const counted = async (metrics: EngineMetrics, operation: string): Promise<number> =>
  (await metrics.databases.failures.get()).values.filter((v) => v.labels.operation === operation).reduce((a, v) => a + v.value, 0);

const bySource = (items: readonly { itemId: string; retrieveId: string; recallScore: number }[], name: string) =>
  items.filter((c) => c.retrieveId === name || (name === 'custom' && c.retrieveId === 'from_job')).map((c) => [c.itemId, c.retrieveId, c.recallScore]);

describe('Hologres data sources (real PostgreSQL)', { skip }, () => {
  let db: PostgresServer;
  let engine: Engine;
  let metrics: EngineMetrics;

  before(async () => {
    db = await PostgresServer.start();
    await db.sql(TABLES);
    metrics = testMetrics();
    engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    await engine.reload(config(db.url));
  });
  after(async () => {
    await engine?.close();
    await db?.stop();
  });

  it("UserCustomRecall reads the user's row of PaiRec's u2i table: id, id:retrieve_id:score entries in stored order", async () => {
    const res = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.deepEqual(bySource(res.items, 'custom'), [
      ['3', 'custom', 0.9],
      ['1', 'from_job', 0.5],
      ['x9', 'custom', 0],
    ]);
    assert.equal(bySource(res.items, 'group_mem').length, 5, 'the other source still answers');
    const none = await recommend(engine, request('nobody', 's_custom', { category: 'cat_1' }));
    assert.deepEqual(bySource(none.items, 'custom'), []);
  });

  it("UserGroupHotRecall reads the rows of the user's groups in one query, each item once at its best score", async () => {
    const res = await recommend(engine, request('u2', 's_group', { category: 'cat_1,cat_2' }));
    assert.deepEqual(
      res.items.map((c) => [c.itemId, c.recallScore]),
      [
        ['6', 0.8],
        ['8', 0.5],
        ['5', 0.3],
      ],
    );
  });

  it("the exposure filter reads PaiRec's exposure table and the callback writes it (uid, comma-joined items, seconds)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await db.sql('INSERT INTO t_exposure_history VALUES ($1, $2, $3), ($1, $4, $5)', ['u3', '6', now - 10, '5', now - 7200]);
    const res = await recommend(engine, request('u3', 's_exp', { category: 'cat_1,cat_2' }));
    // 6 was shown 10 s ago (filtered); 5 two hours ago, beyond TimeInterval (kept).
    const fromGroup = (items: typeof res.items): string[] => bySource(items, 'group').map(([id]) => String(id));
    assert.deepEqual(fromGroup(res.items), ['8', '5']);
    await engine.exposures?.add('u3', ['8', '5'], Date.now());
    const rows = await db.sql<{ item: string; create_time: number }>(
      "SELECT item, create_time FROM t_exposure_history WHERE uid = 'u3' ORDER BY create_time DESC LIMIT 1",
    );
    assert.equal(rows[0]?.item, '8,5');
    assert.ok(Math.abs((rows[0]?.create_time ?? 0) - Math.floor(Date.now() / 1000)) <= 5);
    const after = await recommend(engine, request('u3', 's_exp', { category: 'cat_1,cat_2' }));
    assert.deepEqual(fromGroup(after.items), []);
  });

  it('item features from the table feed a ConditionFilter; an item without a row gets its declared default', async () => {
    const res = await recommend(engine, request('u4', 's_feat', { category: 'cat_1,cat_2' }));
    const ids = bySource(res.items, 'group').map(([id]) => id);
    // 6 has stock 0 in the table (filtered), 8 has 3, 5 has no row (default stock 1).
    assert.deepEqual(ids, ['8', '5']);
  });

  it('user features: the columns of the user row, numbers as numbers, a float4[] as a declared vector', async () => {
    const pool = new HologresPool(silentLogger, metrics.databases);
    const staged = pool.stage({ h: { DSN: db.url, MaxConns: 2, ConnectTimeout: 1000, QueryTimeout: 1000, IdleTimeout: 1000 } });
    await staged.commit();
    try {
      const conf = {
        AdapterType: 'hologres',
        HologresName: 'h',
        HologresTableName: 'user_feat',
        FeatureStore: 'user',
        FeatureKey: 'user:uid',
        UserFeatureKeyName: 'user_id',
        UserSelectFields: 'age, city, emb',
        Defaults: { city: 'none' },
        Vectors: { emb: { Dim: 2, Format: 'text' } },
        RedisPrefix: '',
        KeyField: 'id',
        CacheSize: 10,
        CacheTime: 0,
      } as FeatureDaoConf;
      const loader = new SqlFeatureLoader(conf, () => pool.get('h'), metrics);
      const [u1, nobody] = await loader.load(['u1', 'nobody']);
      assert.equal(u1?.age, 31);
      assert.equal(u1?.city, 'hangzhou');
      assert.deepEqual(Array.from(u1?.emb as Float32Array), [0.5, 0.25]);
      assert.deepEqual(nobody, { city: 'none' });
    } finally {
      await pool.close();
    }
  });

  it("a renamed column of PaiRec's select list (`price as item_price`) is read under its new name", async () => {
    const pool = new HologresPool(silentLogger, metrics.databases);
    await pool.stage({ h: { DSN: db.url, MaxConns: 2, ConnectTimeout: 1000, QueryTimeout: 1000, IdleTimeout: 1000 } }).commit();
    try {
      const conf = {
        AdapterType: 'hologres',
        HologresName: 'h',
        HologresTableName: 'item_feat',
        FeatureStore: 'item',
        FeatureKey: 'item:id',
        ItemFeatureKeyName: 'item_id',
        ItemSelectFields: 'stock, price AS item_price',
        Defaults: {},
        Vectors: {},
        RedisPrefix: '',
        KeyField: 'id',
        CacheSize: 10,
        CacheTime: 0,
      } as FeatureDaoConf;
      const [six] = await new SqlFeatureLoader(conf, () => pool.get('h'), metrics).load(['6']);
      assert.deepEqual(six, { stock: 0, item_price: 9.5 });
    } finally {
      await pool.close();
    }
  });

  it('a table without a column its use needs is refused at load, naming table, column and path', async () => {
    const bad = config(db.url);
    (bad.RecallConfs as { DaoConf?: { HologresTableName: string } }[])[0]!.DaoConf!.HologresTableName = 'u2i_bad';
    (bad.FilterConfs as { DaoConf?: { HologresTableName: string } }[])[0]!.DaoConf!.HologresTableName = 'no_such_table';
    const err = await engine.reload(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    const messages = err.problems.map((p) => p.message);
    assert.ok(
      messages.some((m) => m.includes('$.RecallConfs[0].DaoConf.HologresTableName') && m.includes('"u2i_bad"') && m.includes('column "item_ids"')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.includes('"no_such_table" does not exist')),
      messages.join('\n'),
    );
    // The serving config is untouched.
    const res = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.equal(bySource(res.items, 'custom').length, 3);
  });

  it('a query is bounded by the request deadline and by abort; the pool serves on', async () => {
    const pool = new HologresPool(silentLogger, metrics.databases);
    await pool.stage({ h: { DSN: db.url, MaxConns: 2, ConnectTimeout: 1000, QueryTimeout: 5000, IdleTimeout: 1000 } }).commit();
    try {
      const client = pool.get('h');
      assert.ok(client);
      const t0 = performance.now();
      const late = await client.query('recall', 'SELECT pg_sleep(3)', [], { deadline: t0 + 150 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(late instanceof PairecError && late.code === 'ERR_DEADLINE_EXCEEDED', String(late));
      assert.ok(performance.now() - t0 < 2000, 'answered long before the query would have');
      // The server stopped the statement too (a cancel request), long before its 3 s or statement_timeout.
      const sleeping = async (): Promise<number> =>
        (await db.sql("SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(3)%'")).length;
      const until = performance.now() + 1500;
      while ((await sleeping()) > 0) {
        assert.ok(performance.now() < until, 'the abandoned statement was cancelled on the server');
        await new Promise((r) => setTimeout(r, 50));
      }
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const aborted = await client.query('recall', 'SELECT pg_sleep(3)', [], { deadline: performance.now() + 5000, signal: ac.signal }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(aborted instanceof PairecError && aborted.code === 'ERR_ABORTED', String(aborted));
      const rows = await client.query<{ n: number }>('recall', 'SELECT $1::int + 1 AS n', [41]);
      assert.equal(rows[0]?.n, 42);
    } finally {
      await pool.close();
    }
  });

  it('a reload keeps the pool (same connections) while its HologresConfs entry is unchanged, and replaces it when it changes', async () => {
    const pids = async (): Promise<number[]> =>
      (await db.sql<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE application_name = 'pairec-ts' ORDER BY pid")).map((r) => r.pid);
    await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    const before = await pids();
    assert.ok(before.length > 0);
    const same = config(db.url);
    (same.RecallConfs as { RecallCount?: number }[])[2]!.RecallCount = 4;
    await engine.reload(same);
    await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.ok(
      (await pids()).every((p) => before.includes(p)),
      'no new connection',
    );
    const changed = config(db.url);
    (changed.HologresConfs as { holo: { QueryTimeout: number } }).holo.QueryTimeout = 900;
    await engine.reload(changed);
    const res = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.equal(bySource(res.items, 'custom').length, 3);
    const until = Date.now() + 5000;
    while ((await pids()).some((p) => before.includes(p))) {
      assert.ok(Date.now() < until, 'the replaced pool closed its connections');
      await new Promise((r) => setTimeout(r, 50));
    }
    await engine.reload(config(db.url));
  });

  it('database killed under load: no request fails, failures counted, defaults and fallback serve; back after restart', async () => {
    const before = { recall: await counted(metrics, 'recall'), features: await counted(metrics, 'features'), seen: await counted(metrics, 'exposure_seen') };
    let stop = false;
    let served = 0;
    const errors: unknown[] = [];
    const load = async (): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const scene = ['s_custom', 's_feat', 's_exp', 's_exp_mem'][i % 4] ?? 's_custom';
        await recommend(engine, request('u1', scene, { category: 'cat_1' })).then(
          () => served++,
          (e: unknown) => errors.push(e),
        );
        // Requests arrive as I/O: the loop lets timers and sockets run between them.
        await new Promise((r) => setImmediate(r));
      }
    };
    const workers = [load(), load(), load(), load()];
    await new Promise((r) => setTimeout(r, 200));
    await db.kill();
    await new Promise((r) => setTimeout(r, 600));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(errors.map(String), [], 'no request failed');
    assert.ok(served > 10, `served ${served}`);
    assert.ok((await counted(metrics, 'recall')) > before.recall, 'recall failures counted');
    assert.ok((await counted(metrics, 'features')) > before.features, 'feature failures counted');
    assert.ok((await counted(metrics, 'exposure_seen')) > before.seen, 'exposure read failures counted');
    // Down: the custom source is missing, the in-memory one serves; item features fall back to defaults.
    const down = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
    assert.deepEqual(bySource(down.items, 'custom'), []);
    assert.equal(bySource(down.items, 'group_mem').length, 5);

    await db.restart();
    const until = Date.now() + 15_000;
    for (;;) {
      const res = await recommend(engine, request('u1', 's_custom', { category: 'cat_1' }));
      if (bySource(res.items, 'custom').length === 3) break;
      assert.ok(Date.now() < until, 'recovered after the restart');
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = await metrics.registry.getSingleMetricAsString('pairec_database_pool_connections');
    assert.match(text, /pairec_database_pool_connections\{database="holo",state="total"\} [1-9]/);
  });
});
