import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { onnxType } from '../../src/algorithm/onnx/index.js';
import type { OnnxConf } from '../../src/algorithm/onnx/index.js';
import { OnnxConfSchema } from '../../src/algorithm/onnx/config.js';
import type { FeatureMap, ScoreInput } from '../../src/algorithm/contract.js';
import { createDefaultRegistry } from '../../src/algorithm/builtins.js';
import { Engine } from '../../src/engine/engine.js';
import { createCatalog } from '../../src/catalog/catalog.js';
import { PairecError } from '../../src/errors.js';
import { buildDeps, runContext, silentLogger, testMetrics } from '../helpers/context.js';
import { inputModels } from '../helpers/tiny-input-models.js';

const models = inputModels();
const ref = models.reference;
const vec = (v: readonly number[]): Float32Array => Float32Array.from(v);
const userOf = (u: number): FeatureMap => ({ u_emb: vec(ref.users[u] ?? []) });
const itemOf = (i: number): FeatureMap => ({ i_emb: vec(ref.items[i] ?? []), cat: ref.cats[i] ?? 0 });
const rows = ref.ofUser.map((_, i) => i);
/** The rows of user 0. */
const rows0 = (n: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => ref.ofUser[i] === 0);

const TWO = { user: { User: [{ Name: 'u_emb', Dim: 8 }] }, item: { Item: [{ Name: 'i_emb', Dim: 8 }] } };
const THREE = { ...TWO, cat: { Item: [{ Name: 'cat' }] } };
const conf = (extra: Record<string, unknown>): OnnxConf => Value.Default(OnnxConfSchema, extra) as OnnxConf;

/** Scores every reference row twice: one run per user (user tiled per item), and all rows coalesced (row-aligned users). */
async function scoreBothWays(c: OnnxConf): Promise<{ perUser: number[]; coalesced: number[] }> {
  const algo = await onnxType.create('m', c, buildDeps());
  try {
    const perUser: number[] = [];
    for (let u = 0; u < ref.users.length; u++) {
      const mine = rows.filter((i) => ref.ofUser[i] === u);
      const out = await algo.run({ user: userOf(u), items: mine.map(itemOf) }, runContext());
      perUser.push(...out.map((r) => r.score));
    }
    const users = ref.users.map((_, u) => userOf(u));
    const input: ScoreInput = { users: rows.map((i) => users[ref.ofUser[i] ?? 0] ?? {}), items: rows.map(itemOf) };
    const coalesced = (await algo.run(input, runContext())).map((r) => r.score);
    return { perUser, coalesced };
  } finally {
    await algo.close();
  }
}

const close = (got: readonly number[], want: readonly number[], what: string): void => {
  assert.equal(got.length, want.length, what);
  got.forEach((s, i) => assert.ok(Math.abs(s - (want[i] ?? NaN)) < 1e-5, `${what} row ${i}: ${s} vs numpy ${want[i]}`));
};

