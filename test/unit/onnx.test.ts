import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { onnxType, resolveModelPath } from '../../src/algorithm/onnx/index.js';
import type { OnnxConf } from '../../src/algorithm/onnx/index.js';
import { OnnxConfSchema } from '../../src/algorithm/onnx/config.js';
import type { FeatureMap } from '../../src/algorithm/contract.js';
import { PairecError } from '../../src/errors.js';
import { createCatalog } from '../../src/catalog/catalog.js';
import { buildDeps, runContext, testMetrics } from '../helpers/context.js';

interface Reference {
  readonly inputs: number[][];
  readonly scores: number[];
  readonly cosines: number[];
}
// Written by models/generate_demo_mlp.py: fixed inputs and the scores numpy computes from the weights.
const reference = JSON.parse(await readFile(new URL('../../../models/demo-mlp.reference.json', import.meta.url), 'utf8')) as Reference;

const features = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
const conf = (extra: Partial<OnnxConf> = {}): OnnxConf =>
  Value.Default(OnnxConfSchema, { ModelPath: 'models/demo-mlp.onnx', Features: features, ...extra }) as OnnxConf;
const code = (c: string) => (err: unknown) => err instanceof PairecError && err.code === c;

/** One run per reference row: user = first half, item = second half. */
function referenceInputs(): { user: FeatureMap; items: FeatureMap[] }[] {
  return reference.inputs.map((row) => ({
    user: { embedding: Float32Array.from(row.slice(0, 64)) },
    items: [{ embedding: Float32Array.from(row.slice(64)) }],
  }));
}

