import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { decodePBRequest, decodePBResponse, encodePBRequest, encodePBResponse, fromPBFeature, itemIdsOf, toPBFeature } from '../../src/wire/easyrec.js';
import {
  decodeEasTfRequest,
  decodeEasTfResponse,
  decodeTfRestResponse,
  decodeV2Response,
  encodeEasTfRequest,
  encodeEasTfResponse,
  encodeTfRestRequest,
  encodeV2Request,
  firstColumn,
  flatNumbers,
} from '../../src/wire/tensors.js';
import { easyRecCodec, pmmlCodec, tensorFlowCodec } from '../../src/wire/eas-codecs.js';
import type { EasConf } from '../../src/algorithm/eas/config.js';
import { BackendCallError } from '../../src/algorithm/remote/http.js';

/**
 * The wire codecs against bytes worked out by hand from the .proto files (protos/) and the
 * protocols' JSON: a codec that drops, reorders or rescales anything fails here, not only
 * in the process tests. Protobuf: tag = field << 3 | wire type; 0.5f is 00 00 00 3f and
 * 0.5 (double) 00 .. e0 3f, little-endian.
 */
const bytes = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const rows = (values: number[], count: number, width: number) => ({ data: Float32Array.from(values), count, width });
const scores = (r: readonly { score: number }[]): number[] => r.map((x) => x.score);

describe('EasyRec PBFeature values', () => {
  it('numbers: int32 range as int_feature, the rest (and fractions) as float_feature', () => {
    assert.deepEqual(toPBFeature(5), { int_feature: 5 });
    assert.deepEqual(toPBFeature(-7), { int_feature: -7 });
    assert.deepEqual(toPBFeature(2 ** 31 - 1), { int_feature: 2 ** 31 - 1 });
    assert.deepEqual(toPBFeature(-(2 ** 31 - 1)), { int_feature: -(2 ** 31 - 1) });
    assert.deepEqual(toPBFeature(2 ** 31), { float_feature: 2 ** 31 });
    assert.deepEqual(toPBFeature(-(2 ** 31)), { float_feature: -(2 ** 31) });
    assert.deepEqual(toPBFeature(1.5), { float_feature: 1.5 });
  });

  it('strings, booleans as 1/0, vectors as a comma list, nothing for undefined', () => {
    assert.deepEqual(toPBFeature('hz'), { string_feature: 'hz' });
    assert.deepEqual(toPBFeature(true), { int_feature: 1 });
    assert.deepEqual(toPBFeature(false), { int_feature: 0 });
    assert.deepEqual(toPBFeature(Float32Array.of(1.5, -2, 0.25)), { string_feature: '1.5,-2,0.25' });
    assert.deepEqual(toPBFeature(undefined), {});
  });

  it('read back: each oneof case, a number list as a vector, other strings as strings', () => {
    assert.equal(fromPBFeature(undefined), undefined);
    assert.equal(fromPBFeature({}), undefined);
    assert.equal(fromPBFeature({ float_feature: 0.5 }), 0.5);
    assert.equal(fromPBFeature({ float_feature: 0 }), 0);
    assert.equal(fromPBFeature({ int_feature: 3 }), 3);
    assert.equal(fromPBFeature({ int_feature: 0 }), 0);
    assert.equal(fromPBFeature({ long_feature: 9 }), 9);
    assert.equal(fromPBFeature({ string_feature: 'hz' }), 'hz');
    assert.equal(fromPBFeature({ string_feature: '' }), '');
    assert.equal(fromPBFeature({ string_feature: '7' }), '7');
    assert.deepEqual(fromPBFeature({ string_feature: '1.5,-2,0.25' }), Float32Array.of(1.5, -2, 0.25));
    assert.equal(fromPBFeature({ string_feature: '1,x' }), '1,x');
    assert.equal(fromPBFeature({ string_feature: 'a,b' }), 'a,b');
  });

  it('item ids: distinct ids as strings, positions when one is missing or two collide', () => {
    assert.deepEqual(itemIdsOf([{ item_id: 'a' }, { item_id: 12 }]), ['a', '12']);
    assert.deepEqual(itemIdsOf([{ item_id: 'a' }, { item_id: 'a' }]), ['0', '1']);
    assert.deepEqual(itemIdsOf([{ item_id: 'a' }, {}]), ['a', '1']);
    assert.deepEqual(itemIdsOf([{ item_id: '1' }, {}]), ['0', '1']);
    assert.deepEqual(itemIdsOf([{ item_id: true as unknown as string }, { item_id: 'b' }]), ['0', 'b']);
  });
});

