import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileCondition } from '../../src/expression/condition.js';
import type { Value } from '../../src/expression/condition.js';
import { PairecError } from '../../src/errors.js';

const item: Record<string, Value> = { category: 'cat_1', popularity: 0.5, stock: 0, on_sale: true, note: null, item_id: '42' };
const known = (n: string): boolean => Object.hasOwn(item, n);
const holds = (src: string): boolean => compileCondition(src, known).run((n) => item[n] ?? null);
const errorOf = (src: string): string => {
  try {
    compileCondition(src, known);
    return 'OK';
  } catch (err) {
    assert.ok(err instanceof PairecError && err.code === 'ERR_CONFIG_INVALID', `typed config error for ${src}: ${String(err)}`);
    return err.message;
  }
};

describe('item conditions', () => {
  const table: [string, boolean][] = [
    ['category == "cat_1"', true],
    ["category != 'cat_1'", false],
    ['popularity > 0.4 && popularity <= 0.5', true],
    ['stock > 0 || on_sale', true],
    ['!on_sale', false],
    ['!(stock > 0)', true],
    ['category in ["cat_2", "cat_1"]', true],
    ['item_id in ["1", "2"]', false],
    ['popularity in [0.5, -1]', true],
    ['note == null', true],
    ['popularity * 2 - 1 == 0', true],
    ['max(popularity, stock) >= 0.5', true],
    ['category > "cat_0"', true],
    ['category > 1', false],
    ['${popularity} < 1', true],
    ['1 < 2 && 2 < 3 || false', true],
  ];
  for (const [src, want] of table) it(`${src} → ${want}`, () => assert.equal(holds(src), want));

  const bad: [string, RegExp][] = [
    ['constructor == 1', /forbidden name "constructor"/],
    ['__proto__ == null', /forbidden name "__proto__"/],
    ['category.constructor == 1', /forbidden name/],
    ['prototype', /forbidden name/],
    ['eval("1")', /"eval" is not a whitelisted function/],
    ['require("fs")', /not a whitelisted function/],
    ['toString()', /not a whitelisted function/],
    ['price > 1', /unknown field "price"/],
    ['category = "x"', /unexpected "="/],
    ['category in "x"', /expected "\["/],
    ['category in [category]', /expected a literal/],
    ['a ? b : c', /unexpected "\?"/],
    ['`x`', /unexpected "`"/],
    ['"unterminated', /unexpected/],
    ['', /empty/],
    ['(((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))', /deeper/],
    ['!'.repeat(40) + 'on_sale', /deeper/],
    ['stock == 1 || '.repeat(200) + 'true', /longer than 2048/],
  ];
  for (const [src, why] of bad) it(`rejects ${src.slice(0, 30) || '(empty)'}`, () => assert.match(errorOf(src), why));

  it('records the fields it reads', () => {
    assert.deepEqual([...compileCondition('popularity > 0 && category == "a" || popularity < 1', known).fields].sort(), ['category', 'popularity']);
  });

  it('property: any string compiles or fails with a typed config error, never anything else', () => {
    const alphabet = fc.constantFrom(...'ab_c()[]!=<>&|"\' ,.+-*/$ {}0123456789in'.split(''), 'constructor', '__proto__', 'category', 'in', '&&', '||');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.array(alphabet, { maxLength: 40 }).map((a) => a.join('')),
        ),
        (src) => void errorOf(src),
      ),
      {
        numRuns: 3000,
      },
    );
  });

  it('property: printed random conditions evaluate like a reference evaluator', () => {
    type Operand = { n: number } | { s: string } | { f: 'popularity' | 'stock' | 'category' };
    type Cond =
      | { cmp: '==' | '!=' | '<' | '<=' | '>' | '>='; l: Operand; r: Operand }
      | { inList: Operand; list: (number | string)[] }
      | { not: Cond }
      | { op: '&&' | '||'; l: Cond; r: Cond };
    const operand: fc.Arbitrary<Operand> = fc.oneof(
      fc.integer({ min: -3, max: 3 }).map((n) => ({ n })),
      fc.constantFrom('cat_1', 'cat_2').map((s) => ({ s })),
      fc.constantFrom('popularity' as const, 'stock' as const, 'category' as const).map((f) => ({ f })),
    );
    const cond: fc.Arbitrary<Cond> = fc.letrec<{ c: Cond }>((tie) => ({
      c: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ cmp: fc.constantFrom('==' as const, '!=' as const, '<' as const, '<=' as const, '>' as const, '>=' as const), l: operand, r: operand }),
        fc.record({
          inList: operand,
          list: fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('cat_1', 'cat_2')), { minLength: 1, maxLength: 4 }),
        }),
        tie('c').map((x) => ({ not: x })),
        fc.record({ op: fc.constantFrom('&&' as const, '||' as const), l: tie('c'), r: tie('c') }),
      ),
    })).c;
    const printOperand = (o: Operand): string => ('n' in o ? String(o.n) : 's' in o ? `"${o.s}"` : o.f);
    const print = (c: Cond): string =>
      'cmp' in c
        ? `${printOperand(c.l)} ${c.cmp} ${printOperand(c.r)}`
        : 'inList' in c
          ? `${printOperand(c.inList)} in [${c.list.map((v) => (typeof v === 'number' ? String(v) : `"${v}"`)).join(', ')}]`
          : 'not' in c
            ? `!(${print(c.not)})`
            : `(${print(c.l)}) ${c.op} (${print(c.r)})`;
    const val = (o: Operand): Value => ('n' in o ? o.n : 's' in o ? o.s : (item[o.f] ?? null));
    const ref = (c: Cond): boolean => {
      if ('cmp' in c) {
        const a = val(c.l);
        const b = val(c.r);
        if (c.cmp === '==') return a === b;
        if (c.cmp === '!=') return a !== b;
        const comparable = (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
        if (!comparable) return false;
        const [x, y] = [a, b] as [number, number];
        return c.cmp === '<' ? x < y : c.cmp === '<=' ? x <= y : c.cmp === '>' ? x > y : x >= y;
      }
      if ('inList' in c) return c.list.some((v) => v === val(c.inList));
      if ('not' in c) return !ref(c.not);
      return c.op === '&&' ? ref(c.l) && ref(c.r) : ref(c.l) || ref(c.r);
    };
    fc.assert(
      fc.property(cond, (c) => {
        const src = print(c);
        let got: boolean;
        try {
          got = holds(src);
        } catch (err) {
          assert.match(String(err), /deeper|longer/); // only the size limits may refuse
          return;
        }
        assert.equal(got, ref(c), src);
      }),
      { numRuns: 1000 },
    );
  });
  it('literal lists, arithmetic, number forms and truthiness decide the answer, not only parse', () => {
    const cases: [string, boolean][] = [
      ['on_sale in [false, true]', true],
      ['on_sale in [false, null]', false],
      ['note in [null]', true],
      ['note in [false]', false],
      ['popularity in [-0.5]', false],
      ['popularity - 0.25 == 0.25', true],
      ['1 / popularity == 2', true],
      ['popularity * 4 == 2', true],
      ['1e3 > 999 && 2E+2 == 200 && 1.5e-1 < 0.2 && .5 == popularity', true],
      ['category && on_sale', true],
      ['!category', false],
      ['!""', true],
      ['note || stock', false],
      ['!(1 / stock - 1 / stock)', true],
      ['category + 1 == "cat_11"', false],
      ['"b" > "a" && "a" < "b" && "a" <= "a"', true],
    ];
    for (const [src, want] of cases) assert.equal(holds(src), want, src);
    const atLimit = `stock == 0${' '.repeat(2048 - 'stock == 0'.length)}`;
    assert.equal(holds(atLimit), true, 'exactly 2048 characters is allowed');
  });

  it('negative list literals, keyword literals, ordering across types and error positions', () => {
    const withNegative = (src: string): boolean => compileCondition(src, known).run((n) => (n === 'stock' ? -1 : (item[n] ?? null)));
    assert.equal(withNegative('stock in [-1]'), true);
    assert.equal(withNegative('stock in [1]'), false);
    const cases: [string, boolean][] = [
      ['on_sale == true', true],
      ['on_sale == false', false],
      ['on_sale != true', false],
      ['note == false', false],
      ['1 < "a" || 1 > "a" || 1 <= "a" || 1 >= "a"', false],
      ['"a" < 1 || "a" > 1 || "a" <= 1 || "a" >= 1', false],
      ['on_sale < 1 || on_sale >= 1', false],
      ['2 <= 2 && 2 >= 2 && !(2 < 2) && !(2 > 2)', true],
      ['1 <= on_sale || 1 >= on_sale', false],
      ['popularity && 1', true],
      ['!popularity', false],
      ['stock || 0', false],
      ['!stock && !0', true],
    ];
    for (const [src, want] of cases) assert.equal(holds(src), want, src);
    const positions: [string, RegExp][] = [
      ['stock == ', /unexpected end at position 9/],
      ['stock ==', /unexpected end at position 8/],
      ['(stock', /expected "\)" at position 6/],
      ['stock in [1', /expected "\]" at position 11/],
      ['stock in [1,', /expected a literal in the list at position 12/],
      ['stock in [', /expected a literal in the list at position 10/],
      ['stock in [+1]', /expected a literal in the list at position 10/],
      ['stock in [-"a"]', /expected a literal in the list at position 10/],
      ['stock in [-', /expected a literal in the list at position 10/],
      ['stock in [x 1]', /expected a literal in the list at position 10/],
      ['stock 1', /unexpected trailing input at position 6/],
      ['stock stock', /unexpected trailing input at position 6/],
      ['true == in', /unexpected "in" at position 8/],
      ['stock == 1 @', /unexpected "@" at position 11/],
      ['price > 1', /unknown field "price" at position 0/],
      ['1 + price', /unknown field "price" at position 4/],
      ['abs(1, 2)', /abs takes 1–1 arguments at position 0/],
      ['1 + nope(1)', /"nope" is not a whitelisted function at position 4/],
      ['1 + a.prototype.b', /forbidden name "a.prototype.b" at position 4/],
      [`${'!'.repeat(33)}true`, /nested deeper than 32 at position 33/],
      [`${'!'.repeat(32)}true`, /^OK$/],
      [`max(1, ${'('.repeat(32)}1${')'.repeat(32)})`, /nested deeper than 32/],
      [`max(1, ${'('.repeat(31)}1${')'.repeat(31)}) > 0`, /^OK$/],
    ];
    for (const [src, why] of positions) assert.match(errorOf(src), why, src);
    assert.match(errorOf('x'.repeat(2049)), /longer than 2048 characters at position 2048/);
    assert.match(errorOf('  '), /empty condition at position 0/);
  });
});
