import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { kserveType } from '../../src/algorithm/kserve/index.js';
import { tfservingType } from '../../src/algorithm/tfserving/index.js';
import type { Algorithm, ScoreInput } from '../../src/algorithm/contract.js';
import type { AlgorithmTypeDef } from '../../src/algorithm/registry.js';
import { HEADER_LENGTH, decodeV2BinaryOutput, encodeV2BinaryRequest, float32Bytes, float32From, packBinary, unpackBinary } from '../../src/wire/v2-binary.js';
import { BadBackend, send } from '../helpers/bad-backend.js';
import type { Behaviour } from '../helpers/bad-backend.js';
import { buildDeps, runContext } from '../helpers/context.js';

/**
 * The Open Inference Protocol's binary tensor extension against bytes worked out by hand
 * (1.0f = 00 00 80 3f, 2.0f = 00 00 00 40, little-endian), and the KSERVE / TFSERVING
 * types over loopback HTTP: the path, headers and body they send, the scores they read.
 */
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('v2 binary tensor data', () => {
  it('float32 bytes of a view, and back from a slice at any offset', () => {
    const whole = Float32Array.of(9, 1, 2);
    assert.equal(hex(float32Bytes(whole.subarray(1))), '0000803f00000040');
    const body = Buffer.from('7a0000803f00000040', 'hex');
    assert.deepEqual(float32From(body.subarray(1)), Float32Array.of(1, 2));
    assert.deepEqual(float32From(Buffer.alloc(0)), new Float32Array(0));
    assert.throws(() => float32From(Buffer.alloc(6)), /binary tensor of 6 bytes is not float32/);
  });

  it('pack: the header length counts UTF-8 bytes, sections follow in order', () => {
    const { body, headerLength } = packBinary({ n: 'é' }, [Buffer.from([1]), Buffer.from([2, 3])]);
    assert.equal(headerLength, 10); // {"n":"é"} is 9 characters, 10 bytes
    assert.equal(hex(body), `${Buffer.from('{"n":"é"}').toString('hex')}010203`);
  });

  it('unpack: sections by name in header order; entries without a size carry no bytes', () => {
    const header = {
      outputs: [
        { name: 'a', parameters: { binary_data_size: 2 } },
        { name: 'j', data: [1] },
        { name: 'p', parameters: {} },
        7,
        { name: 'b', parameters: { binary_data_size: 0 } },
        { name: 'c', parameters: { binary_data_size: 1 } },
      ],
    };
    const { body, headerLength } = packBinary(header, [Buffer.from([1, 2]), Buffer.from([3])]);
    const { header: h, sections } = unpackBinary(body, headerLength, 'outputs');
    assert.deepEqual(h, header);
    assert.deepEqual([...sections.keys()], ['a', 'b', 'c']);
    assert.equal(hex(sections.get('a') as Buffer), '0102');
    assert.equal(hex(sections.get('b') as Buffer), '');
    assert.equal(hex(sections.get('c') as Buffer), '03');
    // Another list key reads no sections: the bytes are then left over.
    assert.throws(() => unpackBinary(body, headerLength, 'inputs'), /^Error: 3 bytes after the binary sections$/);
    const none = packBinary({ outputs: 'x' }, []);
    assert.equal(unpackBinary(none.body, none.headerLength, 'outputs').sections.size, 0);
  });

  it('unpack refuses a header length or sizes that do not fit the body', () => {
    const ok = packBinary({ outputs: [{ name: 'a', parameters: { binary_data_size: 4 } }] }, [Buffer.alloc(4)]);
    for (const len of [-1, 1.5, ok.body.length + 1, Number.NaN]) {
      assert.throws(() => unpackBinary(ok.body, len, 'outputs'), new RegExp(`^Error: ${HEADER_LENGTH} ${len} does not fit a body of ${ok.body.length} bytes$`));
    }
    assert.throws(() => unpackBinary(ok.body, ok.headerLength - 1, 'outputs'), SyntaxError);
    const arr = packBinary([] as unknown as Record<string, unknown>, []);
    assert.throws(() => unpackBinary(arr.body, arr.headerLength, 'outputs'), /^Error: binary header is not a JSON object$/);
    const nul = Buffer.from('null');
    assert.throws(() => unpackBinary(nul, 4, 'outputs'), /not a JSON object/);
    for (const size of [5, -1, 1.5, '4']) {
      const bad = packBinary({ outputs: [{ name: 'a', parameters: { binary_data_size: size } }] }, [Buffer.alloc(4)]);
      assert.throws(() => unpackBinary(bad.body, bad.headerLength, 'outputs'), /^Error: binary_data_size of "a" does not fit the body$/);
    }
    // No header at all is not a header of length 0 read as an object.
    assert.throws(() => unpackBinary(packBinary({ outputs: [] }, []).body, 0, 'outputs'), SyntaxError);
    // The whole body exactly: header length = body length, no sections.
    const bare = packBinary({ outputs: [] }, []);
    assert.equal(unpackBinary(bare.body, bare.body.length, 'outputs').sections.size, 0);
  });

  it('a request: one FP32 section of count × width values; binary outputs asked for', () => {
    const rows = { data: Float32Array.of(1, 2, 9), count: 1, width: 2 };
    const named = encodeV2BinaryRequest(rows, 'in', 'score');
    const head =
      '{"inputs":[{"name":"in","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}],"outputs":[{"name":"score","parameters":{"binary_data":true}}]}';
    assert.equal(named.headerLength, head.length);
    assert.equal(hex(named.body), Buffer.from(head).toString('hex') + '0000803f00000040');
    const first = encodeV2BinaryRequest(rows, 'in', undefined);
    assert.equal(
      first.body.subarray(0, first.headerLength).toString(),
      '{"inputs":[{"name":"in","shape":[1,2],"datatype":"FP32","parameters":{"binary_data_size":8}}],"parameters":{"binary_data_output":true}}',
    );
  });

  it('a reply: binary FP32 section, or JSON data when the output has no section, or plain JSON', () => {
    const header = {
      outputs: [
        { name: 'a', datatype: 'FP32', parameters: { binary_data_size: 8 } },
        { name: 'b', datatype: 'FP32', data: [[5], [6]] },
        { name: 'i', datatype: 'INT32', parameters: { binary_data_size: 4 } },
        { name: 'n', datatype: 'FP32' },
      ],
    };
    const { body, headerLength } = packBinary(header, [float32Bytes(Float32Array.of(1, 2)), Buffer.alloc(4)]);
    assert.deepEqual(decodeV2BinaryOutput(body, headerLength, 'a'), Float32Array.of(1, 2));
    assert.deepEqual(decodeV2BinaryOutput(body, headerLength, undefined), Float32Array.of(1, 2));
    assert.deepEqual(decodeV2BinaryOutput(body, headerLength, 'b'), [5, 6]);
    assert.throws(() => decodeV2BinaryOutput(body, headerLength, 'i'), /^Error: binary output "i" is INT32, not FP32$/);
    assert.throws(() => decodeV2BinaryOutput(body, headerLength, 'n'), /^Error: output "n" has no data$/);
    assert.throws(() => decodeV2BinaryOutput(body, headerLength, 'z'), /^Error: reply has no output z$/);
    const json = Buffer.from(JSON.stringify({ outputs: [{ name: 'x', data: [[1, [2]], 3] }] }));
    assert.deepEqual(decodeV2BinaryOutput(json, undefined, undefined), [1, 2, 3]);
    assert.throws(() => decodeV2BinaryOutput(Buffer.from('{"outputs":[]}'), undefined, undefined), /^Error: reply has no output$/);
    assert.throws(() => decodeV2BinaryOutput(Buffer.from('{"outputs":{}}'), undefined, undefined), /^Error: reply has no "outputs" array$/);
    assert.throws(() => decodeV2BinaryOutput(Buffer.from('[]'), undefined, undefined), /no "outputs" array/);
  });
});

