import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startModelServerProcess } from '../helpers/model-server.js';
import { inputModels } from '../helpers/tiny-input-models.js';

/**
 * `pairec model-server` on models whose inputs are not one [N, width] tensor, started
 * without a feature spec: requests name each input, as Triton's do, and the scores are
 * those numpy computed from the generator's weights.
 */
const models = inputModels();
const ref = models.reference;
const demo = JSON.parse(await readFile(new URL('../../../models/demo-mlp.reference.json', import.meta.url), 'utf8')) as {
  inputs: number[][];
  scores: number[];
};

type Server = Awaited<ReturnType<typeof startModelServerProcess>>;
const servers: Partial<Record<'concat' | 'three' | 'split', Server>> = {};
before(async () => {
  // EasyRec and PMML requests carry feature maps: a spec in OnnxConf.Inputs' form feeds all three inputs.
  const spec = join(models.dir, 'three-spec.json');
  await writeFile(
    spec,
    JSON.stringify({ Inputs: { user: { User: [{ Name: 'u_emb', Dim: 8 }] }, item: { Item: [{ Name: 'i_emb', Dim: 8 }] }, cat: { Item: [{ Name: 'cat' }] } } }),
  );
  // Three processes started at once, shared by every case; each kept as it starts, so one that fails leaves none running.
  const started = await Promise.allSettled(
    (
      [
        ['concat', [], models.concat],
        ['three', ['--features', spec], models.three],
        ['split', [], new URL('../../../models/demo-mlp-split.onnx', import.meta.url).pathname],
      ] as const
    ).map(async ([key, args, model]) => (servers[key] = await startModelServerProcess(args, model))),
  );
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
});
after(() => {
  for (const s of Object.values(servers)) s.proc.stop('SIGKILL');
});

const base = (k: keyof typeof servers): string => {
  const s = servers[k];
  if (!s) throw new Error(`${k} did not start`);
  return s.base;
};
const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};
const userRows = ref.ofUser.map((u) => ref.users[u] ?? []);
const near = (got: readonly number[], want: readonly number[], what: string): void => {
  assert.equal(got.length, want.length, what);
  got.forEach((s, i) => assert.ok(Math.abs(s - (want[i] ?? NaN)) < 1e-5, `${what} row ${i}: ${s} vs numpy ${want[i]}`));
};
const v2Scores = (json: Record<string, unknown>): number[] => (json.outputs as { name: string; data: number[] }[]).find((o) => o.name === 'score')?.data ?? [];

