import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { easType } from '../../src/algorithm/eas/index.js';
import { ConfigError, PairecError } from '../../src/errors.js';
import { buildDeps, silentLogger, testMetrics } from '../helpers/context.js';

/** AlgoConfs as PaiRec's own documentation and recconf.go write them. */
const PAIREC_ALGOS = [
  {
    Name: 'callback_fg',
    Type: 'EAS',
    EasConf: {
      Processor: 'EasyRec',
      Timeout: 600,
      ResponseFuncName: 'easyrecMutValResponseFunc',
      Url: 'http://xxx.vpc.cn-beijing.pai-eas.aliyuncs.com/api/predict/callback_fg',
      Auth: 'xxxxx',
    },
  },
  {
    Name: 'dbmtl',
    Type: 'EAS',
    EasConf: {
      Processor: 'EasyRec',
      Url: 'http://1730760139076263.vpc.cn-beijing.pai-eas.aliyuncs.com/api/predict/dbmtl',
      Auth: 'token==',
      EndpointType: 'DOCKER',
      SignatureName: '',
      Timeout: 300,
      RetryTimes: 3,
      ResponseFuncName: 'easyrecMutValResponseFunc',
      Outputs: ['probs_ctr', 'probs_cvr'],
      ModelName: '',
    },
  },
  {
    Name: 'lr',
    Type: 'EAS',
    EasConf: { Processor: 'PMML', Url: 'http://pmml.example/api/predict/lr', Auth: 'a', Timeout: 100, ResponseFuncName: 'pssmartResponseFunc' },
  },
];

describe('EasConf', () => {
  it('a PaiRec AlgoConfs entry loads unchanged, and builds', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    const config = engine.parse({ AlgoConfs: PAIREC_ALGOS });
    for (const [i, algo] of PAIREC_ALGOS.entries()) {
      const parsed = config.AlgoConfs[i] as unknown as { EasConf: Record<string, unknown> };
      for (const [k, v] of Object.entries(algo.EasConf)) assert.deepEqual(parsed.EasConf[k], v, `${algo.Name}.${k}`);
    }
    for (const algo of PAIREC_ALGOS) {
      const parsed = config.AlgoConfs.find((a) => a.Name === algo.Name) as unknown as { EasConf: never };
      const built = await easType.create(algo.Name, parsed.EasConf, buildDeps());
      assert.equal(built.type, 'EAS');
      await built.close();
    }
    await engine.close();
  });

  it('examples/remote-model.json is a valid config whose remote rankers build', async () => {
    const file = fileURLToPath(new URL('../../../examples/remote-model.json', import.meta.url));
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    const config = engine.parse(JSON.parse(readFileSync(file, 'utf8')));
    const types = new Set(config.AlgoConfs.map((a) => a.Type));
    for (const t of ['EAS', 'KSERVE', 'TFSERVING']) assert.ok(types.has(t), t);
    for (const algo of config.AlgoConfs) {
      const def = createDefaultRegistry().getType(algo.Type);
      if (!def || def.kind !== 'score' || algo.Type === 'LOOKUP') continue;
      const built = await def.create(algo.Name, (algo as unknown as Record<string, never>)[def.confKey], buildDeps());
      await built.close();
    }
    await engine.close();
  });

  it('rejects an unknown key; a processor it does not speak is not supported at load where used, left out where unused', async () => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    assert.throws(() => engine.parse({ AlgoConfs: [{ Name: 'x', Type: 'EAS', EasConf: { Processor: 'EasyRec', Url: 'http://h/', Nope: 1 } }] }), PairecError);
    const fm = { Name: 'fm', Type: 'EAS', EasConf: { Processor: 'ALINK_FM', Url: 'http://h/api/predict/fm' } };
    // Named by nothing but its own Url: never built, so it cannot fail the start.
    assert.deepEqual(engine.parse({ AlgoConfs: [fm] }).AlgoConfs, []);
    const used = {
      AlgoConfs: [fm],
      RecallConfs: [{ Name: 'mock', RecallType: 'MockRecall' }],
      SceneConfs: { s: { default: { RecallNames: ['mock'] } } },
      RankConf: { s: { RankAlgoList: ['fm'] } },
    };
    assert.throws(
      () => engine.parse(used),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.code === 'ERR_CONFIG_NOT_SUPPORTED' && p.path === '$.AlgoConfs[0].EasConf.Processor' && /ALINK_FM/.test(p.message)),
    );
    await assert.rejects(
      easType.create('fm', fm.EasConf as never, buildDeps()),
      (err: unknown) => err instanceof PairecError && err.code === 'ERR_ALGORITHM_BUILD' && /ALINK_FM/.test(err.message),
    );
    await engine.close();
  });
});
