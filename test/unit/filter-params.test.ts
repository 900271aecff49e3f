import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileParams, paramProblem } from '../../src/pipeline/filter/params.js';
import { FILTER_TYPES, uniqueFilter } from '../../src/pipeline/filter/index.js';
import type { FilterParam } from '../../src/pipeline/filter/params.js';
import type { FilterConf } from '../../src/config/schema.js';
import type { Value } from '../../src/expression/condition.js';
import type { Candidate } from '../../src/pipeline/context.js';
import { MemoryExposureStore } from '../../src/store/exposure-store.js';
import { stageContext } from '../helpers/pipeline.js';

/**
 * FilterParams against a reference written from PaiRec's operator table, case by case
 * (no shared helper with the code): every operator, at its boundary, with values of the
 * other type and null; then the filters with no other unit test of their own.
 */
function reference(op: FilterParam['Operator'], field: Value, value: Value | Value[] | undefined): boolean | undefined {
  const one = Array.isArray(value) ? (value.length > 0 ? value[0] : null) : (value ?? null);
  const list = Array.isArray(value) ? value : [value ?? null];
  const bothNumbers = typeof field === 'number' && typeof one === 'number';
  const bothStrings = typeof field === 'string' && typeof one === 'string';
  const sign = bothNumbers ? Math.sign(field - one) : bothStrings ? Math.sign(field.localeCompare(one)) : undefined;
  switch (op) {
    case 'equal':
      return field === one;
    case 'not_equal':
      return field !== one;
    case 'in':
      return list.some((v) => v === field || (Number.isNaN(v) && Number.isNaN(field)));
    case 'not_in':
      return !list.some((v) => v === field || (Number.isNaN(v) && Number.isNaN(field)));
    case 'greater':
      return sign === 1;
    case 'greaterThan':
      return sign === 1 || sign === 0;
    case 'less':
      return sign === -1;
    case 'lessThan':
      return sign === -1 || sign === 0;
    case 'is_null':
      return field === null;
    case 'is_not_null':
      return field !== null;
  }
  return undefined;
}

const OPS: FilterParam['Operator'][] = ['equal', 'not_equal', 'in', 'not_in', 'greater', 'greaterThan', 'less', 'lessThan', 'is_null', 'is_not_null'];
const scalar = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', 'B', ''), fc.constant(null), fc.boolean());