describe('EasyRec PBRequest / PBResponse bytes', () => {
  // user_features{age: int 30}, item_ids ["x"], context_features{item_id: ["x"], p: [0.5f]}
  const REQUEST = `12 09 0a 03 616765 12 02 08 1e
    1a 01 78
    22 10 0a 07 6974656d5f6964 12 05 0a 03 1a 01 78
    22 0c 0a 01 70 12 07 0a 05 25 0000003f`;

  it('encodes a request field by field', () => {
    assert.equal(hexOf(encodePBRequest({ age: 30, none: undefined }, [{ item_id: 'x', p: 0.5, gone: undefined }])), hexOf(bytes(REQUEST)));
  });

  it('decodes a request: user features, ids and each item’s context features', () => {
    const r = decodePBRequest(bytes(REQUEST));
    assert.deepEqual(r.user, { age: 30 });
    assert.deepEqual(r.itemIds, ['x']);
    assert.deepEqual(r.items, [{ item_id: 'x', p: 0.5 }]);
  });

  it('decodes item ids without context features: each item is its id', () => {
    assert.deepEqual(decodePBRequest(bytes('1a 01 78 1a 01 79')).items, [{ item_id: 'x' }, { item_id: 'y' }]);
  });

  it('a feature only some items have is sent for every item (empty PBFeature for the others)', () => {
    const r = decodePBRequest(encodePBRequest(undefined, [{ item_id: 'a', c: 'k' }, { item_id: 'b' }]));
    assert.deepEqual(r.user, {});
    assert.deepEqual(r.items, [
      { item_id: 'a', c: 'k' },
      { item_id: 'b', c: undefined },
    ]);
  });

  it('encodes and decodes a response: results by id, outputs, status and error text', () => {
    const ok = `0a 0f 0a 01 61 12 0a 0a 08 000000000000e03f 2a 00 30 00`;
    assert.equal(hexOf(encodePBResponse({ results: { a: { scores: [0.5] } } })), hexOf(bytes(ok)));
    const full = encodePBResponse({ results: { a: { scores: [0.5, 2] } }, outputs: ['p', 'q'], itemIds: ['a'], statusCode: 'EXCEPTION', errorMsg: 'boom' });
    const view = decodePBResponse(full);
    assert.deepEqual(view.results, { a: { scores: [0.5, 2] } });
    assert.deepEqual(view.outputs, ['p', 'q']);
    assert.equal(view.status_code, 'EXCEPTION');
    assert.equal(view.error_msg, 'boom');
    assert.deepEqual((view as unknown as { item_ids: string[] }).item_ids, ['a']);
    // status_code 1 (INPUT_EMPTY), error_msg "e", by hand.
    const hand = decodePBResponse(bytes('2a 01 65 30 01'));
    assert.equal(hand.status_code, 'INPUT_EMPTY');
    assert.equal(hand.error_msg, 'e');
    assert.deepEqual(hand.results, {});
  });
});

describe('tensor helpers', () => {
  it('flatNumbers flattens nested arrays in order and refuses anything else', () => {
    assert.deepEqual(flatNumbers([[1, [2]], 3]), [1, 2, 3]);
    assert.deepEqual(flatNumbers(4), [4]);
    assert.throws(() => flatNumbers([1, null]), /expected numbers, got null/);
    assert.throws(() => flatNumbers(['1']), /expected numbers, got string/);
  });

  it('firstColumn: one score per row, the first of k; counts that do not divide are refused', () => {
    assert.deepEqual(scores(firstColumn([1, 2, 3], 3)), [1, 2, 3]);
    assert.deepEqual(scores(firstColumn([1, 2, 3, 4, 5, 6], 2)), [1, 4]);
    assert.deepEqual(scores(firstColumn(Float32Array.of(0.5, 9, 0.25, 9), 2)), [0.5, 0.25]);
    assert.throws(() => firstColumn([1, 2, 3], 2), /output has 3 values for 2 rows/);
    assert.throws(() => firstColumn([1], 0), /output has 1 values for 0 rows/);
    assert.throws(() => firstColumn([], 2), /output has 0 values for 2 rows/);
  });
});

