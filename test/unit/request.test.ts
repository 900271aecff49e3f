import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRecommendBody } from '../../src/server/request.js';
import { MAX_BODY_DEPTH, parseJsonBody } from '../../src/server/json-body.js';
import { PairecError } from '../../src/errors.js';

function parse(text: string) {
  return parseRecommendBody(parseJsonBody(text), 500);
}

function codeOf(text: string): string {
  try {
    parse(text);
    return 'OK';
  } catch (err) {
    assert.ok(err instanceof PairecError, `typed error for ${text}: ${String(err)}`);
    return `${err.code}@${err.path ?? ''}`;
  }
}

describe('recommend request', () => {
  it('applies PaiRec’s defaults', () => {
    const r = parse('{"uid":"42"}');
    assert.equal(r.uid, '42');
    assert.equal(r.size, 10);
    assert.equal(r.sceneId, 'default_scene');
    assert.equal(r.category, 'default');
    assert.equal(r.debug, false);
    assert.deepEqual(r.features, {});
    assert.match(r.requestId, /^[0-9a-f-]{36}$/);
  });

  it('keeps given fields', () => {
    const r = parse('{"uid":"7","size":3,"scene_id":"s","category":"c","features":{"age":3,"city":"x"},"debug":true,"request_id":"r1"}');
    assert.deepEqual({ ...r }, { requestId: 'r1', uid: '7', size: 3, sceneId: 's', category: 'c', features: { age: 3, city: 'x' }, debug: true });
  });

  const table: [string, string][] = [
    ['{bad', 'ERR_MALFORMED_JSON@'],
    ['', 'ERR_MALFORMED_JSON@'],
    ['[]', 'ERR_INVALID_FIELD@$'],
    ['null', 'ERR_INVALID_FIELD@$'],
    ['"uid"', 'ERR_INVALID_FIELD@$'],
    ['{}', 'ERR_MISSING_FIELD@uid'],
    ['{"uid":123}', 'ERR_INVALID_FIELD@uid'],
    ['{"uid":""}', 'ERR_INVALID_FIELD@uid'],
    ['{"uid":"1","size":-1}', 'ERR_INVALID_FIELD@size'],
    ['{"uid":"1","size":0}', 'ERR_INVALID_FIELD@size'],
    ['{"uid":"1","size":1.5}', 'ERR_INVALID_FIELD@size'],
    ['{"uid":"1","size":1e9}', 'ERR_INVALID_FIELD@size'],
    ['{"uid":"1","size":"10"}', 'ERR_INVALID_FIELD@size'],
    ['{"uid":"1","debug":"yes"}', 'ERR_INVALID_FIELD@debug'],
    ['{"uid":"1","features":{"a":{"b":1}}}', 'ERR_INVALID_FIELD@features.a'],
    ['{"uid":"1","features":[]}', 'ERR_INVALID_FIELD@features'],
    ['{"uid":"1","extra":1}', 'ERR_UNKNOWN_FIELD@extra'],
    ['{"__proto__":{"x":1},"uid":"1"}', 'ERR_FORBIDDEN_KEY@__proto__'],
    ['{"uid":"1","features":{"constructor":{"prototype":{"x":1}}}}', 'ERR_FORBIDDEN_KEY@features.constructor'],
    ['{"uid":"1","features":{"\\u005f_proto__":1}}', 'ERR_FORBIDDEN_KEY@features.__proto__'],
    [`{"uid":"1","features":{"a":${'['.repeat(15)}1${']'.repeat(15)}}}`, 'ERR_INVALID_FIELD@features.a[0][0][0][0][0][0][0][0][0][0][0][0][0][0]'],
    [`${'['.repeat(5000)}${']'.repeat(5000)}`, 'ERR_INVALID_FIELD@[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]'],
  ];
  for (const [body, expected] of table) {
    it(`answers ${body || '(empty)'} with ${expected}`, () => assert.equal(codeOf(body), expected));
  }

  it('accepts nesting up to MAX_BODY_DEPTH (the schema then judges the shape)', () => {
    assert.doesNotThrow(() => parseJsonBody(`{"a":${'['.repeat(MAX_BODY_DEPTH - 1)}1${']'.repeat(MAX_BODY_DEPTH - 1)}}`));
    assert.throws(() => parseJsonBody(`{"a":${'['.repeat(MAX_BODY_DEPTH)}1${']'.repeat(MAX_BODY_DEPTH)}}`), /nests deeper than 16/);
  });

  it('never pollutes Object.prototype', () => {
    codeOf('{"__proto__":{"polluted":1},"uid":"1"}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('property: any JSON text yields a request or a typed 4xx error, never anything else', () => {
    const body = fc.oneof(
      fc.json(),
      fc
        .record(
          {
            uid: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
            size: fc.oneof(fc.integer(), fc.double(), fc.string()),
            scene_id: fc.string(),
            debug: fc.oneof(fc.boolean(), fc.string()),
            features: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(body, (text) => {
        try {
          const r = parse(text);
          assert.equal(typeof r.uid, 'string');
          assert.ok(Number.isInteger(r.size) && r.size >= 1 && r.size <= 500);
        } catch (err) {
          assert.ok(err instanceof PairecError);
          assert.ok(err.status >= 400 && err.status < 500, `${err.code} is a client error`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