describe('FilterParams', () => {
  it('each operator at its boundary, numbers and strings', () => {
    const holds = (op: FilterParam['Operator'], field: Value, value: Value | Value[]): boolean =>
      compileParams([{ Name: 'x', Operator: op, Value: value }])(() => field);
    const table: [FilterParam['Operator'], Value, Value, boolean][] = [
      ['greater', 2, 1, true],
      ['greater', 1, 1, false],
      ['greater', 0, 1, false],
      ['greaterThan', 2, 1, true],
      ['greaterThan', 1, 1, true],
      ['greaterThan', 0, 1, false],
      ['less', 0, 1, true],
      ['less', 1, 1, false],
      ['less', 2, 1, false],
      ['lessThan', 0, 1, true],
      ['lessThan', 1, 1, true],
      ['lessThan', 2, 1, false],
      ['greater', 'b', 'a', true],
      ['greater', 'a', 'a', false],
      ['less', 'a', 'b', true],
      ['lessThan', 'a', 'a', true],
      ['greater', '2', 1, false],
      ['less', '0', 1, false],
      ['greaterThan', null, 0, false],
      ['lessThan', null, 0, false],
      ['equal', 1, 1, true],
      ['equal', '1', 1, false],
      ['not_equal', '1', 1, true],
      ['not_equal', 1, 1, false],
      ['is_null', null, null, true],
      ['is_null', 0, null, false],
      ['is_not_null', 0, null, true],
      ['is_not_null', null, null, false],
    ];
    for (const [op, field, value, want] of table) assert.equal(holds(op, field, value), want, `${String(field)} ${op} ${String(value)}`);
    assert.equal(holds('in', 2, [1, 2]), true);
    assert.equal(holds('in', 3, [1, 2]), false);
    assert.equal(holds('not_in', 3, [1, 2]), true);
    assert.equal(holds('not_in', 2, [1, 2]), false);
    // A list Value compared with one operand: its first element.
    assert.equal(holds('equal', 1, [1, 2]), true);
    assert.equal(holds('greater', 2, [1, 5]), true);
    assert.equal(holds('equal', null, []), true);
    // No params: everything holds; several: all must.
    assert.equal(
      compileParams([])(() => null),
      true,
    );
    const both = compileParams([
      { Name: 'a', Operator: 'greater', Value: 0 },
      { Name: 'b', Operator: 'equal', Value: 'x' },
    ]);
    assert.equal(
      both((n) => (n === 'a' ? 1 : 'x')),
      true,
    );
    assert.equal(
      both((n) => (n === 'a' ? 1 : 'y')),
      false,
    );
    assert.equal(
      both((n) => (n === 'a' ? 0 : 'x')),
      false,
    );
  });

  it('property: every operator agrees with the reference on any field and value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...OPS), scalar, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), (op, field, value) => {
        const got = compileParams([{ Name: 'f', Operator: op, Value: value }])((n) => (n === 'f' ? field : 'other'));
        assert.equal(got, reference(op, field, value));
      }),
      { numRuns: 500 },
    );
  });

  it('checks at config load: unknown fields, list operators without a list, others without one value', () => {
    const known = (n: string): boolean => n === 'k';
    assert.equal(paramProblem({ Name: 'x', Operator: 'equal', Value: 1 }, known), 'unknown field "x"');
    assert.equal(paramProblem({ Name: 'k', Operator: 'in', Value: 1 }, known), 'in needs an array Value');
    assert.equal(paramProblem({ Name: 'k', Operator: 'not_in', Value: 'a' }, known), 'not_in needs an array Value');
    assert.equal(paramProblem({ Name: 'k', Operator: 'in', Value: [1] }, known), undefined);
    assert.equal(paramProblem({ Name: 'k', Operator: 'greater', Value: [1] }, known), 'greater needs one Value');
    assert.equal(paramProblem({ Name: 'k', Operator: 'equal' }, known), 'equal needs one Value');
    assert.equal(paramProblem({ Name: 'k', Operator: 'equal', Value: null }, known), undefined);
    assert.equal(paramProblem({ Name: 'k', Operator: 'is_null' }, known), undefined);
    assert.equal(paramProblem({ Name: 'k', Operator: 'is_not_null' }, known), undefined);
    assert.equal(paramProblem({ Name: 'k', Operator: 'less', Value: 3 }, known), undefined);
    // An operator the schema would refuse matches nothing.
    assert.equal(
      compileParams([{ Name: 'k', Operator: 'bogus' as FilterParam['Operator'], Value: 1 }])(() => 1),
      false,
    );
  });
});

const cand = (itemId: string, row = -1): Candidate => ({ itemId, row, retrieveId: 'r', recallScore: 0, score: 0 });