describe('KServe v2 JSON', () => {
  it('a request carries exactly count × width values, the shape, and the output asked for', () => {
    const r = rows([0.5, 1, 2, 3, 99, 99], 2, 2);
    assert.equal(
      encodeV2Request(r, 'features', 'score'),
      '{"inputs":[{"name":"features","shape":[2,2],"datatype":"FP32","data":[0.5,1,2,3]}],"outputs":[{"name":"score"}]}',
    );
    assert.equal(encodeV2Request(r, 'x', undefined), '{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[0.5,1,2,3]}]}');
  });

  it('a reply: the named output (else the first), nested data flattened, one score per row', () => {
    const body = Buffer.from(
      JSON.stringify({
        outputs: [
          { name: 'a', data: [1, 2] },
          { name: 'b', data: [[3], [4]] },
        ],
      }),
    );
    assert.deepEqual(scores(decodeV2Response(body, 2, 'b')), [3, 4]);
    assert.deepEqual(scores(decodeV2Response(body, 2, undefined)), [1, 2]);
    assert.throws(() => decodeV2Response(body, 2, 'c'), /^Error: reply has no output c$/);
    assert.throws(() => decodeV2Response(body, 3, 'b'), /output "b" has 2 values for 3 rows/);
    assert.throws(() => decodeV2Response(Buffer.from('{"outputs":[]}'), 2, undefined), /^Error: reply has no output$/);
    assert.throws(() => decodeV2Response(Buffer.from('{"outputs":[3]}'), 1, undefined), /reply has no output/);
    assert.throws(() => decodeV2Response(Buffer.from('{"outputs":{}}'), 1, undefined), /no "outputs" array/);
    assert.throws(() => decodeV2Response(Buffer.from('[]'), 1, undefined), /no "outputs" array/);
    assert.throws(() => decodeV2Response(Buffer.from('null'), 1, undefined), /no "outputs" array/);
  });
});

describe('TF Serving REST JSON', () => {
  it('a request: columnar inputs as one row per item, the signature only when set', () => {
    const r = rows([1, 2, 3, 4, 99], 2, 2);
    assert.equal(encodeTfRestRequest(r, 'features', 'serving'), '{"signature_name":"serving","inputs":{"features":[[1,2],[3,4]]}}');
    assert.equal(encodeTfRestRequest(r, 'in', ''), '{"inputs":{"in":[[1,2],[3,4]]}}');
    assert.equal(encodeTfRestRequest(rows([5, 6, 7], 3, 1), 'in', ''), '{"inputs":{"in":[[5],[6],[7]]}}');
  });

  const reply = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

  it('columnar outputs: one tensor, or a map read by name (else its first entry)', () => {
    assert.deepEqual(scores(decodeTfRestResponse(reply({ outputs: [[0.5], [0.25]] }), 2, undefined)), [0.5, 0.25]);
    const map = reply({ outputs: { a: [1, 2], b: [3, 4] } });
    assert.deepEqual(scores(decodeTfRestResponse(map, 2, 'b')), [3, 4]);
    assert.deepEqual(scores(decodeTfRestResponse(map, 2, undefined)), [1, 2]);
    assert.throws(() => decodeTfRestResponse(reply({ outputs: {} }), 2, undefined), /neither "outputs" nor "predictions"/);
    assert.throws(() => decodeTfRestResponse(map, 2, 'c'), /neither "outputs" nor "predictions"/);
  });

  it('row predictions: a list of scores, or one object per row read by name (else its first key)', () => {
    assert.deepEqual(scores(decodeTfRestResponse(reply({ predictions: [0.5, 0.25] }), 2, undefined)), [0.5, 0.25]);
    const objs = reply({
      predictions: [
        { a: 1, b: [3] },
        { a: 2, b: [4] },
      ],
    });
    assert.deepEqual(scores(decodeTfRestResponse(objs, 2, 'b')), [3, 4]);
    assert.deepEqual(scores(decodeTfRestResponse(objs, 2, undefined)), [1, 2]);
    assert.throws(() => decodeTfRestResponse(reply({ predictions: [{}, {}] }), 2, undefined), /expected numbers, got undefined/);
    assert.throws(() => decodeTfRestResponse(reply({ predictions: [{ a: 1 }, 5] }), 2, 'a'), /expected numbers, got undefined/);
  });

  it('empty, missing or failed replies are errors, never empty scores', () => {
    assert.throws(() => decodeTfRestResponse(reply({ predictions: [] }), 2, undefined), /0 values for 2 rows/);
    assert.throws(() => decodeTfRestResponse(reply({ outputs: [] }), 1, undefined), /^Error: output has 0 values for 1 rows$/);
    assert.throws(() => decodeTfRestResponse(reply({}), 1, undefined), /^Error: reply has neither "outputs" nor "predictions"$/);
    assert.throws(() => decodeTfRestResponse(reply({ error: 'bad input' }), 1, undefined), /^Error: backend error: bad input$/);
    assert.throws(() => decodeTfRestResponse(reply([1]), 1, undefined), /^Error: reply is not a JSON object$/);
    assert.throws(() => decodeTfRestResponse(reply(null), 1, undefined), /not a JSON object/);
    // `error` that is not a string is no error message: the outputs are read.
    assert.deepEqual(scores(decodeTfRestResponse(reply({ error: 1, outputs: [7] }), 1, undefined)), [7]);
  });
});

