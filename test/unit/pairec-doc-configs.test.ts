import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { checkConfigFile } from '../../src/engine/config-check.js';
import type { ConfigReport } from '../../src/engine/config-check.js';
import { parseConfig } from '../../src/config/validate.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { MAIN } from '../helpers/process.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { recommendRequest } from '../helpers/request.js';

/**
 * The examples of PaiRec's documentation and its project generator, as files
 * (test/fixtures/pairec; each one's source page in the README there), loaded through
 * `pairec validate`'s path: the same read, normalisation, schema and reference checks
 * as serve, without contacting any backend.
 */
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/pairec/', import.meta.url));
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>;
const registry = createDefaultRegistry();
const vocab = builtinVocabulary(registry);

const check = (path: string): Promise<ConfigReport> => checkConfigFile(path, { registry, connect: false, timeoutMs: 1000 });
const problems = (r: ConfigReport): string[] => r.problems.map((p) => `${p.code} ${p.path ?? ''}`);
/** The paths a compatibility warning names (its list after the colon). */
const warned = (r: ConfigReport, start: string): string[] => {
  const w = r.warnings.find((x) => x.kind === 'compatibility' && x.message.startsWith(start));
  return w === undefined ? [] : (/: (.*) \(docs\//.exec(w.message)?.[1] ?? '').split(', ');
};
const EMPTY = 'PaiRec blocks and keys';
const IGNORED = 'config keys accepted';

/** A scratch folder for broken variants, removed by the test that made it. */
function scratch(): { dir: string; write: (name: string, config: unknown) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pairec-doc-'));
  return {
    dir,
    write: (name, config) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(config));
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, vocab);
    return [];
  } catch (err) {
    return (err as { problems: { code: string; path?: string; message: string }[] }).problems.map((p) => `${p.code} ${p.path ?? ''}`);
  }
}

