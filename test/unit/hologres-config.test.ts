import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { dsnSettings } from '../../src/store/dsn.js';
import { parseItemIds } from '../../src/pipeline/recall/sql-lists.js';
import { MYSQL, POSTGRES } from '../../src/store/sql-dialect.js';
import { mysqlSettings } from '../../src/store/mysql.js';
import { tableNeeds } from '../../src/store/table-layouts.js';
import { smallConfig } from '../helpers/config.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { freePort } from '../helpers/ports.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());

function problemsOf(change: (c: Record<string, unknown>) => void): string[] {
  const c = smallConfig('/tmp/unused');
  change(c);
  try {
    parseConfig(c, vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => p.message);
  }
  return [];
}

const holo = (c: Record<string, unknown>): void => {
  c.HologresConfs = { holo: { DSN: 'postgres://u@127.0.0.1:5432/db' } };
};
const withRecall =
  (dao: Record<string, unknown>, type = 'UserCustomRecall') =>
  (c: Record<string, unknown>): void => {
    holo(c);
    c.RecallConfs = [...(c.RecallConfs as unknown[]), { Name: 'u2i', RecallType: type, DaoConf: dao }];
  };
const withFeature =
  (dao: Record<string, unknown>) =>
  (c: Record<string, unknown>): void => {
    holo(c);
    c.FeatureConfs = { default_scene: { FeatureLoadConfs: [{ FeatureDaoConf: dao }] } };
  };

describe('Hologres keys at config load', () => {
  it("loads PaiRec's Hologres keys: HologresConfs, recall, exposure and feature DAOs", () => {
    assert.deepEqual(
      problemsOf((c) => {
        withRecall({ AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 'public.u2i' })(c);
        c.FilterConfs = [
          {
            Name: 'exp',
            FilterType: 'User2ItemExposureFilter',
            DaoConf: { AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 't_exposure_history' },
          },
        ];
        c.FeatureConfs = {
          default_scene: {
            FeatureLoadConfs: [
              {
                FeatureDaoConf: {
                  AdapterType: 'hologres',
                  HologresName: 'holo',
                  HologresTableName: 'user_f',
                  FeatureKey: 'user:uid',
                  FeatureStore: 'user',
                  UserFeatureKeyName: 'user_id',
                  UserSelectFields: '*',
                },
              },
              {
                FeatureDaoConf: {
                  AdapterType: 'hologres',
                  HologresName: 'holo',
                  HologresTableName: 'item_f',
                  FeatureKey: 'item:id',
                  FeatureStore: 'item',
                  ItemFeatureKeyName: 'item_id',
                  ItemSelectFields: 'a, b,c',
                },
              },
            ],
          },
        };
      }),
      [],
    );
    assert.deepEqual(
      problemsOf((c) => {
        c.HologresConfs = {};
      }),
      [],
      'an empty block loads',
    );
  });

  it('names the path of a missing or unknown HologresName, a missing table or key column, a FeatureKey of the wrong store', () => {
    const p = problemsOf((c) => {
      withRecall({ AdapterType: 'hologres', HologresName: 'nope' })(c);
      c.FilterConfs = [{ Name: 'exp', FilterType: 'User2ItemExposureFilter', DaoConf: { AdapterType: 'hologres', HologresTableName: 't' } }];
      c.FeatureConfs = {
        default_scene: {
          FeatureLoadConfs: [
            { FeatureDaoConf: { AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 'f', FeatureKey: 'item:id', FeatureStore: 'user' } },
          ],
        },
      };
    });
    const has = (s: string): boolean => p.some((m) => m.includes(s));
    assert.ok(has('RecallConfs[2].DaoConf.HologresName: no Hologres named "nope"'), p.join('\n'));
    assert.ok(has('RecallConfs[2].DaoConf.HologresTableName: required'), p.join('\n'));
    assert.ok(has('FilterConfs[0].DaoConf.HologresName: required'), p.join('\n'));
    assert.ok(has('FeatureLoadConfs[0].FeatureDaoConf.FeatureKey: a user feature table is keyed by "user:uid"'), p.join('\n'));
    assert.ok(has('FeatureLoadConfs[0].FeatureDaoConf.UserFeatureKeyName: required'), p.join('\n'));
  });

  it('a Redis recall DAO still needs its RedisName; a table or column name that is not an identifier is refused', () => {
    assert.ok(problemsOf(withRecall({ AdapterType: 'redis' })).some((m) => m.includes('DaoConf.RedisName: required')));
    assert.ok(
      problemsOf(withRecall({ AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 'u2i; DROP TABLE x' })).some((m) =>
        m.includes('HologresTableName'),
      ),
    );
    assert.ok(
      problemsOf(
        withFeature({
          AdapterType: 'hologres',
          HologresName: 'holo',
          HologresTableName: 'f',
          FeatureStore: 'user',
          UserFeatureKeyName: 'id',
          UserSelectFields: 'a,"b"',
        }),
      ).some((m) => m.includes('UserSelectFields')),
    );
  });

  it('lists the columns each table needs (what the load-time check asks information_schema for)', () => {
    const c = smallConfig('/tmp/unused');
    withRecall({ AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 'grp' }, 'UserGroupHotRecall')(c);
    const needs = tableNeeds(parseConfig(c, vocab));
    assert.deepEqual(
      needs.map((n) => [n.table, n.columns]),
      [['grp', ['trigger_id', 'item_ids']]],
    );
  });
});