const SPEC = { User: [{ Name: 'age' }], Item: [{ Name: 'p' }] };
const input: ScoreInput = {
  user: { age: 3 },
  items: [
    { item_id: 'a', p: 1 },
    { item_id: 'b', p: 2 },
  ],
};

let backend: BadBackend;
before(async () => (backend = await BadBackend.start()));
after(() => backend.close());

async function build(def: AlgorithmTypeDef<'score'>, conf: Record<string, unknown>): Promise<Algorithm<'score'>> {
  const full = Value.Default(def.schema, structuredClone(conf));
  assert.ok(Value.Check(def.schema, full), JSON.stringify([...Value.Errors(def.schema, full)]));
  return def.create('remote', full as never, buildDeps());
}

describe('KSERVE and TFSERVING over HTTP', () => {
  it('KSERVE JSON: /v2/models/<m>/versions/<v>/infer under the base path, rows as FP32 data', async () => {
    const algo = await build(kserveType, { Url: `${backend.base}/base/`, ModelName: 'm/x', ModelVersion: '2 b', Features: SPEC, OutputName: 'y' });
    assert.equal(algo.type, 'KSERVE');
    backend.script(
      send(
        200,
        JSON.stringify({
          outputs: [
            { name: 'z', data: [0, 0] },
            { name: 'y', data: [0.5, 0.25] },
          ],
        }),
      ),
    );
    assert.deepEqual(
      (await algo.run(input, runContext(2000))).map((r) => r.score),
      [0.5, 0.25],
    );
    const call = backend.calls[0];
    assert.equal(call?.url, '/base/v2/models/m%2Fx/versions/2%20b/infer');
    assert.equal(call?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(call?.body.toString() ?? ''), {
      inputs: [{ name: 'features', shape: [2, 2], datatype: 'FP32', data: [3, 1, 3, 2] }],
      outputs: [{ name: 'y' }],
    });
    await algo.close();
  });

  it('KSERVE binary: the header length header, raw float32 rows, binary scores read back', async () => {
    const algo = await build(kserveType, { Url: backend.base, ModelName: 'm', Features: SPEC, BinaryData: true });
    const reply = packBinary({ outputs: [{ name: 's', datatype: 'FP32', shape: [2, 1], parameters: { binary_data_size: 8 } }] }, [
      float32Bytes(Float32Array.of(0.5, 0.25)),
    ]);
    const answer: Behaviour = (_req, _body, res) => void res.writeHead(200, { [HEADER_LENGTH]: String(reply.headerLength) }).end(reply.body);
    backend.script(answer);
    assert.deepEqual(
      (await algo.run(input, runContext(2000))).map((r) => r.score),
      [0.5, 0.25],
    );
    const call = backend.calls[0];
    assert.equal(call?.url, '/v2/models/m/infer');
    assert.equal(call?.headers['content-type'], 'application/octet-stream');
    const length = Number(call?.headers[HEADER_LENGTH]);
    const sent = unpackBinary(call?.body ?? Buffer.alloc(0), length, 'inputs');
    assert.deepEqual(float32From(sent.sections.get('features') as Buffer), Float32Array.of(3, 1, 3, 2));
    assert.deepEqual(sent.header.parameters, { binary_data_output: true });
    // A reply without the header is plain JSON.
    backend.script(send(200, JSON.stringify({ outputs: [{ name: 's', data: [[0.75], [0.125]] }] })));
    assert.deepEqual(
      (await algo.run(input, runContext(2000))).map((r) => r.score),
      [0.75, 0.125],
    );
    await algo.close();
  });

  it('TFSERVING: the predict URL as configured, rows as instances of the input, the first Output read', async () => {
    const algo = await build(tfservingType, {
      Url: `${backend.base}/v1/models/m:predict?x=1`,
      Features: SPEC,
      SignatureName: 'sig',
      Outputs: ['b'],
      InputName: 'in',
    });
    assert.equal(algo.type, 'TFSERVING');
    backend.script(send(200, JSON.stringify({ outputs: { a: [9, 9], b: [[0.5], [0.25]] } })));
    assert.deepEqual(
      (await algo.run(input, runContext(2000))).map((r) => r.score),
      [0.5, 0.25],
    );
    const call = backend.calls[0];
    assert.equal(call?.url, '/v1/models/m:predict?x=1');
    assert.equal(call?.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(call?.body.toString() ?? ''), {
      signature_name: 'sig',
      inputs: {
        in: [
          [3, 1],
          [3, 2],
        ],
      },
    });
    await algo.close();
  });

  it('per-row users of a coalesced run go in one call, each row with its own user', async () => {
    const rowsRun: ScoreInput = { items: input.items, users: [{ age: 5 }, { age: 7 }] };
    const json = await build(kserveType, { Url: backend.base, ModelName: 'm', Features: SPEC });
    backend.script(send(200, JSON.stringify({ outputs: [{ name: 's', data: [1, 2] }] })));
    await json.run(rowsRun, runContext(2000));
    assert.equal(backend.calls.length, 1);
    assert.deepEqual((JSON.parse(backend.calls[0]?.body.toString() ?? '') as { inputs: { data: number[] }[] }).inputs[0]?.data, [5, 1, 7, 2]);
    await json.close();
    const bin = await build(kserveType, { Url: backend.base, ModelName: 'm', Features: SPEC, BinaryData: true });
    backend.script(send(200, JSON.stringify({ outputs: [{ name: 's', data: [1, 2] }] })));
    await bin.run(rowsRun, runContext(2000));
    assert.equal(backend.calls.length, 1);
    await bin.close();
    const tf = await build(tfservingType, { Url: `${backend.base}/v1/models/m:predict`, Features: SPEC });
    backend.script(send(200, JSON.stringify({ predictions: [1, 2] })));
    await tf.run(rowsRun, runContext(2000));
    assert.equal(backend.calls.length, 1);
    assert.deepEqual(JSON.parse(backend.calls[0]?.body.toString() ?? ''), {
      inputs: {
        features: [
          [5, 1],
          [7, 2],
        ],
      },
    });
    await tf.close();
  });

  it('a Url that is not a URL fails the build with ERR_ALGORITHM_BUILD', async () => {
    const refused = (e: unknown): boolean => (e as { code?: string }).code === 'ERR_ALGORITHM_BUILD' && /is not a URL/.test((e as Error).message);
    await assert.rejects(build(kserveType, { Url: 'not a url', ModelName: 'm', Features: SPEC }), refused);
    await assert.rejects(build(tfservingType, { Url: 'not a url', Features: SPEC }), refused);
  });
});
