import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError } from '../../src/errors.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import type { EngineMetrics } from '../../src/observability/metrics.js';
import { MariadbServer } from '../helpers/mariadb.js';
import { skipUnlessInstalled } from '../helpers/required-tools.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const skip = await skipUnlessInstalled('mariadb');

const request = (uid: string): RecommendRequest => ({
  requestId: 'r',
  uid,
  size: 20,
  sceneId: 's_my',
  category: 'default',
  features: { category: 'cat_1' },
  debug: true,
});

/** PaiRec's MySQL layouts (module/*_mysql_dao.go). */
const TABLES = `
  CREATE TABLE u2i (user_id varchar(64), item_ids text);
  CREATE TABLE exposure_history (uid varchar(64), article_id varchar(64), add_time int);
  CREATE TABLE item_feat (item_id varchar(64), stock int, price double);
  CREATE TABLE u2i_bad (user_id varchar(64), items text);
  INSERT INTO u2i VALUES ('u1', '3::0.9,1:from_job:0.5,7,8');
  INSERT INTO item_feat VALUES ('8', 0, 1.5), ('1', 2, 3.25);
`;

function config(dsn: string, u2i = 'u2i'): Record<string, unknown> {
  const my = (table: string) => ({ AdapterType: 'mysql', MysqlName: 'db', MysqlTable: table });
  return {
    CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    MysqlConfs: { db: { DSN: dsn, QueryTimeout: 1000, ConnectTimeout: 300 } },
    RecallConfs: [
      { Name: 'custom', RecallType: 'UserCustomRecall', DaoConf: my(u2i) },
      { Name: 'group_mem', RecallType: 'UserGroupHotRecall', RecallCount: 5 },
    ],
    SceneConfs: { s_my: { default: { RecallNames: ['custom', 'group_mem'] } } },
    FilterConfs: [
      { Name: 'exposure', FilterType: 'User2ItemExposureFilter', TimeInterval: 3600, MaxItems: 100, DaoConf: my('exposure_history') },
      { Name: 'in_stock', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'stock > 0' },
    ],
    FilterNames: { s_my: ['exposure', 'in_stock'] },
    FeatureConfs: {
      s_my: {
        FeatureLoadConfs: [
          {
            FeatureDaoConf: {
              ...my('item_feat'),
              FeatureKey: 'item:id',
              FeatureStore: 'item',
              ItemFeatureKeyName: 'item_id',
              ItemSelectFields: 'stock,price',
              Defaults: { stock: 1 },
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

const custom = (items: readonly { itemId: string; retrieveId: string; recallScore: number }[]): (string | number)[][] =>
  items.filter((c) => c.retrieveId === 'custom' || c.retrieveId === 'from_job').map((c) => [c.itemId, c.retrieveId, c.recallScore]);

describe('MySQL data sources (real MariaDB)', { skip }, () => {
  let db: MariadbServer;
  let engine: Engine;
  let metrics: EngineMetrics;

  before(async () => {
    db = await MariadbServer.start();
    await db.sql(TABLES);
    metrics = testMetrics();
    engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    await engine.reload(config(db.dsn));
  });
  after(async () => {
    await engine?.close();
    await db?.stop();
  });

  it("one scene: u2i rows, PaiRec's exposure table (one row per item) and item features from MariaDB", async () => {
    await db.sql('INSERT INTO exposure_history VALUES (?, ?, ?), (?, ?, ?)', [
      'u1',
      '7',
      Math.floor(Date.now() / 1000) - 5,
      'u1',
      '3',
      Math.floor(Date.now() / 1000) - 7200,
    ]);
    const res = await recommend(engine, request('u1'));
    // 7 was shown 5 s ago; 8 has stock 0 (filtered); 3 was shown beyond TimeInterval and has no feature row (stock 1 by default).
    assert.deepEqual(custom(res.items), [
      ['3', 'custom', 0.9],
      ['1', 'from_job', 0.5],
    ]);
    await engine.exposures?.add('u1', ['3', '1'], Date.now());
    const rows = await db.sql<{ article_id: string }>("SELECT article_id FROM exposure_history WHERE uid = 'u1' ORDER BY add_time DESC, article_id LIMIT 2");
    assert.deepEqual(rows.map((r) => r.article_id).sort(), ['1', '3']);
    assert.deepEqual(custom((await recommend(engine, request('u1'))).items), []);
  });

  it('a table without a column its use needs is refused at load, naming table, column and path', async () => {
    const err = await engine.reload(config(db.dsn, 'u2i_bad')).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /\$\.RecallConfs\[0\]\.DaoConf\.MysqlTable: table "u2i_bad" has no column "item_ids"/);
  });

  it('database killed under load: no request fails, failures counted; back after restart', async () => {
    await db.sql("DELETE FROM exposure_history WHERE uid = 'u2'");
    await db.sql("INSERT INTO u2i VALUES ('u2', '1,3')");
    const before = await counted(metrics, 'recall');
    let stop = false;
    const errors: unknown[] = [];
    const load = async (): Promise<void> => {
      while (!stop) {
        await recommend(engine, request('u2')).catch((e: unknown) => errors.push(e));
        await new Promise((r) => setImmediate(r));
      }
    };
    const workers = [load(), load(), load()];
    await new Promise((r) => setTimeout(r, 200));
    await db.kill();
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(workers);
    assert.deepEqual(errors.map(String), []);
    assert.ok((await counted(metrics, 'recall')) > before);
    assert.ok((await counted(metrics, 'features')) > 0 && (await counted(metrics, 'exposure_seen')) > 0);
    await db.restart();
    const until = Date.now() + 15_000;
    while (custom((await recommend(engine, request('u2'))).items).length !== 2) {
      assert.ok(Date.now() < until, 'recovered after the restart');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
