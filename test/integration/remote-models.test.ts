import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/engine.js';
import { recommend } from '../../src/engine/recommend.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import type { RecommendRequest } from '../../src/pipeline/context.js';
import { silentLogger, testMetrics } from '../helpers/context.js';
import { startModelServerProcess } from '../helpers/model-server.js';

/**
 * One scene; only the rank algorithm's Type changes: ONNX in process, then EAS (all three
 * processors), TFSERVING and KSERVE against a `pairec model-server` process serving the
 * same file with the same feature spec. Rankings must be identical, scores equal to
 * float tolerance.
 */
const MODEL = fileURLToPath(new URL('../../../models/demo-mlp.onnx', import.meta.url));
const SPEC = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
const dir = mkdtempSync(join(tmpdir(), 'pairec-remote-models-'));
const catalogConf = { Source: 'demo', Demo: { Items: 1500, Users: 40, Dim: 64, Clusters: 20, Categories: 4, Seed: 5 }, CacheDir: join(dir, 'cache') };
const config = (ranker: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  CatalogConf: catalogConf,
  AlgoConfs: [
    { Name: 'item_ann', Type: 'ANN', AnnConf: { Index: 'flat' } },
    { Name: 'ranker', ...ranker },
  ],
  RecallConfs: [{ Name: 'vector_recall', RecallType: 'VectorRecall', RecallCount: 200, AlgoName: 'item_ann' }],
  SceneConfs: { default_scene: { default: { RecallNames: ['vector_recall'] } } },
  RankConf: { default_scene: { RankAlgoList: ['ranker'] } },
  SortNames: { default_scene: ['ItemRankScore'] },
  performance: { request_timeout_ms: 5000 },
  ...extra,
});

const cleanup: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function engineFor(ranker: Record<string, unknown>, extra?: Record<string, unknown>): Promise<Engine> {
  const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
  await engine.reload(config(ranker, extra));
  cleanup.push(() => engine.close());
  return engine;
}

const request = (uid: string): RecommendRequest => ({
  requestId: uid,
  uid,
  size: 50,
  sceneId: 'default_scene',
  category: 'default',
  features: {},
  debug: false,
});

describe('rank backends are a config change', () => {
  it('EAS, TFSERVING and KSERVE against pairec model-server rank as the in-process ONNX type does', async () => {
    const server = await startModelServerProcess(['--name', 'demo_mlp', '--token', 't0ken'], MODEL);
    cleanup.push(() => server.proc.stop('SIGKILL'));
    const eas = { Url: `${server.base}/api/predict/demo_mlp`, Auth: 't0ken', Timeout: 2000, RetryTimes: 2 };
    const engines = {
      onnx: await engineFor({ Type: 'ONNX', OnnxConf: { ModelPath: MODEL, Features: SPEC } }),
      easyrec: await engineFor({ Type: 'EAS', EasConf: { Processor: 'EasyRec', ...eas } }),
      easyrecGzip: await engineFor(
        { Type: 'EAS', EasConf: { Processor: 'EasyRec', ...eas } },
        { optimization: { enable_compression: true, enable_keep_alive: false } },
      ),
      eastf: await engineFor({ Type: 'EAS', EasConf: { Processor: 'TensorFlow', ...eas, Url: `${eas.Url}_tf`, Features: SPEC } }),
      pmml: await engineFor({ Type: 'EAS', EasConf: { Processor: 'PMML', ...eas, Url: `${eas.Url}_pmml` } }),
      tfserving: await engineFor({ Type: 'TFSERVING', TFservingConf: { Url: `${server.base}/v1/models/demo_mlp:predict`, Features: SPEC } }),
      kserve: await engineFor({ Type: 'KSERVE', KServeConf: { Url: server.base, ModelName: 'demo_mlp', Features: SPEC } }),
      kserveBinary: await engineFor({ Type: 'KSERVE', KServeConf: { Url: server.base, ModelName: 'demo_mlp', Features: SPEC, BinaryData: true } }),
    };
    for (const uid of ['1', '2', '17', '40']) {
      const reference = await recommend(engines.onnx, request(uid));
      const ids = reference?.items.map((i) => i.itemId) ?? [];
      assert.equal(ids.length, 50);
      for (const [name, engine] of Object.entries(engines)) {
        if (name === 'onnx') continue;
        const got = await recommend(engine, request(uid));
        assert.deepEqual(
          got?.items.map((i) => i.itemId),
          ids,
          `uid ${uid}: ${name} ranks as ONNX`,
        );
        reference?.items.forEach((item, i) => {
          const delta = Math.abs((got?.items[i]?.score ?? Number.NaN) - item.score);
          assert.ok(delta < 1e-6, `uid ${uid}: ${name} score ${i} differs by ${delta}`);
        });
      }
    }
  });
});