describe('PaiRec documented configs load (test/fixtures/pairec)', () => {
  it('config overview: every block of the overview loads; the empty blocks of features not here are named, SortConfs {} is the empty list', async () => {
    const r = await check(join(FIXTURES, 'config-overview.json'));
    assert.deepEqual(problems(r), []);
    assert.equal(r.valid, true);
    assert.deepEqual(warned(r, EMPTY), [
      'UserFeatureConfs',
      'BeFilterConfs',
      'GraphConfs',
      'FeatureStoreConfs',
      'KafkaConfs',
      'SlsConfs',
      'DatahubConfs',
      'BEConfs',
      'TableStoreConfs',
      'CallBackConfs',
      'GeneralRankConfs',
      'ColdStartGeneralRankConfs',
      'ColdStartRankConfs',
      'DPPConf',
      'DebugConfs',
      'PipelineConfs',
      'PrometheusConfig',
      'UserDefineConfs',
    ]);
  });

  it('recall: the common recall keys load (cache keys ignored, RecallAlgo/ItemType left empty), a Hologres UserCustomRecall; only the recall type not here is named', async () => {
    const r = await check(join(FIXTURES, 'recall.json'));
    const expected: string[] = [];
    assert.deepEqual(problems(r), expected);
    assert.deepEqual(warned(r, EMPTY), ['RecallConfs[0].RecallAlgo', 'RecallConfs[0].ItemType']);
    assert.deepEqual(warned(r, IGNORED), [
      'RunMode',
      'LogConf.RetensionDays',
      'LogConf.DiskSize',
      'RecallConfs[0].CacheAdapter',
      'RecallConfs[0].CacheConfig',
      'RecallConfs[0].CachePrefix',
      'RecallConfs[0].CacheTime',
    ]);
  });

  it('fine rank: the five EAS models load; ALINK_FM, which nothing ranks with, is left out instead of failing the start; RankScore reads ${algo_key}', async () => {
    const r = await check(join(FIXTURES, 'fine-rank-eas.json'));
    assert.deepEqual(problems(r), []);
    assert.deepEqual(warned(r, EMPTY), ['RankConf.home_feed.ContextFeatures']);
    assert.deepEqual(warned(r, IGNORED), ['RunMode', 'RankConf.home_feed.Processor']);
    const config = parseConfig(fixture('fine-rank-eas.json'), vocab);
    // tf (TensorFlow, whose input PaiRec builds in application code) and fm (ALINK_FM) are not ranked with: left out, never built.
    assert.deepEqual(
      config.AlgoConfs.map((a) => a.Name),
      ['room3_mt_v2', 'room3_mt_v2_torch', 'ps_smart'],
    );
    assert.equal(config.RankConf.home_feed?.RankScore, '${room3_mt_v2.probs_ctr} * (${room3_mt_v2.probs_cvr} + 1)');
    // Ranked with, the ALINK_FM model is a named "not supported", at load, not a failed build after the port is open.
    const used = fixture('fine-rank-eas.json');
    used.RankConf = { home_feed: { RankAlgoList: ['fm', 'tf'] } };
    assert.deepEqual(problemsOf(used), [
      'ERR_CONFIG_NOT_SUPPORTED $.AlgoConfs[2].EasConf.Features',
      'ERR_CONFIG_NOT_SUPPORTED $.AlgoConfs[4].EasConf.Processor',
    ]);
  });

  it("serve's load: an engine builds every example (its algorithms, scenes, data sources), as validate said it would", async () => {
    for (const name of ['config-overview.json', 'fine-rank-eas.json', 'boost-sort.json', 'hologres-features.json']) {
      const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
      try {
        await engine.reload(fixture(name));
      } finally {
        await engine.close();
      }
    }
  });

  it('BoostScoreSort: Debug ignored, the condition\'s Domain "item" and Type honoured (the Value read as that type); the boost applies to the items it matches', async () => {
    const r = await check(join(FIXTURES, 'boost-sort.json'));
    assert.deepEqual(problems(r), []);
    assert.deepEqual(warned(r, IGNORED), ['RunMode', 'SortConfs[0].Debug']);
    assert.deepEqual(warned(r, EMPTY), ['FeatureConfs.home_feed.FeatureLoadConfs[0].Features']);
    // Type converts the Value as PaiRec does before comparing: "float" with "0" is the number 0.
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      const boost = (type: string, value: unknown) => ({
        CatalogConf: { Demo: { Items: 200, Users: 5, Dim: 4, Clusters: 4, Categories: 2 }, CacheDir: '' },
        RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 200 }],
        SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
        SortConfs: [
          {
            Name: 'b',
            SortType: 'BoostScoreSort',
            Debug: true,
            BoostScoreConditions: [
              { Conditions: [{ Name: 'popularity', Domain: 'item', Type: type, Value: value, Operator: 'greater' }], Expression: 'score + 1000' },
            ],
          },
        ],
        SortNames: { s: ['b'] },
      });
      await engine.reload(boost('float', '0'));
      const { items } = await recommend(engine, recommendRequest({ uid: 'u1', sceneId: 's', size: 20 }));
      assert.ok(items.length > 0);
      assert.ok(
        items.every((c) => c.score >= 1000),
        '"0" read as the number 0: every item with a popularity above it boosted',
      );
    } finally {
      await engine.close();
    }
  });

  it('Hologres features: AsynLoadFeature, FeatureKey, User/ItemFeatureKeyName, select lists with "as", empty Features all load', async () => {
    const r = await check(join(FIXTURES, 'hologres-features.json'));
    assert.deepEqual(problems(r), []);
    assert.deepEqual(warned(r, EMPTY), ['FeatureConfs.scene_name.FeatureLoadConfs[0].Features', 'FeatureConfs.scene_name.FeatureLoadConfs[1].Features']);
  });

  it("the generator's template still loads as before", async () => {
    const r = await check(join(FIXTURES, 'project-template.json'));
    assert.equal(r.valid, true, JSON.stringify(r.problems));
  });
});

