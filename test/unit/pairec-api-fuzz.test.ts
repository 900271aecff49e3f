import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startProbeApp } from '../helpers/probe-app.js';
import type { ProbeApp } from '../helpers/probe-app.js';

/**
 * ListenConf.ApiMode "pairec" reads any body on any content type: whatever arrives, the
 * answer is PaiRec's envelope (code, msg, request_id), never a 5xx and never a stack, and
 * every admission slot is given back. In-process (fastify inject) so that hundreds of
 * bodies take a second; the real process is test/integration/pairec-api.test.ts.
 */

const config = {
  ListenConf: { ApiMode: 'pairec' },
  CatalogConf: { Demo: { Items: 60, Users: 5, Dim: 4, Clusters: 5, Categories: 2 }, CacheDir: '' },
  AlgoConfs: [{ Name: 'popularity_lookup', Type: 'LOOKUP', LookupConf: { FieldName: 'popularity' } }],
  RecallConfs: [{ Name: 'hot', RecallType: 'UserGlobalHotRecall', RecallCount: 30 }],
  SceneConfs: { default_scene: { default: { RecallNames: ['hot'] } }, home_feed: { default: { RecallNames: ['hot'] } } },
  RankConf: { default_scene: { RankAlgoList: ['popularity_lookup'] } },
};

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', 'home_feed', 'no_scene', '__proto__'),
);
const value = fc.oneof(scalar, fc.jsonValue({ maxDepth: 3 }), fc.array(fc.double(), { maxLength: 5 }));
const complexEntry = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'age'), value),
    type: fc.constantFrom('int', 'int64', 'float', 'double', 'string', 'list<float>', 'list<int>', 'list<string>', 'map<string,int>', 'nope'),
    values: value,
  },
  { requiredKeys: [] },
);
/** Mostly a well-typed value (so that later fields get read too), sometimes anything. */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<T | unknown> => fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: value });
/** PaiRec's fields, each with a plausible value or any value; keys in other cases too. */
const pairecBody = fc
  .record(
    {
      uid: mostly(fc.string({ minLength: 1, maxLength: 10 })),
      Size: mostly(fc.integer({ min: -5, max: 600 })),
      scene_id: mostly(fc.constantFrom('home_feed', 'default_scene', 'nope', '')),
      category: mostly(fc.string({ maxLength: 6 })),
      request_id: mostly(fc.string({ maxLength: 20 })),
      debug: mostly(fc.boolean()),
      features: mostly(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 6 })),
      complex_type_features: mostly(fc.array(fc.oneof(complexEntry, complexEntry, value, fc.constant(null)), { maxLength: 4 })),
      item_id: mostly(fc.string({ maxLength: 6 })),
      item_list: mostly(
        fc.array(
          fc.oneof(fc.record({ item_id: mostly(fc.oneof(fc.string({ maxLength: 6 }), fc.integer())) }, { requiredKeys: [] }), value, fc.constant(null)),
          { maxLength: 4 },
        ),
      ),
      experiment_id: mostly(fc.string({ maxLength: 6 })),
      request_info: mostly(fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 })),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const body = fc.oneof(
  { weight: 5, arbitrary: pairecBody },
  { weight: 1, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 64 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      '[]',
      'null',
      '{"uid":"1"}{"uid":"2"}',
      'uid=1&size=10',
      '{"UID":"1","Scene_ID":"home_feed","SIZE":2}',
      '{"uid":"1","__proto__":{"a":1}}',
      '{"uid":"1","a":' + '['.repeat(40) + ']'.repeat(40) + '}',
    ),
  },
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'garbage/+;;',
  'application/json; charset=latin1',
);
const route = fc.constantFrom('/api/recommend', '/api/rec/feed', '/api/callback');