describe('Hologres values', () => {
  it("reads PaiRec's item_ids entries: id, id:retrieve_id, id:retrieve_id:score; skips empty and over-long entries", () => {
    assert.deepEqual(parseItemIds('1,2:job,3::0.5,,4:a:b:c,5:x:nan', 'r'), [
      { id: '1', retrieveId: 'r', score: 0 },
      { id: '2', retrieveId: 'job', score: 0 },
      { id: '3', retrieveId: 'r', score: 0.5 },
      { id: '5', retrieveId: 'x', score: 0 },
    ]);
  });

  it("takes a URL DSN or lib/pq's key=value form (quoted values, sslmode)", () => {
    assert.deepEqual(dsnSettings('postgres://u:p@h:80/db'), { connectionString: 'postgres://u:p@h:80/db' });
    assert.deepEqual(dsnSettings("host=hg.example port=80 user=ak password='p w\\'x' dbname=db sslmode=require connect_timeout=3"), {
      host: 'hg.example',
      port: 80,
      user: 'ak',
      password: "p w'x",
      database: 'db',
      ssl: { rejectUnauthorized: false },
    });
  });

  it("folds and quotes table names as PaiRec's unquoted SQL is read (PostgreSQL folds, MySQL keeps case)", () => {
    assert.equal(POSTGRES.quote('Public.T_Items'), '"public"."t_items"');
    assert.equal(MYSQL.quote('db.T_Items'), '`db`.`T_Items`');
    assert.deepEqual(MYSQL.anyOf('item_id', ['1', '2'], 1), { sql: '`item_id` IN (?, ?)', values: ['1', '2'] });
  });

  it("takes Go's MySQL DSN (user:password@tcp(host:port)/db?params) or a mysql:// URL", () => {
    assert.deepEqual(mysqlSettings('root:p@ss@tcp(10.0.0.1:3306)/rec?charset=utf8mb4'), {
      user: 'root',
      password: 'p@ss',
      host: '10.0.0.1',
      port: 3306,
      database: 'rec',
    });
    assert.deepEqual(mysqlSettings('mysql://u:p@h:3306/db'), { uri: 'mysql://u:p@h:3306/db' });
  });
});

describe('a database down when the config loads', () => {
  it('does not keep the config from loading: the layout check is skipped (counted), its sources degrade', async () => {
    const metrics = testMetrics();
    const engine = new Engine({ registry: createDefaultRegistry(), metrics, logger: silentLogger });
    try {
      const dead = `postgres://u@127.0.0.1:${await freePort()}/db`;
      await engine.reload({
        CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
        HologresConfs: { holo: { DSN: dead, ConnectTimeout: 200 } },
        RecallConfs: [
          { Name: 'u2i', RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'hologres', HologresName: 'holo', HologresTableName: 'u2i' } },
          { Name: 'hot', RecallType: 'UserGroupHotRecall', RecallCount: 5 },
        ],
        SceneConfs: { s: { default: { RecallNames: ['u2i', 'hot'] } } },
      });
      const layout = (await metrics.databases.failures.get()).values.find((v) => v.labels.operation === 'layout');
      assert.equal(layout?.value, 1);
      const res = await recommend(engine, {
        requestId: 'r',
        uid: 'u1',
        size: 5,
        sceneId: 's',
        category: 'default',
        features: { category: 'cat_1' },
        debug: false,
      });
      assert.equal(res.items.length, 5, 'the other source serves');
    } finally {
      await engine.close();
    }
  });
});
