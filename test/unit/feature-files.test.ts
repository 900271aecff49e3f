import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFeatureLoader, readFeatureFile } from '../../src/features/file-features.js';
import type { FeatureDaoConf } from '../../src/config/schema.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { parseConfig } from '../../src/config/validate.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';

const dir = mkdtempSync(join(tmpdir(), 'pairec-feature-files-'));
const file = (name: string, lines: readonly unknown[]): string => {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
  return path;
};

describe('features from a JSON Lines file (FeatureDaoConf AdapterType "file")', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads one object per line keyed by KeyField; numbers and strings are features', async () => {
    const rows = await readFeatureFile(file('a.jsonl', [{ id: 'u1', age: 31, city: 'x', tags: ['skipped'] }, '', { id: 7, age: 5 }]), 'id');
    assert.deepEqual(
      [...rows],
      [
        ['u1', { age: 31, city: 'x' }],
        ['7', { age: 5 }],
      ],
    );
    await assert.rejects(readFeatureFile(file('b.jsonl', [{ id: 'a' }, '{oops']), 'id'), /line 2: not JSON/);
    await assert.rejects(readFeatureFile(file('c.jsonl', [{ uid: 'a' }]), 'id'), /line 1: no "id"/);
  });

  it('a file loader needs FilePath, reported by JSON path at load', () => {
    const raw = {
      RecallConfs: [{ Name: 'u', RecallType: 'UserCustomRecall', DaoConf: { AdapterType: 'redis', RedisName: 'm' } }],
      RedisConfs: { m: {} },
      SceneConfs: { s: { default: { RecallNames: ['u'] } } },
      FeatureConfs: { s: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'file', FeatureStore: 'user' } }] } },
    };
    assert.throws(
      () => parseConfig(raw, builtinVocabulary(createDefaultRegistry())),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.map((p) => p.message).join() === '$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.FilePath: required by AdapterType "file"',
    );
  });

  it('serves declared Fields with Defaults, in id order; an unknown id gets the defaults', async () => {
    const path = file('d.jsonl', [{ id: 'u1', age: 31, city: 'x' }]);
    const conf = {
      AdapterType: 'file',
      FilePath: path,
      KeyField: 'id',
      FeatureStore: 'user',
      Fields: ['age'],
      Defaults: { age: 0, level: 1 },
    } as unknown as FeatureDaoConf;
    const loader = new FileFeatureLoader(conf, new Map([[`id\u0000${path}`, await readFeatureFile(path, 'id')]]));
    assert.deepEqual(await loader.load(['nobody', 'u1']), [
      { age: 0, level: 1 },
      { age: 31, level: 1 },
    ]);
  });

  it('ranks and filters by file features in a running engine; a missing file rejects the reload by JSON path and the old config keeps serving', async () => {
    const config = (path: string): Record<string, unknown> => ({
      CatalogConf: { Demo: { Items: 50, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
      AlgoConfs: [{ Name: 'boost', Type: 'LOOKUP', LookupConf: { FieldName: 'boost', DefaultScore: 0 } }],
      RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
      SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
      FeatureConfs: {
        s: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'file', FilePath: path, FeatureStore: 'item', Defaults: { boost: 0, stock: 1 } } }] },
      },
      FilterConfs: [{ Name: 'in_stock', FilterType: 'ConditionFilter', FilterEvaluableExpression: 'stock > 0' }],
      FilterNames: { s: ['in_stock'] },
      RankConf: { s: { RankAlgoList: ['boost'] } },
    });
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      const request = { requestId: 'r', uid: '1', size: 20, sceneId: 's', category: 'default', features: {}, debug: false };
      await engine.reload(config(file('empty.jsonl', [])));
      const before = (await recommend(engine, request)).items.map((c) => c.itemId);
      assert.equal(before.length, 20);
      const [top, , , last] = [before[0], before[1], before[2], before.at(-1)];
      await engine.reload(
        config(
          file('items.jsonl', [
            { id: last, boost: 5 },
            { id: top, stock: 0 },
          ]),
        ),
      );
      const after = (await recommend(engine, request)).items;
      assert.equal(after[0]?.itemId, last, 'boosted by the file');
      assert.equal(after[0]?.score, 5);
      assert.ok(!after.some((c) => c.itemId === top), 'out of stock in the file: filtered');

      await assert.rejects(
        engine.reload(config(join(dir, 'missing.jsonl'))),
        (e: unknown) =>
          e instanceof ConfigError && e.problems[0]?.message.startsWith('$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.FilePath: cannot load') === true,
      );
      assert.equal((await recommend(engine, request)).items[0]?.itemId, last, 'the previous config still serves');
    } finally {
      await engine.close();
    }
  });
});
