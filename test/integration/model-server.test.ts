import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { createRng } from '../../src/catalog/random.js';
import { startModelServerProcess } from '../helpers/model-server.js';
import { tinyModel } from '../helpers/tiny-model.js';

/** Requests written by hand from the protocols' documentation, as `curl -d '…'` would send them. */
let server: Awaited<ReturnType<typeof startModelServerProcess>>;
before(async () => (server = await startModelServerProcess(['--token', 'tok'])));
after(() => server.proc.stop('SIGKILL'));

const rng = createRng(3);
const rows = [Array.from({ length: 128 }, () => rng.next() - 0.5), Array.from({ length: 128 }, () => rng.next() - 0.5)];

/** Scores straight from onnxruntime-node, for comparison. */
async function direct(): Promise<number[]> {
  const session = await ort.InferenceSession.create(tinyModel());
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [2, 128]) });
  await session.release();
  return Array.from(out.score?.data as Float32Array);
}

/** Same count, then every value within 1e-6 of onnxruntime's own. */
function assertScores(got: readonly number[], want: readonly number[], what: string): void {
  assert.equal(got.length, want.length, `${what}: one score per row`);
  assert.equal(want.length, rows.length);
  got.forEach((s, i) => assert.ok(Math.abs(s - (want[i] ?? Number.NaN)) < 1e-6, `${what}: row ${i} scores ${s}, onnxruntime ${want[i]}`));
}