describe('PaiRec keys the examples leave empty: not supported, each named, where set', () => {
  it('a used feature PaiRec has and this engine has not is ERR_CONFIG_NOT_SUPPORTED at its path, with what to use instead', () => {
    const recall = fixture('recall.json') as { RecallConfs: Record<string, unknown>[]; SceneConfs: unknown };
    (recall.RecallConfs[1] as Record<string, unknown>).RecallAlgo = 'user_tower';
    (recall.RecallConfs[1] as Record<string, unknown>).ItemType = 'video';
    recall.RecallConfs.splice(0, 1);
    recall.SceneConfs = { home_feed: { default: { RecallNames: ['u2i_recall'] } } };
    assert.deepEqual(problemsOf(recall), ['ERR_CONFIG_NOT_SUPPORTED $.RecallConfs[0].RecallAlgo', 'ERR_CONFIG_NOT_SUPPORTED $.RecallConfs[0].ItemType']);

    const features = fixture('hologres-features.json') as { FeatureConfs: { scene_name: { FeatureLoadConfs: Record<string, unknown>[] } } };
    const load = features.FeatureConfs.scene_name.FeatureLoadConfs[0] as Record<string, unknown>;
    load.Features = [{ FeatureType: 'new_feature', FeatureName: 'age_bucket', Expression: 'age/10' }];
    (load.FeatureDaoConf as Record<string, unknown>).FeatureType = 'sequence_feature';
    assert.deepEqual(problemsOf(features), [
      'ERR_CONFIG_NOT_SUPPORTED $.FeatureConfs.scene_name.FeatureLoadConfs[0].Features',
      'ERR_CONFIG_NOT_SUPPORTED $.FeatureConfs.scene_name.FeatureLoadConfs[0].FeatureDaoConf.FeatureType',
    ]);

    // A PaiRec data source this engine does not read is named as such, not as an invalid value.
    const store = fixture('hologres-features.json') as typeof features;
    const dao = store.FeatureConfs.scene_name.FeatureLoadConfs[1]?.FeatureDaoConf as Record<string, unknown>;
    Object.assign(dao, { AdapterType: 'featurestore', FeatureStoreName: 'fs', FeatureStoreViewName: 'item_view' });
    assert.deepEqual(problemsOf(store), [
      'ERR_CONFIG_NOT_SUPPORTED $.FeatureConfs.scene_name.FeatureLoadConfs[1].FeatureDaoConf.AdapterType',
      'ERR_CONFIG_NOT_SUPPORTED $.FeatureConfs.scene_name.FeatureLoadConfs[1].FeatureDaoConf.FeatureStoreName',
      'ERR_CONFIG_NOT_SUPPORTED $.FeatureConfs.scene_name.FeatureLoadConfs[1].FeatureDaoConf.FeatureStoreViewName',
    ]);

    const boost = fixture('boost-sort.json') as { SortConfs: { BoostScoreConditions: { Conditions: Record<string, unknown>[] }[] }[] };
    const condition = boost.SortConfs[0]?.BoostScoreConditions[0]?.Conditions[0] as Record<string, unknown>;
    condition.Domain = 'user';
    assert.deepEqual(problemsOf(boost), ['ERR_CONFIG_NOT_SUPPORTED $.SortConfs[0].BoostScoreConditions[0].Conditions[0].Domain']);
  });

  it('a key neither PaiRec nor this engine has stays an unknown key, a bad value stays invalid, each with its path, all at once', () => {
    const recall = fixture('recall.json') as { RecallConfs: Record<string, unknown>[] };
    (recall.RecallConfs[1] as Record<string, unknown>).CachTime = 60;
    (recall.RecallConfs[1] as Record<string, unknown>).CacheTime = 'an hour';
    const boost = fixture('boost-sort.json') as { SortConfs: { BoostScoreConditions: { Conditions: Record<string, unknown>[] }[] }[] };
    const condition = boost.SortConfs[0]?.BoostScoreConditions[0]?.Conditions[0] as Record<string, unknown>;
    condition.Domain = 'shop';
    condition.Type = 'decimal';
    const got = problemsOf({ ...boost, RecallConfs: recall.RecallConfs });
    for (const p of [
      'ERR_CONFIG_INVALID $.RecallConfs[1].CachTime',
      'ERR_CONFIG_INVALID $.RecallConfs[1].CacheTime',
      'ERR_CONFIG_INVALID $.SortConfs[0].BoostScoreConditions[0].Conditions[0].Domain',
      'ERR_CONFIG_INVALID $.SortConfs[0].BoostScoreConditions[0].Conditions[0].Type',
    ]) {
      assert.ok(got.includes(p), `${p} in ${JSON.stringify(got)}`);
    }
    assert.ok(!got.some((p) => p.startsWith('ERR_CONFIG_NOT_SUPPORTED')), JSON.stringify(got));
  });
});

describe('pairec validate on the documented configs (the real command)', () => {
  const run = promisify(execFile);
  const validate = async (path: string): Promise<{ code: number; out: string }> => {
    try {
      const { stdout } = await run(process.execPath, [MAIN, 'validate', '--config', path], { timeout: 30_000 });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code?: number; stdout?: string };
      return { code: e.code ?? -1, out: e.stdout ?? '' };
    }
  };

  it('exits 0 on a documented example, 1 on a broken variant, printing every problem with its path', async (t) => {
    const tmp = scratch();
    t.after(tmp.remove);
    const ok = await validate(join(FIXTURES, 'hologres-features.json'));
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /is valid \(2 warnings\)/);

    const broken = fixture('hologres-features.json') as { FeatureConfs: { scene_name: { FeatureLoadConfs: { FeatureDaoConf: Record<string, unknown> }[] } } };
    const [user, item] = broken.FeatureConfs.scene_name.FeatureLoadConfs;
    if (user === undefined || item === undefined) throw new Error('fixture changed');
    user.FeatureDaoConf.UserFeatureKeyNam = 'user_id';
    item.FeatureDaoConf.ItemSelectFields = 'rids_count as';
    const bad = await validate(tmp.write('broken.json', broken));
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, /ERR_CONFIG_INVALID \$\.FeatureConfs\.scene_name\.FeatureLoadConfs\[0\]\.FeatureDaoConf\.UserFeatureKeyNam: unknown key/);
    assert.match(bad.out, /ERR_CONFIG_INVALID \$\.FeatureConfs\.scene_name\.FeatureLoadConfs\[1\]\.FeatureDaoConf\.ItemSelectFields/);
    assert.match(bad.out, /is NOT valid: 2 problems/);
  });
});