describe('pairec model-server serves a model by its own declared inputs', () => {
  it('KServe v2: a two-input model (concatenated in the graph) and a three-input one with an int64 input score as numpy does', async () => {
    const n = ref.items.length;
    const two = await post(`${base('concat')}/v2/models/concat/infer`, {
      // In another order than the model declares: inputs go by name.
      inputs: [
        { name: 'item', shape: [n, 8], datatype: 'FP32', data: ref.items },
        { name: 'user', shape: [n, 8], datatype: 'FP32', data: userRows },
      ],
    });
    assert.equal(two.status, 200, JSON.stringify(two.json));
    near(v2Scores(two.json), ref.concat, 'two inputs');
    const three = await post(`${base('three')}/v2/models/three/infer`, {
      inputs: [
        { name: 'user', shape: [n, 8], datatype: 'FP32', data: userRows },
        { name: 'item', shape: [n, 8], datatype: 'FP32', data: ref.items },
        { name: 'cat', shape: [n], datatype: 'INT64', data: ref.cats },
      ],
      outputs: [{ name: 'score' }],
    });
    assert.equal(three.status, 200, JSON.stringify(three.json));
    near(v2Scores(three.json), ref.three, 'three inputs');
  });

  it('KServe v2 binary data: an INT64 section next to FP32 ones', async () => {
    const n = ref.items.length;
    const sections = [
      Buffer.from(Float32Array.from(userRows.flat()).buffer),
      Buffer.from(Float32Array.from(ref.items.flat()).buffer),
      Buffer.from(BigInt64Array.from(ref.cats, BigInt).buffer),
    ];
    const head = JSON.stringify({
      inputs: [
        { name: 'user', shape: [n, 8], datatype: 'FP32', parameters: { binary_data_size: sections[0]?.length } },
        { name: 'item', shape: [n, 8], datatype: 'FP32', parameters: { binary_data_size: sections[1]?.length } },
        { name: 'cat', shape: [n], datatype: 'INT64', parameters: { binary_data_size: sections[2]?.length } },
      ],
    });
    const res = await fetch(`${base('three')}/v2/models/three/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(Buffer.byteLength(head)) },
      body: Buffer.concat([Buffer.from(head), ...sections]),
    });
    const json = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(json));
    near(v2Scores(json), ref.three, 'binary');
  });

  it('TF Serving REST: named inputs, columnar and row format', async () => {
    const columnar = await post(`${base('three')}/v1/models/three:predict`, { inputs: { user: userRows, item: ref.items, cat: ref.cats } });
    assert.equal(columnar.status, 200, JSON.stringify(columnar.json));
    near(
      (columnar.json.outputs as number[][]).map((r) => r[0] ?? NaN),
      ref.three,
      'columnar',
    );
    const instances = ref.items.map((item, i) => ({ user: userRows[i], item, cat: ref.cats[i] }));
    const rows = await post(`${base('three')}/v1/models/three:predict`, { instances });
    assert.equal(rows.status, 200, JSON.stringify(rows.json));
    near(
      (rows.json.predictions as number[][]).map((r) => r[0] ?? NaN),
      ref.three,
      'row format',
    );
    const two = await post(`${base('concat')}/v1/models/concat:predict`, { inputs: { user: userRows, item: ref.items } });
    near(
      (two.json.outputs as number[][]).map((r) => r[0] ?? NaN),
      ref.concat,
      'two inputs',
    );
  });

  it('the shipped demo-mlp-split.onnx ([1, 64] user, [N, 64] items) starts without flags and scores like the reference', async () => {
    const users = demo.inputs.map((r) => r.slice(0, 64));
    for (let i = 0; i < 3; i++) {
      const r = await post(`${base('split')}/v2/models/demo-mlp-split/infer`, {
        inputs: [
          { name: 'user', shape: [1, 64], datatype: 'FP32', data: users[i] },
          { name: 'item', shape: [1, 64], datatype: 'FP32', data: demo.inputs[i]?.slice(64) },
        ],
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      near(v2Scores(r.json), [demo.scores[i] ?? NaN], `reference row ${i}`);
    }
  });

  it('PMML feature maps feed all three inputs through an Inputs spec file (user features prefixed user_)', async () => {
    const rows = ref.items.map((item, i) => ({ user_u_emb: userRows[i], i_emb: item, cat: ref.cats[i] }));
    const r = await post(`${base('three')}/api/predict/three_pmml`, rows);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    near(
      (r.json as unknown as { score: number }[]).map((x) => x.score),
      ref.three,
      'PMML',
    );
  });

  it('metadata lists the declared inputs with their types; a request missing, adding or misshaping an input is a 400 naming it', async () => {
    const meta = (await (await fetch(`${base('three')}/v2/models/three`)).json()) as { inputs: { name: string; datatype: string; shape: number[] }[] };
    assert.deepEqual(meta.inputs, [
      { name: 'user', datatype: 'FP32', shape: [-1, 8] },
      { name: 'item', datatype: 'FP32', shape: [-1, 8] },
      { name: 'cat', datatype: 'INT64', shape: [-1] },
    ]);
    const user = { name: 'user', shape: [1, 8], datatype: 'FP32', data: ref.users[0] };
    const item = { name: 'item', shape: [1, 8], datatype: 'FP32', data: ref.items[0] };
    const cases: [unknown[], RegExp][] = [
      [[user, item], /input "cat" missing/],
      [[user, item, { name: 'cat', shape: [1], datatype: 'INT64', data: [1] }, { name: 'nope', shape: [1], datatype: 'FP32', data: [1] }], /no input "nope"/],
      [
        [user, { ...item, shape: [1, 7], data: ref.items[0]?.slice(0, 7) }, { name: 'cat', shape: [1], datatype: 'INT64', data: [1] }],
        /input "item" has shape \[1, 7\], the model takes \[-1, 8\]/,
      ],
      [[user, item, { name: 'cat', shape: [1], datatype: 'INT64', data: [1.5] }], /input "cat" takes int64; value 1.5 is not an integer/],
    ];
    for (const [inputs, message] of cases) {
      const r = await post(`${base('three')}/v2/models/three/infer`, { inputs });
      assert.equal(r.status, 400);
      assert.match(String(r.json.error), message);
    }
    // Without a spec (none given, and the default does not fit two inputs), EasyRec and PMML answer a 400 that says so.
    const pmml = await post(`${base('split')}/api/predict/demo-mlp-split_pmml`, [{ x: 1 }]);
    assert.equal(pmml.status, 400);
    assert.match(String(pmml.json.error), /need a feature spec/);
  });
});