describe('filters without a catalog', () => {
  it('UniqueFilter keeps the first of each id; User2ItemExposureFilter drops what the user saw within TimeInterval', async () => {
    const unique = await uniqueFilter([cand('a'), cand('b'), cand('a'), cand('c'), cand('b')], stageContext(undefined));
    assert.deepEqual(
      unique.map((c) => c.itemId),
      ['a', 'b', 'c'],
    );
    const exposures = new MemoryExposureStore({ maxItemsPerUser: 10, maxUsers: 10, maxBytes: 1 << 20 });
    const def = FILTER_TYPES.get('User2ItemExposureFilter');
    assert.ok(def);
    const f = def.create({ Name: 'e', FilterType: 'User2ItemExposureFilter', TimeInterval: 60 } as FilterConf, { exposures });
    const three = [cand('a'), cand('b'), cand('c')];
    assert.equal(await f(three, stageContext(undefined, 'u1')), three, 'nothing seen: the same list');
    await exposures.add('u1', ['b'], Date.now() - 30_000);
    await exposures.add('u1', ['c'], Date.now() - 90_000);
    await exposures.add('u2', ['a'], Date.now());
    assert.deepEqual(
      (await f(three, stageContext(undefined, 'u1'))).map((c) => c.itemId),
      ['a', 'c'],
    );
    assert.deepEqual(
      (await f(three, stageContext(undefined, 'u2'))).map((c) => c.itemId),
      ['b', 'c'],
    );
  });

  it('User2ItemCustomFilter: the user’s list, everyone’s, both, or neither', async () => {
    const def = FILTER_TYPES.get('User2ItemCustomFilter');
    assert.ok(def);
    const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 1, maxUsers: 1, maxBytes: 1 << 20 }) };
    const list = [cand('1'), cand('2'), cand('3')];
    const ids = async (bl: Record<string, string[]> | undefined, uid: string): Promise<string[]> =>
      (
        await def.create({ Name: 'b', FilterType: 'User2ItemCustomFilter', UserBlacklist: bl } as unknown as FilterConf, env)(
          list,
          stageContext(undefined, uid),
        )
      ).map((c) => c.itemId);
    assert.deepEqual(await ids({ u1: ['2'] }, 'u1'), ['1', '3']);
    assert.deepEqual(await ids({ u1: ['2'] }, 'u2'), ['1', '2', '3']);
    assert.deepEqual(await ids({ '*': ['3'] }, 'u2'), ['1', '2']);
    assert.deepEqual(await ids({ '*': ['3'], u2: ['1'] }, 'u2'), ['2']);
    assert.deepEqual(await ids({}, 'u1'), ['1', '2', '3']);
  });

  it('UniqueFilter by its type name; the filters that read item fields say so (the scene runs them after FeatureConfs)', async () => {
    const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 1, maxUsers: 1, maxBytes: 1 << 20 }) };
    const unique = FILTER_TYPES.get('UniqueFilter')?.create({ Name: 'UniqueFilter', FilterType: 'UniqueFilter' } as unknown as FilterConf, env);
    assert.ok(unique);
    assert.deepEqual(
      (await unique([cand('a'), cand('a')], stageContext(undefined))).map((c) => c.itemId),
      ['a'],
    );
    assert.deepEqual(
      [...FILTER_TYPES.values()]
        .filter((d) => d.readsItemFields === true)
        .map((d) => d.type)
        .sort(),
      ['ConditionFilter', 'ItemStateFilter'],
    );
  });

  it('ItemStateFilter drops an item with no known state even when every parameter would hold for it', async () => {
    const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 1, maxUsers: 1, maxBytes: 1 << 20 }) };
    const f = FILTER_TYPES.get('ItemStateFilter')?.create(
      { Name: 's', FilterType: 'ItemStateFilter', FilterParams: [{ Name: 'status', Operator: 'is_null' }] } as unknown as FilterConf,
      env,
    );
    assert.ok(f);
    const known = { ...cand('k'), features: { other: 1 } };
    assert.deepEqual(
      (await f([cand('ghost'), known], stageContext(undefined))).map((c) => c.itemId),
      ['k'],
    );
  });

  it('unvalidated confs are refused when built', () => {
    const env = { exposures: new MemoryExposureStore({ maxItemsPerUser: 1, maxUsers: 1, maxBytes: 1 << 20 }) };
    for (const type of ['ItemStateFilter', 'ConditionFilter']) {
      assert.throws(
        () => FILTER_TYPES.get(type)?.create({ Name: 'n', FilterType: type } as unknown as FilterConf, env),
        (e: unknown) => (e as { code?: string }).code === 'ERR_INTERNAL' && /unvalidated .* "n"/.test((e as Error).message),
      );
    }
  });
});
