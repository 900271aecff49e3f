import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { checkConfigFile } from '../../src/engine/config-check.js';
import { unusedBlocks } from '../../src/config/unused-blocks.js';
import { formatReport } from '../../src/cli/validate.js';
import { smallConfig } from '../helpers/config.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const registry = createDefaultRegistry();
const check = (file: string, connect = false): ReturnType<typeof checkConfigFile> => checkConfigFile(file, { registry, connect, timeoutMs: 1000 });

describe('pairec validate: the check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-validate-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  it('every examples/*.json validates (no problem; warnings allowed)', async () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 5, `examples found: ${files.join(', ')}`);
    for (const f of files) {
      const report = await check(join(EXAMPLES, f));
      assert.deepEqual(report.problems, [], f);
      assert.equal(report.valid, true, f);
      assert.match(formatReport(report), /is valid/, f);
    }
  });

  it('local data is read as serve reads it: a bad catalog row, a missing feature file and a missing model are all reported, with paths', async () => {
    const items = write('items.jsonl', '{"id":"a","embedding":[1,0]}\n{"id":"b","embedding":[0,1]}\n{"id":"c","embedding":[1,"x"]}\n');
    const missing = join(dir, 'no-such-features.jsonl');
    const file = write('local.json', {
      CatalogConf: { Source: 'file', Items: { Path: items, IdField: 'id', EmbeddingField: 'embedding' }, CacheDir: '' },
      AlgoConfs: [
        {
          Name: 'ranker',
          Type: 'ONNX',
          OnnxConf: { ModelPath: join(dir, 'no-such-model.onnx'), Features: { User: [], Item: [{ Name: 'embedding', Dim: 2 }] } },
        },
      ],
      RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 10 }],
      SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
      RankConf: { s: { RankAlgoList: ['ranker'] } },
      FeatureConfs: { s: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'file', FilePath: missing, FeatureStore: 'user' } }] } },
    });
    const report = await check(file);
    assert.equal(report.valid, false);
    const text = report.problems.map((p) => `${p.code} ${p.path ?? ''} ${p.message}`).join('\n');
    assert.deepEqual(
      report.problems.map((p) => p.path),
      ['$.CatalogConf.Items.Path', '$.AlgoConfs[0].OnnxConf.ModelPath', '$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.FilePath'],
      text,
    );
    assert.match(text, /items\.jsonl: line 3/, text);
    assert.match(text, /no-such-model\.onnx: ENOENT/, text);
    assert.deepEqual(report.read, [items, join(dir, 'no-such-model.onnx'), missing]);
  });

  it('problems in several blocks come in one report (schema, an algorithm conf, the catalog conf)', async () => {
    const base = smallConfig(dir);
    const file = write('three.json', {
      ...base,
      LogConf: { LogLevel: 'loud' },
      AlgoConfs: [{ Name: 'item_ann', Type: 'ANN', AnnConf: { M: -1 } }, ...(base.AlgoConfs as unknown[]).slice(1)],
      CatalogConf: { Source: 'file', Items: { Path: join(dir, 'items.txt'), IdField: 'id', EmbeddingField: 'e' }, CacheDir: '' },
    });
    const report = await check(file);
    assert.deepEqual(report.problems.map((p) => p.path).sort(), ['$.AlgoConfs[0].AnnConf.M', '$.CatalogConf.Items.Path', '$.LogConf.LogLevel']);
  });

  it('warnings stand apart: an unused algorithm and an ignored key warn, the config stays valid', async () => {
    const base = smallConfig(dir);
    const file = write('warn.json', {
      ...base,
      AlgoConfs: [...(base.AlgoConfs as unknown[]), { Name: 'spare', Type: 'LOOKUP', LookupConf: { FieldName: 'x' } }],
      performance: { request_timeout_ms: 2000, enable_pooling: true },
    });
    const report = await check(file);
    assert.equal(report.valid, true);
    assert.deepEqual(report.problems, []);
    assert.deepEqual(
      report.warnings.map((w) => [w.kind, w.path]),
      [
        ['compatibility', undefined],
        ['unused', '$.AlgoConfs[3]'],
      ],
    );
    assert.match(report.warnings[0]?.message ?? '', /performance\.enable_pooling/);
  });

  it('property: exactly the named blocks nothing mentions are reported unused', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.uniqueArray(name, { maxLength: 3 }), fc.func(fc.boolean()), (algos, redis, used) => {
        const usedAlgos = algos.filter((a) => used(a));
        const usedRedis = redis.filter((r) => used(`redis:${r}`));
        const raw = {
          AlgoConfs: algos.map((a) => ({ Name: a, Type: 'LOOKUP', LookupConf: { FieldName: 'f' } })),
          RedisConfs: Object.fromEntries(redis.map((r) => [r, { Host: '127.0.0.1' }])),
          RankConf: { s: { RankAlgoList: usedAlgos } },
          FilterConfs: usedRedis.map((r, i) => ({
            Name: `filter_${i}`,
            FilterType: 'User2ItemExposureFilter',
            DaoConf: { AdapterType: 'redis', RedisName: r },
          })),
          FilterNames: { s: usedRedis.map((_, i) => `filter_${i}`) },
        };
        // Names that collide with a word the config holds anyway ("LOOKUP", "f", a filter name) count as mentioned.
        const words = new Set([
          'LOOKUP',
          'f',
          's',
          '127.0.0.1',
          'redis',
          'User2ItemExposureFilter',
          ...usedRedis.map((_, i) => `filter_${i}`),
          ...usedAlgos,
          ...usedRedis,
        ]);
        const expected = [
          ...algos.flatMap((a, i) => (words.has(a) ? [] : [`$.AlgoConfs[${i}]`])),
          ...redis.filter((r) => !words.has(r)).map((r) => `$.RedisConfs.${r}`),
        ];
        assert.deepEqual(
          unusedBlocks(raw).map((u) => u.path),
          expected,
        );
      }),
    );
  });
});