describe('EAS TensorFlow processor (PredictRequest / PredictResponse)', () => {
  // signature "sig", inputs{in: DT_FLOAT, shape [1,2], float_val [1, 2]}, output_filter ["out"]
  const REQUEST = `0a 03 736967
    12 18 0a 02 696e 12 12 08 01 12 04 0a 02 01 02 1a 08 0000803f 00000040
    1a 03 6f7574`;

  it('encodes a request field by field, count × width values only', () => {
    assert.equal(hexOf(encodeEasTfRequest(rows([1, 2, 9], 1, 2), 'in', 'sig', ['out'])), hexOf(bytes(REQUEST)));
  });

  it('decodes a request: shape, values and output filter', () => {
    const r = decodeEasTfRequest(bytes(REQUEST));
    assert.deepEqual(r.inputs, { in: { shape: [1, 2], values: [1, 2] } });
    assert.deepEqual(r.outputFilter, ['out']);
    // double_val (field 4) when float_val is empty, no shape: [].
    const d = decodeEasTfRequest(bytes('12 0f 0a 01 78 12 0a 22 08 000000000000e03f'));
    assert.deepEqual(d.outputFilter, []);
    assert.deepEqual(d.inputs, { x: { shape: [], values: [0.5] } });
  });

  it('encodes a response field by field', () => {
    const hand = `0a 16 0a 01 79 12 11 08 01 12 03 0a 01 02 1a 08 0000003f 00000040`;
    assert.equal(hexOf(encodeEasTfResponse({ y: { shape: [2], values: Float32Array.of(0.5, 2) } })), hexOf(bytes(hand)));
  });

  it('decodes a response: the named output (else the first), float_val, else double_val', () => {
    const two = encodeEasTfResponse({ a: { shape: [2], values: Float32Array.of(1, 2) }, b: { shape: [2, 2], values: Float32Array.of(3, 9, 4, 9) } });
    assert.deepEqual(scores(decodeEasTfResponse(Buffer.from(two), 2, 'b')), [3, 4]);
    assert.deepEqual(scores(decodeEasTfResponse(Buffer.from(two), 2, undefined)), [1, 2]);
    assert.throws(() => decodeEasTfResponse(Buffer.from(two), 2, 'c'), /^Error: reply has no output c$/);
    assert.throws(() => decodeEasTfResponse(Buffer.alloc(0), 2, undefined), /^Error: reply has no output$/);
    // outputs{y: double_val [0.5]} by hand.
    assert.deepEqual(scores(decodeEasTfResponse(bytes('0a 0f 0a 01 79 12 0a 22 08 000000000000e03f'), 1, undefined)), [0.5]);
    // An output with no values is refused, not read as empty scores.
    assert.throws(() => decodeEasTfResponse(bytes('0a 05 0a 01 79 12 00'), 1, 'y'), /output "y" has 0 values for 1 rows/);
  });
});

