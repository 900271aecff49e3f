import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFeatureFile } from '../../src/features/file-features.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError } from '../../src/errors.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { rowRecorderType } from '../helpers/row-recorder.js';
import type { RowLog } from '../helpers/row-recorder.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-vector-features-'));
const file = (name: string, lines: readonly unknown[]): string => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return path;
};

const ITEMS = 30;
/** Item k's embedding in the file: values float32 cannot hold exactly too (k / 3). */
const itemVector = (k: number): number[] => [k + 0.125, -k, k / 3, 0.001 * k];
const USER_VECTOR = [0.5, 0.25, -1, 2.75, 1 / 7];

function config(items: string, users: string): Record<string, unknown> {
  return {
    CatalogConf: { Demo: { Items: ITEMS, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
    AlgoConfs: [
      {
        Name: 'model',
        Type: 'ROWS',
        // User vector, then the item's number and its embedding: 5 + 1 + 4 columns.
        RowsConf: { Features: { User: [{ Name: 'uvec', Dim: 5, Default: -7 }], Item: [{ Name: 'n' }, { Name: 'emb', Dim: 4 }] } },
      },
    ],
    RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
    SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
    FeatureConfs: {
      s: {
        FeatureLoadConfs: [
          { FeatureDaoConf: { AdapterType: 'file', FilePath: items, FeatureStore: 'item' } },
          { FeatureDaoConf: { AdapterType: 'file', FilePath: users, FeatureStore: 'user' } },
        ],
      },
    },
    RankConf: { s: { RankAlgoList: ['model'] } },
  };
}

const request = (features: Record<string, unknown> = {}): RecommendRequest =>
  // Number arrays in the request's features: what request parsing hands on for a vector.
  ({ requestId: 'r', uid: '1', size: 20, sceneId: 's', category: 'default', features, debug: true }) as unknown as RecommendRequest;

describe('vector features from a JSON Lines file feed the model rows', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  const itemsFile = file(
    'items.jsonl',
    Array.from({ length: ITEMS }, (_, i) => ({ id: String(i + 1), n: i + 1, emb: itemVector(i + 1), tags: ['x'] })),
  );
  const usersFile = file('users.jsonl', [{ id: '1', uvec: USER_VECTOR }]);

  it('every row holds exactly the file’s user and item vectors (as float32), nothing counted invalid', async () => {
    const log: RowLog = { rows: [], invalid: 0 };
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType(log));
    const engine = new Engine({ registry, metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(config(itemsFile, usersFile));
      const { items } = await recommend(engine, request());
      assert.equal(items.length, 20);
      assert.equal(log.rows.length, 20);
      const f32 = (a: readonly number[]): number[] => a.map(Math.fround);
      for (const row of log.rows) {
        const k = row[5] as number;
        assert.ok(Number.isInteger(k) && k >= 1 && k <= ITEMS, `item number ${k}`);
        assert.deepEqual(Array.from(row), [...f32(USER_VECTOR), k, ...f32(itemVector(k))], `row of item ${k}`);
      }
      assert.equal(log.invalid, 0);
    } finally {
      await engine.close();
    }
  });

  it('a request vector overrides the stored one; a wrong-length one is left out, counted and named in debug, and the spec’s default fills the row', async () => {
    const log: RowLog = { rows: [], invalid: 0 };
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType(log));
    const metrics = testMetrics();
    const engine = new Engine({ registry, metrics, logger: silentLogger });
    try {
      await engine.reload(config(itemsFile, usersFile));
      await recommend(engine, request({ uvec: [1, 2, 3, 4, 5] }));
      assert.deepEqual(Array.from(log.rows[0] ?? []).slice(0, 5), [1, 2, 3, 4, 5]);

      log.rows.length = 0;
      const { trace } = await recommend(engine, request({ uvec: [1, 2, 3] }));
      assert.deepEqual(Array.from(log.rows[0] ?? []).slice(0, 5), [-7, -7, -7, -7, -7], 'the spec default, not zeros and not the stored vector');
      const rank = trace?.find((s) => s.stage === 'rank');
      assert.match(rank?.errors?.join('\n') ?? '', /user feature "uvec" \(request\): wrong_length: expected 5 values, got 3/);
      const counted = (await metrics.featureDefaults.get()).values.find((v) => v.labels.source === 'request' && v.labels.feature === 'uvec');
      assert.equal(counted?.value, 1);
      assert.equal(counted?.labels.reason, 'wrong_length');
      assert.equal(log.invalid, 0, 'left out before the model: not counted twice');
    } finally {
      await engine.close();
    }
  });

  it('a bad vector fails the load naming the file, the line and the field; the serving config keeps serving', async () => {
    const rows = Array.from({ length: 4 }, (_, i) => ({ id: String(i + 1), n: i + 1, emb: itemVector(i + 1) }));
    const cases: [unknown, RegExp][] = [
      [[1, 2, 3], /line 3 \(id "3"\): field "emb": wrong_length: expected 4 values, got 3/],
      [[1, null, 3, 4], /line 3 \(id "3"\): field "emb": malformed: value 1 is null, not a number/],
      [[1, 'x', 3, 4], /line 3 \(id "3"\): field "emb": malformed: value 1 is string/],
      [[1, 2, 3, 1e39], /line 3 \(id "3"\): field "emb": non_finite/],
    ];
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType({ rows: [], invalid: 0 }));
    const engine = new Engine({ registry, metrics: testMetrics(), logger: silentLogger });
    try {
      await engine.reload(config(itemsFile, usersFile));
      for (const [i, [emb, why]] of cases.entries()) {
        const bad = file(
          `bad-${i}.jsonl`,
          rows.map((r, j) => (j === 2 ? { ...r, emb } : r)),
        );
        await assert.rejects(engine.reload(config(bad, usersFile)), (e: unknown) => {
          const msg = e instanceof ConfigError ? (e.problems[0]?.message ?? '') : String(e);
          assert.ok(msg.startsWith('$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.FilePath: cannot load'), msg);
          assert.ok(msg.includes(bad), `names the file: ${msg}`);
          assert.match(msg, why);
          return true;
        });
      }
      assert.equal((await recommend(engine, request())).items.length, 20, 'the previous config still serves');
    } finally {
      await engine.close();
    }
  });

  it('declared Vectors are checked on every row and may be delimited strings; other number arrays are kept at any length, arrays of no numbers skipped', async () => {
    const path = file('decl.jsonl', [
      { id: 'a', e: '0.5, 1, 2', tags: ['x', 'y'] },
      { id: 'b', e: [1, 2, 3] },
    ]);
    const rows = await readFeatureFile(path, 'id', { e: { Dim: 3, Format: 'text' } });
    assert.deepEqual(Array.from(rows.get('a')?.e as Float32Array), [0.5, 1, 2]);
    assert.deepEqual(Array.from(rows.get('b')?.e as Float32Array), [1, 2, 3]);
    assert.equal(rows.get('a')?.tags, undefined);
    await assert.rejects(readFeatureFile(path, 'id', { e: { Dim: 4 } }), /line 1 \(id "a"\): field "e": wrong_length: expected 4 values, got 3/);
    // Neither declared nor read by a model (a click history, say): no length to hold it to.
    const mixed = await readFeatureFile(
      file('mixed.jsonl', [
        { id: 'a', e: [1, 2] },
        { id: 'b', e: [1, 2, 3], f: [1, null] },
      ]),
      'id',
    );
    assert.deepEqual(Array.from(mixed.get('b')?.e as Float32Array), [1, 2, 3]);
    assert.equal(mixed.get('b')?.f, undefined);
  });

  it('a vector length no model of the scene reads fails the config load, naming the line, the feature and the model', async () => {
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType({ rows: [], invalid: 0 }));
    const engine = new Engine({ registry, metrics: testMetrics(), logger: silentLogger });
    const withModel = (c: Record<string, unknown>, item: unknown[]): Record<string, unknown> => ({
      ...c,
      AlgoConfs: [{ Name: 'model', Type: 'ROWS', RowsConf: { Features: { User: [{ Name: 'uvec', Dim: 5 }], Item: item } } }],
    });
    const message = (e: unknown): string => (e instanceof ConfigError ? e.problems.map((p) => p.message).join('; ') : String(e));
    try {
      await assert.rejects(engine.reload(withModel(config(itemsFile, usersFile), [{ Name: 'emb', Dim: 6 }])), (e: unknown) => {
        assert.equal(
          message(e),
          `$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.FilePath: cannot load "${itemsFile}": line 1 (id "1"): field "emb": wrong_length: expected 6 values, got 4`,
        );
        return true;
      });
      // A Redis loader's declared Dim: refused before any connection is made.
      const redis = withModel(config(itemsFile, usersFile), [{ Name: 'emb', Dim: 4 }]);
      redis.RedisConfs = { main: { Port: 1, ConnectTimeout: 100 } };
      redis.FeatureConfs = {
        s: {
          FeatureLoadConfs: [
            { FeatureDaoConf: { AdapterType: 'redis', RedisName: 'main', FeatureStore: 'item', Vectors: { emb: { Dim: 8, Format: 'float32le' } } } },
          ],
        },
      };
      await assert.rejects(engine.reload(redis), (e: unknown) => {
        assert.equal(
          message(e),
          '$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.Vectors.emb.Dim: "emb" is declared with Dim 8, but model "model" reads it at Dim 4 (Features.Item)',
        );
        return true;
      });
    } finally {
      await engine.close();
    }
  });
});
