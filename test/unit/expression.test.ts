import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileExpression } from '../../src/expression/expression.js';
import { PairecError } from '../../src/errors.js';

const vars: Record<string, number> = { a: 2, b: 3, 'm.ctr': 0.5, 'm.cvr': 0.25, x_1: -1 };
const known = (n: string): boolean => Object.hasOwn(vars, n);
const evaluate = (src: string): number => compileExpression(src, known).run((n) => vars[n] ?? Number.NaN);
const errorOf = (src: string): string => {
  try {
    compileExpression(src, known);
    return 'OK';
  } catch (err) {
    assert.ok(err instanceof PairecError, `typed error for ${src}`);
    return err.message;
  }
};

describe('score expressions', () => {
  const table: [string, number][] = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['-a + b', 1],
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['${m.ctr} * ${m.cvr}', 0.125],
    ['m.ctr * 2 + x_1', 0],
    ['max(a, b, 1) - min(a, b)', 1],
    ['pow(a, 2) + sqrt(16) + abs(x_1)', 9],
    ['log(exp(1))', 1],
    ['sigmoid(0)', 0.5],
    ['1e2 / 4', 25],
    ['.5 + 0.25', 0.75],
  ];
  for (const [src, want] of table) {
    it(`evaluates ${src} = ${want}`, () => assert.ok(Math.abs(evaluate(src) - want) < 1e-12, String(evaluate(src))));
  }

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['a +', /unexpected end/],
    ['a b', /trailing/],
    ['unknown * 2', /unknown name "unknown"/],
    ['${a', /expected \$\{name\}/],
    ['a; process.exit()', /unexpected ";"/],
    ['constructor.constructor("x")()', /unknown name|unexpected/],
    ['pow(1)', /takes 2–2 arguments/],
    ['constructor(1)', /unknown name "constructor"/],
    ['toString(a)', /unknown name "toString"/],
    ['(((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))', /deeper/],
    ['1'.repeat(3000), /longer than/],
  ];
  for (const [src, why] of bad) {
    it(`rejects ${src.slice(0, 30) || '(empty)'}`, () => assert.match(errorOf(src), why));
  }

  it('records the variables it uses', () => {
    assert.deepEqual([...compileExpression('a * ${m.ctr} + a', known).variables].sort(), ['a', 'm.ctr']);
  });

  it('property: printed random expressions evaluate like a reference evaluator', () => {
    type Node = { n: number } | { v: string } | { op: '+' | '-' | '*' | '/'; l: Node; r: Node } | { neg: Node };
    const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.integer({ min: 0, max: 100 }).map((n) => ({ n })),
        fc.constantFrom(...Object.keys(vars)).map((v) => ({ v })),
        fc.record({ op: fc.constantFrom('+' as const, '-' as const, '*' as const, '/' as const), l: tie('node'), r: tie('node') }),
        tie('node').map((x) => ({ neg: x })),
      ),
    })).node;
    const print = (x: Node): string =>
      'n' in x ? String(x.n) : 'v' in x ? `\${${x.v}}` : 'neg' in x ? `-(${print(x.neg)})` : `(${print(x.l)} ${x.op} ${print(x.r)})`;
    const ref = (x: Node): number => {
      if ('n' in x) return x.n;
      if ('v' in x) return vars[x.v] ?? Number.NaN;
      if ('neg' in x) return -ref(x.neg);
      const l = ref(x.l);
      const r = ref(x.r);
      return x.op === '+' ? l + r : x.op === '-' ? l - r : x.op === '*' ? l * r : l / r;
    };
    fc.assert(
      fc.property(node, (x) => {
        const src = print(x);
        if (src.length > 2000) return;
        let got: number;
        try {
          got = evaluate(src);
        } catch (err) {
          assert.match(String(err), /deeper/); // only nesting beyond the limit may refuse
          return;
        }
        assert.ok(Object.is(got, ref(x)) || Math.abs(got - ref(x)) < 1e-9, `${src}: ${got} vs ${ref(x)}`);
      }),
      { numRuns: 500 },
    );
  });

  it('property: any string compiles or fails with a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (src) => {
        errorOf(src);
      }),
      { numRuns: 2000 },
    );
  });
  it('holds its limits exactly: arities, nesting depth 32, 2048 characters, number forms', () => {
    for (const f of ['abs', 'log', 'exp', 'sqrt', 'sigmoid']) assert.match(errorOf(`${f}(1, 2)`), /takes 1–1 arguments/, f);
    assert.equal(evaluate(`min(${Array.from({ length: 16 }, (_, i) => i + 1).join(',')})`), 1);
    assert.match(errorOf(`max(${Array.from({ length: 17 }, () => 1).join(',')})`), /takes 1–16 arguments/);
    assert.match(errorOf(`min(${Array.from({ length: 17 }, () => 1).join(',')})`), /min takes 1–16 arguments/);
    assert.ok(Math.abs(evaluate('sigmoid(2)') - 1 / (1 + Math.exp(-2))) < 1e-12);
    assert.equal(evaluate('1.5e-1 * 10 + 10e+1 + 12 + .25 * 4 + 1E2'), 1.5 + 100 + 12 + 1 + 100);
    const nestings: [string, string][] = [
      ['(', ')'],
      ['abs(', ')'],
      ['-', ''],
      ['2 ^ ', ''],
    ];
    for (const [open, close] of nestings) {
      assert.equal(errorOf(`${open.repeat(32)}1${close.repeat(32)}`), 'OK', `32 × ${open}`);
      assert.match(errorOf(`${open.repeat(33)}1${close.repeat(33)}`), /deeper than 32/, `33 × ${open}`);
    }
    assert.equal(errorOf(`1${' '.repeat(2047)}`), 'OK', 'exactly 2048 characters');
    assert.match(errorOf('* 1'), /unexpected "\*" at position 0/);
    assert.match(errorOf('(1'), /expected "\)" at position 2/);
    assert.match(errorOf('a +'), /unexpected end at position 3/);
    assert.match(errorOf('a b'), /unexpected trailing input at position 2/);
    assert.match(errorOf('1 + nope'), /unknown name "nope" at position 4/);
    assert.match(errorOf('1 + min'), /unknown name "min" at position 4/);
    assert.match(errorOf('1 + toString(1)'), /unknown name "toString" at position 4/);
    assert.match(errorOf('1 + ${b'), /expected \$\{name\} at position 4/);
    assert.match(errorOf('min()'), /unexpected "\)" at position 4/);
    assert.equal(evaluate('min(a)'), 2);
    assert.match(errorOf(`max(1, ${'('.repeat(32)}1${')'.repeat(32)})`), /nested deeper than 32/);
    assert.equal(errorOf(`max(1, ${'('.repeat(31)}1${')'.repeat(31)})`), 'OK');
  });
});