const easConf = (over: Partial<EasConf>): EasConf => ({
  Processor: 'EasyRec',
  Url: 'http://eas.example:8080/api/predict/m?x=1',
  Auth: '',
  EndpointType: '',
  SignatureName: '',
  Timeout: 1000,
  RetryTimes: 0,
  ResponseFuncName: '',
  Outputs: [],
  ModelName: '',
  InputName: 'features',
  MaxReplyBytes: 1 << 20,
  ...over,
});

/** A malformed reply: counted as reason "reply", not retried. */
const badReply = (e: unknown): boolean => e instanceof BackendCallError && e.reason === 'reply' && !e.retryable;

describe('EAS codecs', () => {
  const items = [
    { item_id: 'a', p: 1 },
    { item_id: 'b', p: 2 },
  ];

  it('EasyRec: posts PBRequest to the URL’s path and query, reads scores by item id', () => {
    const c = easyRecCodec(easConf({}));
    assert.equal(c.path, '/api/predict/m?x=1');
    assert.equal(c.contentType, 'application/octet-stream');
    assert.equal(c.rowAlignedUsers, false);
    const sent = decodePBRequest(c.encode({ age: 3 }, items) as Uint8Array);
    assert.deepEqual(sent.user, { age: 3 });
    assert.deepEqual(sent.items, items);
    const body = Buffer.from(encodePBResponse({ results: { b: { scores: [0.2, 7] }, a: { scores: [0.1, 8] } }, outputs: ['p', 'q'] }));
    assert.deepEqual(c.decode(body, items, {}), [{ score: 0.1 }, { score: 0.2 }]);
  });

  it('EasyRec MutVal: a score map by output name (Outputs, else the reply’s), the counts must match', () => {
    const body = Buffer.from(encodePBResponse({ results: { a: { scores: [0.1, 8] }, b: { scores: [0.2, 7] } }, outputs: ['p', 'q'] }));
    const fromReply = easyRecCodec(easConf({ ResponseFuncName: 'EasyrecMutValResponseFunc' }));
    assert.deepEqual(fromReply.decode(body, items, {}), [
      { score: 0.1, scoreMap: { p: 0.1, q: 8 } },
      { score: 0.2, scoreMap: { p: 0.2, q: 7 } },
    ]);
    const fromConf = easyRecCodec(easConf({ ResponseFuncName: 'EasyrecMutValResponseFunc', Outputs: ['x', 'y'] }));
    assert.deepEqual(fromConf.decode(body, items, {})[1], { score: 0.2, scoreMap: { x: 0.2, y: 7 } });
    const wrong = easyRecCodec(easConf({ ResponseFuncName: 'EasyrecMutValResponseFunc', Outputs: ['x'] }));
    assert.throws(
      () => wrong.decode(body, items, {}),
      (e: unknown) => badReply(e) && /2 scores for 1 outputs/.test((e as Error).message),
    );
    const noNames = Buffer.from(encodePBResponse({ results: { a: { scores: [0.1] }, b: { scores: [0.2] } } }));
    assert.deepEqual(fromReply.decode(noNames, items, {}), [{ score: 0.1 }, { score: 0.2 }]);
  });

  it('EasyRec: a status other than OK, a missing item or an empty score list is an error', () => {
    const c = easyRecCodec(easConf({}));
    const failed = Buffer.from(encodePBResponse({ results: {}, statusCode: 'EXCEPTION', errorMsg: 'oom' }));
    assert.throws(
      () => c.decode(failed, items, {}),
      (e: unknown) => e instanceof BackendCallError && e.reason === 'status' && !e.retryable && /EasyRec status EXCEPTION: oom/.test(e.message),
    );
    const missing = Buffer.from(encodePBResponse({ results: { a: { scores: [0.1] } } }));
    assert.throws(
      () => c.decode(missing, items, {}),
      (e: unknown) => badReply(e) && /no score for item b/.test((e as Error).message),
    );
    const empty = Buffer.from(encodePBResponse({ results: { a: { scores: [0.1] }, b: { scores: [] } } }));
    assert.throws(
      () => c.decode(empty, items, {}),
      (e: unknown) => badReply(e) && /no score for item b/.test((e as Error).message),
    );
  });

  it('TensorFlow: rows from Features, the signature and output filter sent, the first output read', () => {
    const conf = easConf({
      Processor: 'TensorFlow',
      Features: { User: [{ Name: 'age', Dim: 1, Default: 0 }], Item: [{ Name: 'p', Dim: 1, Default: 0 }] },
      InputName: 'in',
      SignatureName: 'sig',
      Outputs: ['b', 'a'],
    });
    const c = tensorFlowCodec(conf);
    assert.equal(c.path, '/api/predict/m?x=1');
    assert.equal(c.rowAlignedUsers, true);
    assert.equal(c.contentType, 'application/octet-stream');
    const sent = decodeEasTfRequest(c.encode({ age: 3 }, items) as Uint8Array);
    assert.deepEqual(sent.inputs, { in: { shape: [2, 2], values: [3, 1, 3, 2] } });
    assert.deepEqual(sent.outputFilter, ['b', 'a']);
    const reply = encodeEasTfResponse({ a: { shape: [2], values: Float32Array.of(1, 2) }, b: { shape: [2], values: Float32Array.of(5, 6) } });
    assert.deepEqual(scores(c.decode(Buffer.from(reply), items, {})), [5, 6]);
    assert.throws(() => tensorFlowCodec(easConf({ Processor: 'TensorFlow' })), /Features is required/);
  });

  it('PMML: gzip JSON rows of user_⊕item features; scores, with label "0" read as class 0', () => {
    const c = pmmlCodec(easConf({ Processor: 'PMML' }));
    assert.equal(c.contentType, 'application/json');
    assert.equal(c.alwaysGzip, true);
    assert.equal(c.rowAlignedUsers, true);
    assert.equal(c.path, '/api/predict/m?x=1');
    const sent = JSON.parse(c.encode({ age: 3, v: Float32Array.of(0.5, 1) }, items) as string) as unknown;
    assert.deepEqual(sent, [
      { user_age: 3, user_v: [0.5, 1], item_id: 'a', p: 1 },
      { user_age: 3, user_v: [0.5, 1], item_id: 'b', p: 2 },
    ]);
    const perRow = JSON.parse(c.encode([{ age: 1 }, { age: 2 }], [{ e: Float32Array.of(2) }, {}]) as string) as unknown;
    assert.deepEqual(perRow, [{ user_age: 1, e: [2] }, { user_age: 2 }]);
    assert.deepEqual(JSON.parse(c.encode(undefined, [{ p: 1 }]) as string), [{ p: 1 }]);
    const list = JSON.stringify([
      { score: 0.25 },
      { score: 0.25, label: '0' },
      { score: 0.25, lable: '0' },
      { score: 0.25, label: '1' },
      { score: 0.25, label: 0 },
    ]);
    assert.deepEqual(scores(c.decode(Buffer.from(list), items, {})), [0.25, 0.75, 0.75, 0.25, 0.25]);
    assert.deepEqual(scores(c.decode(gzipSync(list), items, {})), [0.25, 0.75, 0.75, 0.25, 0.25]);
    // Only a gzip magic of both bytes means gzip.
    assert.throws(() => c.decode(Buffer.from([0x1f, 0x20]), items, {}), SyntaxError);
    assert.throws(() => c.decode(Buffer.from([0x20, 0x8b]), items, {}), SyntaxError);
    // A gzip reply inflating past 64 MiB is refused, not inflated.
    // 65 gzip members of 1 MiB each (gunzip reads them all): cheap to build, 65 MiB inflated.
    const member = gzipSync(Buffer.alloc(1 << 20, 0x20), { level: 1 });
    const bomb = Buffer.concat(Array.from({ length: 65 }, () => member));
    assert.throws(
      () => c.decode(bomb, items, {}),
      (e: unknown) => (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE',
    );
    assert.throws(
      () => c.decode(Buffer.from('{"score": 1}'), items, {}),
      (e: unknown) => badReply(e) && /not a JSON list/.test((e as Error).message),
    );
    for (const entry of ['null', '1', '{}', '{"score":"1"}']) {
      assert.throws(
        () => c.decode(Buffer.from(`[${entry}]`), items, {}),
        (e: unknown) => badReply(e) && /no numeric score/.test((e as Error).message),
      );
    }
  });
});