const post = async (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const res = await fetch(`${server.base}${path}`, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('pairec model-server answers plain JSON written from the protocol documents', () => {
  it('KServe v2: health, model metadata and an infer request with flat data', async () => {
    assert.deepEqual(await (await fetch(`${server.base}/v2/health/ready`)).json(), { ready: true });
    assert.deepEqual(await (await fetch(`${server.base}/v2/health/live`)).json(), { live: true });
    const meta = (await (await fetch(`${server.base}/v2/models/tiny`)).json()) as { name: string; inputs: { name: string }[] };
    assert.equal(meta.name, 'tiny');
    assert.equal(meta.inputs[0]?.name, 'features');
    const body = `{
      "id": "42",
      "inputs": [
        { "name": "features", "shape": [2, 128], "datatype": "FP32", "data": [${rows.flat().join(', ')}] }
      ],
      "outputs": [{ "name": "score" }]
    }`;
    const { status, json } = await post('/v2/models/tiny/infer', body);
    assert.equal(status, 200);
    assert.equal(json.id, '42');
    assert.equal(json.model_name, 'tiny');
    const outputs = json.outputs as { name: string; datatype: string; shape: number[]; data: number[] }[];
    assert.equal(outputs.length, 1);
    assert.deepEqual({ name: outputs[0]?.name, datatype: outputs[0]?.datatype, shape: outputs[0]?.shape }, { name: 'score', datatype: 'FP32', shape: [2, 1] });
    assertScores(outputs[0]?.data ?? [], await direct(), 'KServe JSON');
  });

  it('KServe v2: nested (row-major) data is accepted too', async () => {
    const { status, json } = await post(
      '/v2/models/tiny/infer',
      JSON.stringify({ inputs: [{ name: 'features', shape: [2, 128], datatype: 'FP32', data: rows }] }),
    );
    assert.equal(status, 200);
    const outputs = json.outputs as { name: string; shape: number[]; data: number[] }[];
    assert.equal(outputs.length, 2, 'every output when none is asked for');
    const score = outputs.find((o) => o.name === 'score');
    assert.deepEqual(score?.shape, [2, 1]);
    assertScores(score?.data ?? [], await direct(), 'KServe nested');
  });

  it('KServe v2 binary tensor data: raw float32 in, raw float32 out; sizes that do not add up are a 400', async () => {
    const head = JSON.stringify({
      inputs: [{ name: 'features', shape: [2, 128], datatype: 'FP32', parameters: { binary_data_size: 2 * 128 * 4 } }],
      outputs: [{ name: 'score', parameters: { binary_data: true } }],
    });
    const body = Buffer.concat([Buffer.from(head), Buffer.from(Float32Array.from(rows.flat()).buffer)]);
    const send = (b: Buffer, len: number) =>
      fetch(`${server.base}/v2/models/tiny/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(len) },
        body: b,
      });
    const res = await send(body, Buffer.byteLength(head));
    assert.equal(res.status, 200);
    const reply = Buffer.from(await res.arrayBuffer());
    const len = Number(res.headers.get('inference-header-content-length'));
    const meta = JSON.parse(reply.subarray(0, len).toString('utf8')) as { outputs: { name: string; parameters: { binary_data_size: number } }[] };
    assert.equal(meta.outputs[0]?.parameters.binary_data_size, 8);
    assert.equal(reply.length, len + 8, 'the header, then 2 float32 scores');
    const scores = new Float32Array(reply.buffer.slice(reply.byteOffset + len, reply.byteOffset + len + 8));
    assertScores(Array.from(scores), await direct(), 'KServe binary');
    assert.equal((await send(body.subarray(0, body.length - 4), Buffer.byteLength(head))).status, 400);
    assert.equal((await send(body, body.length + 1)).status, 400);
  });

  it('TF Serving REST: row ("instances") and columnar ("inputs") requests', async () => {
    const want = await direct();
    const r1 = await post('/v1/models/tiny:predict', JSON.stringify({ signature_name: 'serving_default', instances: rows }));
    assert.equal(r1.status, 200);
    const p = r1.json.predictions as { score: number[] }[];
    assert.ok(Array.isArray(p), 'predictions is a list');
    assert.equal(p.length, rows.length, 'one prediction per instance');
    p.forEach((row) => assert.equal(row.score.length, 1, 'one score per instance'));
    assertScores(
      p.map((row) => row.score[0] ?? Number.NaN),
      want,
      'TF Serving instances',
    );
    const r2 = await post('/v1/models/tiny:predict', JSON.stringify({ inputs: { features: rows } }));
    assert.equal(r2.status, 200);
    const o = r2.json.outputs as { score: number[][] };
    assert.ok(Array.isArray(o.score), 'outputs.score is a list');
    assert.equal(o.score.length, rows.length, 'one row of outputs per input row');
    o.score.forEach((row) => assert.equal(row.length, 1, 'one score per row'));
    assertScores(
      o.score.map((row) => row[0] ?? Number.NaN),
      want,
      'TF Serving inputs',
    );
  });

  it('answers mistakes with the protocol error shape and keeps serving', async () => {
    const cases: [string, string, number][] = [
      ['/v2/models/nope/infer', '{"inputs":[]}', 404],
      ['/v2/models/tiny/infer', '{"inputs": [', 400],
      ['/v2/models/tiny/infer', '{"inputs":[{"name":"features","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}', 400],
      ['/v2/models/tiny/infer', '{"inputs":[{"name":"features","shape":[2,128],"datatype":"FP32","data":[1]}]}', 400],
      ['/v2/models/tiny/infer', '{"inputs":[{"name":"features","shape":[1,128],"datatype":"FP32","data":["a"]}]}', 400],
      ['/v1/models/tiny:classify', '{}', 404],
    ];
    for (const [path, body, status] of cases) {
      const r = await post(path, body);
      assert.equal(r.status, status, `${path} ${body.slice(0, 40)}`);
      assert.equal(typeof r.json.error, 'string');
    }
    const bin = { 'content-type': 'application/octet-stream' };
    assert.equal((await post('/api/predict/tiny', 'x', bin)).status, 401, 'EAS without the token');
    assert.equal((await post('/api/predict/tiny', '\u00ff\u00ff\u00ff', { ...bin, authorization: 'tok' })).status, 400, 'garbage protobuf');
    assert.equal((await post('/api/predict/other', '', { ...bin, authorization: 'tok' })).status, 404);
    assert.deepEqual(await (await fetch(`${server.base}/v2/health/ready`)).json(), { ready: true });
  });
});