describe('ONNX inputs by name', () => {
  for (const Mode of ['main', 'workers'] as const) {
    it(`${Mode}: a two-input model (concatenated in the graph) scores as numpy does, the user repeated per item`, async () => {
      const got = await scoreBothWays(conf({ ModelPath: models.concat, Inputs: TWO, Mode, Threads: 1 }));
      close(got.perUser, ref.concat, 'per user');
      close(got.coalesced, ref.concat, 'coalesced');
    });

    it(`${Mode}: a three-input model with an int64 input (an embedding lookup in the graph) scores as numpy does`, async () => {
      const got = await scoreBothWays(conf({ ModelPath: models.three, Inputs: THREE, Mode, Threads: 1 }));
      close(got.perUser, ref.three, 'per user');
      close(got.coalesced, ref.three, 'coalesced');
    });
  }

  it('the Features + UserInputName config of a graph-concatenating model scores (it failed every request before)', async () => {
    const features = { User: TWO.user.User, Item: TWO.item.Item };
    const got = await scoreBothWays(conf({ ModelPath: models.concat, Features: features, UserInputName: 'user' }));
    close(got.perUser, ref.concat, 'per user');
  });

  it('scores catalog rows (ScoreInput.rows) of a three-input model as numpy does', async () => {
    const n = ref.items.length;
    const catalog = createCatalog(
      {
        dim: 8,
        itemIds: ref.items.map((_, i) => `sku-${i}`),
        itemEmbeddings: Float32Array.from(ref.items.flat()),
        itemFeatures: ref.cats.map((cat) => ({ cat })),
        userIds: [],
        userEmbeddings: new Float32Array(0),
      },
      'inputs',
    );
    const inputs = { user: TWO.user, item: { Item: [{ Name: 'embedding', Dim: 8 }] }, cat: { Item: [{ Name: 'cat' }] } };
    const algo = await onnxType.create('m', conf({ ModelPath: models.three, Inputs: inputs }), buildDeps());
    try {
      // User 0's rows, in reverse order.
      const rows = Int32Array.from(rows0(n)).reverse();
      const out = await algo.run({ items: [], rows: { rows, source: catalog.rowSource }, user: userOf(0) }, runContext());
      close(
        out.map((r) => r.score),
        Array.from(rows, (r) => ref.three[r] ?? NaN),
        'catalog rows',
      );
    } finally {
      await algo.close();
    }
  });

  it('scores catalog-free items whose features are missing with the declared defaults, and counts none as invalid', async () => {
    const inputs = { ...THREE, cat: { Item: [{ Name: 'cat', Default: 3 }] } };
    const algo = await onnxType.create('m', conf({ ModelPath: models.three, Inputs: inputs }), buildDeps());
    try {
      const a = await algo.run({ user: userOf(0), items: [{ i_emb: vec(ref.items[0] ?? []) }] }, runContext());
      const b = await algo.run({ user: userOf(0), items: [{ i_emb: vec(ref.items[0] ?? []), cat: 3 }] }, runContext());
      assert.equal(a[0]?.score, b[0]?.score);
    } finally {
      await algo.close();
    }
  });
});

describe('ONNX layout refused at config load', () => {
  const apply = async (onnx: Record<string, unknown>): Promise<PairecError> => {
    const engine = new Engine({ registry: createDefaultRegistry(), metrics: testMetrics(), logger: silentLogger });
    try {
      const config = engine.parse({ AlgoConfs: [{ Name: 'ranker', Type: 'ONNX', OnnxConf: onnx }] });
      const err = await engine.apply(config).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof PairecError, `the config was applied: ${JSON.stringify(onnx)}`);
      assert.equal(err.code, 'ERR_ALGORITHM_BUILD');
      return err;
    } finally {
      await engine.close();
    }
  };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'an input the model does not have',
      { ModelPath: models.three, Inputs: { ...THREE, nope: TWO.item } },
      /\$\.AlgoConfs\[\?\(@\.Name=="ranker"\)\]\.OnnxConf\.Inputs\["nope"\]: the model has no input "nope"/,
    ],
    ['a model input left unfed', { ModelPath: models.three, Inputs: TWO }, /OnnxConf\.Inputs: model input "cat" is not fed/],
    [
      'a width the declared input does not take',
      { ModelPath: models.three, Inputs: { ...THREE, item: { Item: [{ Name: 'i_emb', Dim: 7 }] } } },
      /OnnxConf\.Inputs\["item"\]: the features fill 7 values per row but input "item" takes 8/,
    ],
    [
      'an input type that cannot be fed',
      { ModelPath: models.double, Inputs: { x: { Item: [{ Name: 'x' }] } } },
      /OnnxConf\.Inputs\["x"\]: input "x" takes float64/,
    ],
    [
      'a width only a run shows (symbolic dimensions)',
      { ModelPath: models.symbolic, Inputs: { ...TWO, user: { User: [{ Name: 'u_emb', Dim: 4 }] } } },
      /does not run on the configured layout \("user" float32\[2, 4\], "item" float32\[2, 8\]\)/,
    ],
    [
      'Inputs and Features both',
      { ModelPath: models.concat, Inputs: TWO, Features: { User: [], Item: TWO.item.Item } },
      /OnnxConf\.Inputs replaces Features, InputName and UserInputName/,
    ],
    // Built before (its one input's width fits), then failed every request.
    [
      'a one-input Features config on a three-input model',
      { ModelPath: models.three, Features: { User: [], Item: TWO.item.Item }, InputName: 'item' },
      /model input "user" is not fed/,
    ],
  ];
  for (const [what, onnx, message] of cases) {
    it(`refuses ${what}, naming the input`, async () => {
      const err = await apply(onnx);
      assert.match(err.message, message);
      assert.match(err.message, /ranker/);
    });
  }
});