describe('ListenConf.ApiMode "pairec": any body (fast-check)', () => {
  let probe: ProbeApp | undefined;
  before(async () => {
    probe = await startProbeApp(config);
  });
  after(async () => {
    await probe?.close();
  });

  it('answers every body with PaiRec envelope, below 500, without a stack, and frees every admission slot', async () => {
    const app = probe?.app;
    assert.ok(app);
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(route, body, contentType, async (url, payload, type) => {
        const res = await app.inject({ method: 'POST', url, payload, headers: type === undefined ? {} : { 'content-type': type } });
        answered++;
        assert.ok(res.statusCode < 500, `${res.statusCode} ${res.body}`);
        assert.doesNotMatch(res.body, /\n\s+at |\.[jt]s:\d+:\d+/, 'no stack trace in an answer');
        const answer = JSON.parse(res.body) as { code?: unknown; msg?: unknown; request_id?: unknown; error_code?: unknown };
        assert.equal(typeof answer.code, 'number', res.body);
        assert.equal(typeof answer.msg, 'string', res.body);
        assert.equal(typeof answer.request_id, 'string', res.body);
        if (res.statusCode === 200) {
          assert.ok([200, 299, 400].includes(answer.code as number), res.body);
          if (answer.code === 400) assert.equal(typeof answer.error_code, 'string', res.body);
        } else {
          // Only the body limits keep an HTTP error status (none is reached here).
          assert.fail(`HTTP ${res.statusCode}: ${res.body}`);
        }
      }),
      { numRuns: 600 },
    );
    assert.equal(answered, 600);
    const inFlight = await probe?.metrics.registry.getSingleMetric('pairec_admission_in_flight')?.get();
    assert.deepEqual(
      inFlight?.values.map((v) => v.value),
      [0],
    );
  });
});

describe('ListenConf.ApiMode "strict" (the default) keeps its answers', () => {
  let probe: ProbeApp | undefined;
  before(async () => {
    probe = await startProbeApp({ ...config, ListenConf: {} });
  });
  after(async () => {
    await probe?.close();
  });

  it("refuses PaiRec's form posts and leniencies, serves no /api/rec/feed, answers /ping", async () => {
    const app = probe?.app;
    assert.ok(app);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const send = async (
      url: string,
      payload: string,
      headers: Record<string, string> = { 'content-type': 'application/json' },
    ): Promise<[number, string | undefined]> => {
      const res = await app.inject({ method: 'POST', url, payload, headers });
      return [res.statusCode, (JSON.parse(res.body) as { error_code?: string }).error_code];
    };
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","size":3}', form), [415, 'ERR_UNSUPPORTED_MEDIA_TYPE']);
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","size":0}'), [400, 'ERR_INVALID_FIELD']);
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","item_list":[{"item_id":"2"}]}'), [400, 'ERR_UNKNOWN_FIELD']);
    // item_id is a field of the strict request (ItemCollaborativeFilterRecall reads it), checked like the others.
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","item_id":"2"}'), [200, undefined]);
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","item_id":2}'), [400, 'ERR_INVALID_FIELD']);
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","item_id":""}'), [400, 'ERR_INVALID_FIELD']);
    assert.deepEqual(await send('/api/recommend', '{"uid":"1","scene_id":"nope"}'), [404, 'ERR_UNKNOWN_SCENE']);
    assert.deepEqual(await send('/api/callback', '{"uid":"1","item_list":[{"item_id":"2"}],"features":{}}'), [400, 'ERR_UNKNOWN_FIELD']);
    assert.deepEqual(await send('/api/rec/feed', '{"uid":"1"}'), [404, 'ERR_NOT_FOUND']);
    const ok = await app.inject({ method: 'POST', url: '/api/recommend', payload: '{"uid":"1","size":100}', headers: { 'content-type': 'application/json' } });
    const body = JSON.parse(ok.body) as { code: number; items: Record<string, unknown>[] };
    assert.equal(body.code, 200, 'fewer items than asked is still code 200 in the strict API');
    assert.equal(Object.hasOwn(body.items[0] ?? {}, 'item_type'), false);
    const ping = await app.inject({ method: 'GET', url: '/ping' });
    assert.deepEqual([ping.statusCode, ping.body], [200, 'success']);
  });
});
