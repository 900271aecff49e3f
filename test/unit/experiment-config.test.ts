import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/validate.js';
import type { ConfigVocabulary } from '../../src/config/validate.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { builtinVocabulary } from '../../src/engine/vocabulary.js';
import { ConfigError } from '../../src/errors.js';
import { exp, withExperiments } from '../helpers/experiments.js';
import { runsPerRequest } from '../../src/config/run-bounds.js';
import { Engine } from '../../src/engine/engine.js';
import { rowRecorderType } from '../helpers/row-recorder.js';
import { silentLogger, testMetrics } from '../helpers/context.js';

const vocab: ConfigVocabulary = builtinVocabulary(createDefaultRegistry());

function problemsOf(raw: unknown): { code: string; path: string | undefined; message: string }[] {
  try {
    parseConfig(raw, vocab);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    return err.problems.map((p) => ({ code: p.code, path: p.path, message: p.message }));
  }
  return [];
}

describe('ABTestConf at load', () => {
  it('accepts a two-layer experiment config and fills its defaults', () => {
    const config = parseConfig(withExperiments(), vocab);
    assert.equal(config.ABTestConf?.Enabled, true);
    assert.equal(config.ABTestConf?.BucketCount, 100);
    assert.equal(config.ABTestConf?.Layers[1]?.HashField, 'uid');
  });

  it('refuses overlapping buckets in a group with the JSON path of the second experiment', () => {
    const problems = problemsOf(withExperiments((ab) => (exp(ab, 0, 1).Buckets = '40-99')));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['$.ABTestConf.Layers[0].ExperimentGroups[0].Experiments[1].Buckets'],
    );
    assert.match(problems[0]?.message ?? '', /bucket 40 is already taken by \$\.ABTestConf\.Layers\[0\]\.ExperimentGroups\[0\]\.Experiments\[0\]/);
  });

  it('refuses a stopped experiment overlapping a running one too (starting it later must not break the layer)', () => {
    const problems = problemsOf(withExperiments((ab) => Object.assign(exp(ab, 0, 0), { Buckets: '0-60', Status: 'stopped' })));
    assert.deepEqual(
      problems.map((p) => p.path),
      ['$.ABTestConf.Layers[0].ExperimentGroups[0].Experiments[1].Buckets'],
    );
  });

  it('refuses parameters naming an unknown or wrong-kind algorithm, at the parameter path', () => {
    const unknown = problemsOf(withExperiments((ab) => (exp(ab, 0, 1).Params = { RankConf: { RankAlgoList: ['nope'] } })));
    assert.deepEqual(
      unknown.map((p) => p.path),
      ['$.ABTestConf.Layers[0].ExperimentGroups[0].Experiments[1].Params.RankConf.RankAlgoList[0]'],
    );
    assert.match(unknown[0]?.message ?? '', /no algorithm named "nope"/);
    const kind = problemsOf(withExperiments((ab) => (exp(ab, 0, 1).Params = { RankConf: { RankAlgoList: ['item_ann'] } })));
    assert.match(kind[0]?.message ?? '', /a score algorithm is needed/);
  });

  it('refuses a RankScore over an algorithm the experiment does not rank with, and unknown recalls, filters and sorts', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ RankConf: { RankScore: 'nope * 2' } }, 'Params.RankConf.RankScore'],
      [{ RecallNames: ['vector_recall', 'nope'] }, 'Params.RecallNames[1]'],
      [{ FilterNames: ['NopeFilter'] }, 'Params.FilterNames[0]'],
      [{ SortNames: ['NopeSort'] }, 'Params.SortNames[0]'],
      [{ BackfillRecall: 'nope' }, 'Params.BackfillRecall'],
    ];
    for (const [params, at] of cases) {
      const problems = problemsOf(withExperiments((ab) => (exp(ab, 0, 1).Params = params)));
      assert.deepEqual(
        problems.map((p) => p.path),
        [`$.ABTestConf.Layers[0].ExperimentGroups[0].Experiments[1].${at}`],
        JSON.stringify(params),
      );
    }
  });

  it('refuses unknown parameter keys, filters naming no request field, unknown scenes, duplicate ids and bad buckets', () => {
    assert.deepEqual(
      problemsOf(withExperiments((ab) => (exp(ab, 0, 0).Params = { RankAlgo: ['x'] }))).map((p) => p.path),
      ['$.ABTestConf.Layers[0].ExperimentGroups[0].Experiments[0].Params.RankAlgo'],
    );
    const filter = problemsOf(
      withExperiments(
        (ab) => (((ab.Layers[0] as { ExperimentGroups: Record<string, unknown>[] }).ExperimentGroups[0] as Record<string, unknown>).Filter = 'os == "ios"'),
      ),
    );
    assert.deepEqual(
      filter.map((p) => p.path),
      ['$.ABTestConf.Layers[0].ExperimentGroups[0].Filter'],
    );
    assert.deepEqual(
      problemsOf(withExperiments((ab) => ((ab.Layers[1] as Record<string, unknown>).Scenes = ['nope']))).map((p) => p.path),
      ['$.ABTestConf.Layers[1].Scenes[0]'],
    );
    assert.deepEqual(
      problemsOf(withExperiments((ab) => (exp(ab, 1, 0).ExperimentId = 1))).map((p) => p.path),
      ['$.ABTestConf.Layers[1].ExperimentGroups[0].Experiments[0].ExperimentId'],
    );
    assert.deepEqual(
      problemsOf(withExperiments((ab) => (exp(ab, 1, 1).Buckets = '50-100'))).map((p) => p.path),
      ['$.ABTestConf.Layers[1].ExperimentGroups[0].Experiments[1].Buckets'],
    );
  });

  it('refuses a combination of two layers that is broken only together, naming the experiment_id', () => {
    // Layer 2 scores with a RankScore over popularity_lookup; layer 1's arm E1 ranks with similarity_lookup alone.
    const problems = problemsOf(
      withExperiments((ab) => {
        exp(ab, 0, 0).Params = { RankConf: { RankAlgoList: ['similarity_lookup'] } };
        exp(ab, 1, 1).Params = { RankConf: { RankScore: 'popularity_lookup * 2' } };
      }),
    );
    assert.ok(problems.length >= 1);
    assert.ok(
      problems.some(
        (p) => p.path === '$.ABTestConf.Layers[1].ExperimentGroups[0].Experiments[1].Params.RankConf.RankScore' && /ER1_L1#EG1#E1_L2#EG2#E4/.test(p.message),
      ),
      JSON.stringify(problems),
    );
  });

  it('sizes an algorithm’s run queue for the experiment arms that rank with it too', () => {
    // The scene: 150 candidates in batches of 100 → 2 runs. Arm E2: batches of 10 → 15 runs.
    const base = parseConfig(withExperiments(), vocab);
    assert.equal(runsPerRequest(base, 'popularity_lookup'), 2);
    const arm = parseConfig(
      withExperiments((ab) => (exp(ab, 0, 1).Params = { RankConf: { RankAlgoList: ['popularity_lookup'], BatchCount: 10 } })),
      vocab,
    );
    assert.equal(runsPerRequest(arm, 'popularity_lookup'), 15);
    // Layer 2's arm E3 recalls 10 hot items instead of 50: 110 candidates → 11 runs in the combination E2 + E3, still 15 at most.
    assert.equal(runsPerRequest(arm, 'similarity_lookup'), 2);
  });

  it('checks the vector lengths an experiment arm’s model reads against the scene’s feature loaders, at load', async () => {
    const registry = createDefaultRegistry();
    registry.registerType(rowRecorderType({ rows: [], invalid: 0 }));
    const engine = new Engine({ registry, metrics: testMetrics(), logger: silentLogger });
    const rows = (name: string, item: unknown[]): Record<string, unknown> => ({ Name: name, Type: 'ROWS', RowsConf: { Features: { User: [], Item: item } } });
    const config = {
      CatalogConf: { Demo: { Items: 30, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
      AlgoConfs: [rows('base_model', [{ Name: 'n' }]), rows('arm_model', [{ Name: 'emb', Dim: 4 }])],
      RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 20 }],
      SceneConfs: { s: { default: { RecallNames: ['hot'] } } },
      RedisConfs: { main: { Port: 1, ConnectTimeout: 100 } },
      FeatureConfs: {
        s: { FeatureLoadConfs: [{ FeatureDaoConf: { AdapterType: 'redis', RedisName: 'main', FeatureStore: 'item', Vectors: { emb: { Dim: 8 } } } }] },
      },
      RankConf: { s: { RankAlgoList: ['base_model'] } },
      ABTestConf: {
        Layers: [
          {
            LayerId: 1,
            ExperimentGroups: [{ ExpGroupId: 1, Experiments: [{ ExperimentId: 1, Buckets: '0-49', Params: { RankConf: { RankAlgoList: ['arm_model'] } } }] }],
          },
        ],
      },
    };
    try {
      await assert.rejects(engine.reload(config), (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.deepEqual(
          e.problems.map((p) => p.message),
          [
            '$.FeatureConfs.s.FeatureLoadConfs[0].FeatureDaoConf.Vectors.emb.Dim: "emb" is declared with Dim 8, but model "arm_model" reads it at Dim 4 (Features.Item)',
          ],
        );
        return true;
      });
    } finally {
      await engine.close();
    }
  });
});
