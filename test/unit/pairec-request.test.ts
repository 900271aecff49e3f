import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parsePairecRecommendBody } from '../../src/server/pairec/recommend-body.js';
import { parsePairecCallbackBody } from '../../src/server/pairec/callback-body.js';
import { PairecError } from '../../src/errors.js';

/** The `pairec` API mode reads bodies as PaiRec's Go structs are filled (encoding/json), field by field. */

const fails = (fn: () => unknown, code: string, field: string): void => {
  assert.throws(fn, (e: unknown) => e instanceof PairecError && e.code === code && e.path === field);
};

describe('PaiRec recommend body', () => {
  it('fills defaults as PaiRec does: size <= 0 or absent 10, empty scene, category and request_id replaced, null unset', () => {
    const r = parsePairecRecommendBody({ uid: 'u', size: -3, scene_id: '', category: null, request_id: '', debug: null }, 500);
    assert.equal(r.size, 10);
    assert.equal(r.sceneId, 'default_scene');
    assert.equal(r.category, 'default');
    assert.match(r.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(r.debug, false);
    assert.equal(parsePairecRecommendBody({ uid: 'u' }, 500).size, 10);
  });

  it('matches keys case-insensitively, an exact key before a folded one, a later key over an earlier one', () => {
    const r = parsePairecRecommendBody(JSON.parse('{"UID":"a","Scene_Id":"s1","size":3,"SIZE":4}'), 500);
    assert.deepEqual([r.uid, r.sceneId, r.size], ['a', 's1', 4]);
  });

  it('ignores fields PaiRec ignores and type-checks the ones it has', () => {
    const r = parsePairecRecommendBody({ uid: 'u', item_id: '248791390', item_list: [{ item_id: '1111', score: 1 }], whatever: { deep: [1] } }, 500);
    assert.equal(r.uid, 'u');
    fails(() => parsePairecRecommendBody({ uid: 1 }, 500), 'ERR_INVALID_FIELD', 'uid');
    fails(() => parsePairecRecommendBody({ uid: '' }, 500), 'ERR_MISSING_FIELD', 'uid');
    fails(() => parsePairecRecommendBody({ uid: 'u', size: 2.5 }, 500), 'ERR_INVALID_FIELD', 'size');
    fails(() => parsePairecRecommendBody({ uid: 'u', size: 501 }, 500), 'ERR_INVALID_FIELD', 'size');
    fails(() => parsePairecRecommendBody({ uid: 'u', item_id: 5 }, 500), 'ERR_INVALID_FIELD', 'item_id');
    fails(() => parsePairecRecommendBody([], 500), 'ERR_INVALID_FIELD', '$');
  });

  it('keeps usable features, leaves out the rest, and merges complex_type_features converted by type', () => {
    const r = parsePairecRecommendBody(
      {
        uid: 'u',
        features: { age: 20, sex: 'male', vip: true, emb: [0.5, 1], tags: ['a'], nested: { x: 1 }, nothing: null },
        complex_type_features: [
          { name: 'age', type: 'int', values: '31.7' },
          { name: 'price', type: 'double', values: 'abc' },
          { name: 'city', type: 'string', values: 7 },
          { name: 'vec', type: 'list<float>', values: [1, '2', 'x'] },
          { name: 'ids', type: 'list<string>', values: ['a'] },
          null,
          'junk',
        ],
      },
      500,
    );
    const f = r.features;
    assert.equal(f.age, 31);
    assert.equal(f.sex, 'male');
    assert.equal(f.vip, true);
    assert.deepEqual(Array.from(f.emb as Float32Array), [0.5, 1]);
    assert.equal(f.price, 0);
    assert.equal(f.city, '7');
    assert.deepEqual(Array.from(f.vec as Float32Array), [1, 2, 0]);
    for (const dropped of ['tags', 'nested', 'nothing', 'ids']) assert.equal(Object.hasOwn(f, dropped), false, dropped);
    fails(
      () => parsePairecRecommendBody({ uid: 'u', complex_type_features: [{ name: '__proto__', type: 'int', values: 1 }] }, 500),
      'ERR_FORBIDDEN_KEY',
      'complex_type_features',
    );
    fails(() => parsePairecRecommendBody({ uid: 'u', features: 'x' }, 500), 'ERR_INVALID_FIELD', 'features');
  });
});

describe('PaiRec callback body', () => {
  const base = { uid: 'u', request_id: 'r', scene_id: 's', item_list: [{ item_id: '1' }] };

  it("accepts PaiRec's fields, numeric item ids as strings", () => {
    const c = parsePairecCallbackBody({
      ...base,
      item_list: [{ item_id: 113939841 }, { item_id: 'x', score: 1 }],
      features: { age: 25 },
      request_info: { recom_id: '1' },
      debug: true,
    });
    assert.deepEqual([c.uid, c.requestId, c.sceneId, c.items], ['u', 'r', 's', ['113939841', 'x']]);
  });

  it('requires what PaiRec requires: uid, request_id, scene_id, a non-empty item_list, an item_id per item', () => {
    for (const field of ['uid', 'request_id', 'scene_id'] as const) fails(() => parsePairecCallbackBody({ ...base, [field]: '' }), 'ERR_MISSING_FIELD', field);
    fails(() => parsePairecCallbackBody({ ...base, item_list: [] }), 'ERR_MISSING_FIELD', 'item_list');
    fails(() => parsePairecCallbackBody({ ...base, item_list: [{ score: 1 }] }), 'ERR_MISSING_FIELD', 'item_list.0.item_id');
    fails(() => parsePairecCallbackBody({ ...base, item_list: [null] }), 'ERR_MISSING_FIELD', 'item_list.0.item_id');
    fails(() => parsePairecCallbackBody({ ...base, item_list: [{ item_id: {} }] }), 'ERR_INVALID_FIELD', 'item_list.0.item_id');
    fails(() => parsePairecCallbackBody({ ...base, request_info: 'x' }), 'ERR_INVALID_FIELD', 'request_info');
  });
});