describe('ONNX type', () => {
  for (const Mode of ['main', 'workers'] as const) {
    it(`${Mode}: scores equal the reference numpy computed from the generator's weights`, async () => {
      const algo = await onnxType.create('m', conf({ Mode, Threads: 1 }), buildDeps());
      const got = await Promise.all(referenceInputs().map(async (input) => (await algo.run(input, runContext()))[0]?.score));
      got.forEach((s, i) => assert.ok(Math.abs((s ?? NaN) - (reference.scores[i] ?? NaN)) < 1e-5, `row ${i}: ${s} vs ${reference.scores[i]}`));
      await algo.close();
    });
  }

  for (const Mode of ['main', 'workers'] as const) {
    it(`${Mode}: a model taking the user once (UserInputName) scores like the user ⊕ item model, one user or coalesced users`, async () => {
      const algo = await onnxType.create('m', conf({ Mode, Threads: 1, ModelPath: 'models/demo-mlp-split.onnx', UserInputName: 'user' }), buildDeps());
      const inputs = referenceInputs();
      const alone = await Promise.all(inputs.map(async (input) => (await algo.run(input, runContext()))[0]?.score));
      alone.forEach((s, i) => assert.ok(Math.abs((s ?? NaN) - (reference.scores[i] ?? NaN)) < 1e-5, `row ${i}: ${s} vs ${reference.scores[i]}`));
      // Coalesced runs: stretches of rows per user, each fed its own user row.
      const users = inputs.map((x, i) => (i < 3 ? inputs[0]?.user : x.user) ?? {});
      const perRow = await algo.run({ users, items: inputs.map((x) => x.items[0] ?? {}) }, runContext());
      const want = await Promise.all(inputs.map(async (x, i) => (await algo.run({ user: users[i], items: x.items }, runContext()))[0]?.score));
      perRow.forEach((r, i) => assert.ok(Math.abs(r.score - (want[i] ?? NaN)) < 1e-6, `row ${i}`));
      await algo.close();
    });
  }

  it('fails the build of a user-once model whose user part or item part does not fit its inputs', async () => {
    const wrongUser = { User: [{ Name: 'embedding', Dim: 32, Default: 0 }], Item: features.Item.map((r) => ({ ...r, Default: 0 })) };
    await assert.rejects(
      onnxType.create('m', conf({ ModelPath: 'models/demo-mlp-split.onnx', UserInputName: 'user', Features: wrongUser }), buildDeps()),
      /fill 32 values per row but input "user" takes 64/,
    );
    await assert.rejects(onnxType.create('m', conf({ ModelPath: 'models/demo-mlp-split.onnx', UserInputName: 'nope' }), buildDeps()), /no input "nope"/);
    await assert.rejects(
      onnxType.create('m', conf({ ModelPath: 'models/demo-mlp.onnx', UserInputName: 'features' }), buildDeps()),
      code('ERR_ALGORITHM_BUILD'),
    );
  });

  it('gives a higher score to an item closer to the user (the model means something)', () => {
    const { cosines, scores } = reference;
    assert.ok((scores[cosines.indexOf(0.99)] ?? 0) > 0.8);
    assert.ok((scores[cosines.indexOf(0)] ?? 1) < 0.2);
    assert.ok((scores[cosines.indexOf(-1)] ?? 1) < (scores[cosines.indexOf(0.6)] ?? 0));
  });

  it('scores each row of one batch like a run of that row alone, with row-aligned users too', async () => {
    const algo = await onnxType.create('m', conf(), buildDeps());
    const inputs = referenceInputs();
    const alone = await Promise.all(inputs.map(async (input) => (await algo.run(input, runContext()))[0]?.score));
    const batched = await algo.run({ user: inputs[0]?.user, items: inputs.map((x) => x.items[0] ?? {}) }, runContext());
    assert.ok(Math.abs((batched[0]?.score ?? NaN) - (alone[0] ?? NaN)) < 1e-6);
    const perRow = await algo.run({ users: inputs.map((x) => x.user), items: inputs.map((x) => x.items[0] ?? {}) }, runContext());
    perRow.forEach((r, i) => assert.ok(Math.abs(r.score - (alone[i] ?? NaN)) < 1e-6, `row ${i}`));
    await algo.close();
  });

  it('scores catalog rows (ScoreInput.rows) exactly like the same rows given as maps', async () => {
    const algo = await onnxType.create('m', conf(), buildDeps());
    const inputs = referenceInputs();
    const itemEmbeddings = new Float32Array(inputs.length * 64);
    inputs.forEach((x, i) => itemEmbeddings.set(x.items[0]?.embedding as Float32Array, i * 64));
    const catalog = createCatalog(
      {
        dim: 64,
        itemIds: inputs.map((_, i) => String(i)),
        itemEmbeddings,
        itemFeatures: inputs.map(() => ({})),
        userIds: [],
        userEmbeddings: new Float32Array(0),
      },
      'ref',
    );
    const rows = Int32Array.from(inputs.keys()).reverse();
    const user = inputs[0]?.user;
    const byRows = await algo.run({ items: [], rows: { rows, source: catalog.rowSource }, user }, runContext());
    const byMaps = await algo.run({ items: Array.from(rows, (r) => catalog.itemFeatureMap(r)), user }, runContext());
    assert.equal(byRows.length, inputs.length);
    assert.deepEqual(byRows, byMaps);
    await algo.close();
  });

  it('counts unusable feature values and scores the row with defaults', async () => {
    const metrics = testMetrics();
    const algo = await onnxType.create('inv', conf(), buildDeps({ metrics }));
    const out = await algo.run(
      { user: { embedding: new Float32Array(64) }, items: [{ embedding: new Float32Array(5) }, { embedding: 'x' }, {}] },
      runContext(),
    );
    assert.equal(out.length, 3);
    const counted = (await metrics.invalidValues.get()).values.find((v) => v.labels.algorithm_name === 'inv');
    assert.equal(counted?.value, 2, 'a wrong length and a string; an absent feature is not invalid');
    await algo.close();
  });

  it('rejects at once with ERR_QUEUE_FULL when MaxConcurrent runs are in and MaxQueue wait', async () => {
    const algo = await onnxType.create('q', conf({ MaxConcurrent: 1, MaxQueue: 1 }), buildDeps());
    const input = referenceInputs()[0];
    assert.ok(input);
    const running = algo.run(input, runContext());
    const queued = algo.run(input, runContext());
    await assert.rejects(algo.run(input, runContext()), (err: unknown) => code('ERR_QUEUE_FULL')(err) && /worker pool queue full/.test(String(err)));
    await Promise.all([running, queued]);
    await algo.close();
  });

  it('rejects a queued run when its request aborts, and a run with no time left', async () => {
    const algo = await onnxType.create('a', conf({ MaxConcurrent: 1 }), buildDeps());
    const input = referenceInputs()[0];
    assert.ok(input);
    const ctl = new AbortController();
    const running = algo.run(input, runContext());
    const queued = algo.run(input, runContext(5000, ctl.signal));
    ctl.abort();
    await assert.rejects(queued, code('ERR_ABORTED'));
    await running;
    await assert.rejects(algo.run(input, runContext(-1)), code('ERR_DEADLINE_EXCEEDED'));
    await algo.close();
  });

  it('fails the build for a missing model, a wrong width, or an unknown input name', async () => {
    await assert.rejects(onnxType.create('x', conf({ ModelPath: 'models/nope.onnx' }), buildDeps()), code('ERR_ALGORITHM_BUILD'));
    const narrow = { User: [{ Name: 'embedding', Dim: 64, Default: 0 }], Item: [] };
    await assert.rejects(onnxType.create('x', conf({ Features: narrow }), buildDeps()), /takes 128/);
    await assert.rejects(onnxType.create('x', conf({ InputName: 'nope' }), buildDeps()), code('ERR_ALGORITHM_BUILD'));
    await assert.rejects(onnxType.create('x', conf({ Mode: 'workers', Threads: 1, Features: narrow }), buildDeps()), code('ERR_ALGORITHM_BUILD'));
  });

  it('finds the shipped model from any working directory', () => {
    assert.ok(existsSync(resolveModelPath('models/demo-mlp.onnx', '/')));
    assert.equal(resolveModelPath('/abs/model.onnx'), '/abs/model.onnx');
  });
});
