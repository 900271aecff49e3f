import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileExpression } from '../../src/expression/expression.js';
import { compileCondition } from '../../src/expression/condition.js';
import { PairecError } from '../../src/errors.js';

const vars: Record<string, number> = { a: 2, b: 3, 'm.ctr': 0.5, x_1: -1 };
const known = (n: string): boolean => Object.hasOwn(vars, n);
const lookup = (n: string): number => vars[n] ?? Number.NaN;
const score = (src: string): number => compileExpression(src, known).run(lookup);
const holds = (src: string): boolean => compileCondition(src, known).run(lookup);
const refusal = (compile: () => unknown): string => {
  try {
    compile();
    return 'OK';
  } catch (err) {
    assert.ok(err instanceof PairecError && err.code === 'ERR_CONFIG_INVALID', String(err));
    return err.message;
  }
};

type Arith = { n: number } | { v: string } | { op: '+' | '-' | '*' | '/' | '^'; l: Arith; r: Arith } | { neg: Arith } | { fn: string; args: Arith[] };
const CALLS: readonly [string, number][] = [
  ['abs', 1],
  ['log', 1],
  ['exp', 1],
  ['sqrt', 1],
  ['sigmoid', 1],
  ['pow', 2],
  ['min', 3],
  ['max', 2],
];
const arith: fc.Arbitrary<Arith> = fc.letrec<{ e: Arith }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 10, noNaN: true })).map((n) => ({ n })),
    fc.constantFrom(...Object.keys(vars)).map((v) => ({ v })),
    fc.record({ op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const, '^' as const), l: tie('e'), r: tie('e') }),
    tie('e').map((x) => ({ neg: x })),
    fc.constantFrom(...CALLS).chain(([fn, arity]) => fc.array(tie('e'), { minLength: arity, maxLength: arity }).map((args) => ({ fn, args }))),
  ),
})).e;
const print = (x: Arith): string =>
  'n' in x
    ? String(x.n)
    : 'v' in x
      ? x.v === 'a'
        ? 'a'
        : `\${${x.v}}`
      : 'neg' in x
        ? `-(${print(x.neg)})`
        : 'fn' in x
          ? `${x.fn}(${x.args.map(print).join(', ')})`
          : `(${print(x.l)} ${x.op} ${print(x.r)})`;

describe('one expression language: arithmetic in scores and in conditions', () => {
  it('property: an arithmetic expression evaluates identically as a score and inside a condition', () => {
    fc.assert(
      fc.property(arith, (x) => {
        const src = print(x);
        if (src.length > 1000) return;
        const asScore = refusal(() => score(src));
        const inCondition = refusal(() => holds(`${src} == 0`));
        // Both refuse the same input for the same reason (only nesting can refuse here).
        const why = (m: string): string => m.slice(m.indexOf('": ') + 1);
        assert.equal(why(asScore), why(inCondition), src);
        if (asScore !== 'OK') return;
        const got = score(src);
        if (Number.isNaN(got)) {
          assert.equal(holds(`(${src}) == (${src})`), false, `NaN in a condition too: ${src}`);
          assert.equal(holds(`!(${src})`), true, `NaN is falsy: ${src}`);
        } else if (Number.isFinite(got)) {
          // String(x) prints the shortest decimal that reads back as exactly x.
          const literal = got < 0 || Object.is(got, -0) ? `-${String(-got)}` : String(got);
          assert.equal(holds(`(${src}) == ${literal}`), true, `${src} == ${literal}`);
          assert.equal(holds(`(${src}) != ${literal}`), false, `${src} != ${literal}`);
        } else {
          assert.equal(holds(got > 0 ? `(${src}) > 1.7e308` : `(${src}) < -1.7e308`), true, `${src} is ${got}`);
        }
      }),
      { numRuns: 600 },
    );
  });

  it('conditions have the power operator, right-associative and above unary minus, as scores do', () => {
    assert.equal(score('2 ^ 3 ^ 2'), 512);
    assert.equal(holds('2 ^ 3 ^ 2 == 512'), true);
    assert.equal(holds('-2 ^ 2 == -4'), true);
    assert.equal(holds('b ^ a == 9 && pow(b, a) == 9'), true);
  });

  it('holds the same limits and whitelist in both', () => {
    const both = (src: string, cond: string): [string, string] => [refusal(() => score(src)), refusal(() => holds(cond))];
    for (const [open, close] of [
      ['(', ')'],
      ['abs(', ')'],
      ['-', ''],
      ['2 ^ ', ''],
    ] as const) {
      const deep = `${open.repeat(33)}1${close.repeat(33)}`;
      for (const m of both(deep, deep)) assert.match(m, /nested deeper than 32/, open);
      const ok = `${open.repeat(32)}1${close.repeat(32)}`;
      assert.deepEqual(both(ok, ok), ['OK', 'OK'], open);
    }
    for (const m of both(`a${' '.repeat(2048)}`, `a${' '.repeat(2048)}`)) assert.match(m, /longer than 2048/);
    for (const m of both('pow(a)', 'pow(a) == 1')) assert.match(m, /pow takes 2–2 arguments/);
    for (const m of both(
      'max(a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16)',
      'max(a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16) > 0',
    )) {
      assert.match(m, /max takes 1–16 arguments/);
    }
    for (const m of both('${a', '${a')) assert.match(m, /expected \$\{name\} at position 0/);
  });

  it('refuses a forbidden name in a score even where every name is allowed', () => {
    // Boosts over a file catalog compile with every name allowed until the files are read.
    for (const name of ['constructor', '__proto__', 'prototype', 'm.constructor']) {
      assert.match(
        refusal(() => compileExpression(`score * ${name}`, () => true)),
        new RegExp(`unknown name "${name}"`),
        name,
      );
      assert.match(
        refusal(() => compileCondition(`${name} == 1`, () => true)),
        new RegExp(`forbidden name "${name}"`),
        name,
      );
    }
  });

  it('names the source in its errors, cut to 80 characters', () => {
    const long = `a + ${'1 + '.repeat(30)}`;
    assert.equal(
      refusal(() => score(long)),
      `expression "${long.slice(0, 80)}": unexpected end at position ${long.length}`,
    );
    assert.equal(
      refusal(() => holds(long)),
      `condition "${long.slice(0, 80)}": unexpected end at position ${long.length}`,
    );
  });

  it('keeps what is not a number out of score arithmetic', () => {
    assert.match(
      refusal(() => score('a * "2"')),
      /a string is not a number at position 4/,
    );
    assert.match(
      refusal(() => score('true + 1')),
      /unexpected "true" at position 0/,
    );
    assert.match(
      refusal(() => score('a > 1')),
      /trailing input at position 2/,
    );
    assert.match(
      refusal(() => score('!a')),
      /unexpected "!"/,
    );
    assert.match(
      refusal(() => score('(a > 1) * 2')),
      /expected "\)" at position 3/,
    );
    assert.match(
      refusal(() => score('abs(a == 1)')),
      /expected "\)"/,
    );
  });
});
