import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { PairecError } from '../../src/errors.js';
import { fastConfig } from '../helpers/fast-config.js';
import { runContext, silentLogger, testMetrics } from '../helpers/context.js';

const features = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
/** Workers mode, one thread: its own default is 2 runs at once. No queue, so a run over the limit is refused at once. */
const onnx = { Name: 'pooled', Type: 'ONNX', OnnxConf: { ModelPath: 'models/demo-mlp.onnx', Features: features, Mode: 'workers', Threads: 1, MaxQueue: 0 } };
const config = (workerPoolSize: number): Record<string, unknown> => {
  const base = fastConfig();
  return { ...base, AlgoConfs: [...(base.AlgoConfs as unknown[]), onnx], performance: { worker_pool_size: workerPoolSize } };
};
const input = { user: { embedding: new Float32Array(64).fill(0.1) }, items: [{ embedding: new Float32Array(64).fill(0.2) }] };

/** How the two runs started in one turn end: 'ok' or the error code. */
async function twoAtOnce(engine: Engine): Promise<string[]> {
  const algo = engine.current()?.algorithms.get('pooled', 'score');
  assert.ok(algo);
  const runs = [algo.run(input, runContext()), algo.run(input, runContext())];
  return Promise.all(
    runs.map((r) =>
      r.then(
        () => 'ok',
        (err: unknown) => (err instanceof PairecError ? err.code : String(err)),
      ),
    ),
  );
}

describe('performance.worker_pool_size', () => {
  it('caps the runs at once of an ONNX model whose OnnxConf sets no MaxConcurrent, and a change rebuilds it', async (t) => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    t.after(() => engine.close());
    await engine.reload(config(1));
    assert.deepEqual(await twoAtOnce(engine), ['ok', 'ERR_QUEUE_FULL'], 'worker_pool_size 1: one run at once, though 2 × Threads would allow two');
    const result = await engine.reload(config(2));
    assert.ok(result.built.includes('pooled'), 'a new pool size rebuilds the model');
    assert.deepEqual(await twoAtOnce(engine), ['ok', 'ok'], 'worker_pool_size 2: both run');
  });
});
