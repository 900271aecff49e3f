import { PairecError } from '../errors.js';
import { FORBIDDEN_KEYS } from '../forbidden-keys.js';
import { FUNCTIONS, MAX_DEPTH, MAX_EXPRESSION_LENGTH } from './limits.js';
import { tokenize } from './tokens.js';
import { COMPARE, num, truthy } from './values.js';
import type { Value } from './values.js';

/**
 * The one parser of the expression language, compiled once to closures. Hand-written
 * because it must never evaluate code: no eval, Function or vm; a bounded
 * recursive-descent parser over a whitelist of operators and functions.
 *
 *   or    := and ('||' and)*
 *   and   := not ('&&' not)*
 *   not   := '!' not | cmp
 *   cmp   := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | 'in' '[' literal (',' literal)* ']')?
 *   sum   := prod (('+'|'-') prod)*
 *   prod  := unary (('*'|'/') unary)*
 *   unary := '-' unary | atom ('^' unary)?
 *   atom  := number | string | true | false | null | name | func '(' top (',' top)* ')' | '(' top ')'
 *
 * Arithmetic (a RankScore, a boost) is the numeric part: `top` is `sum`, and an atom is
 * a number, a name, a call or parentheses, so every node yields a number. A condition's
 * `top` is `or`.
 */
export type Fields = (name: string) => Value;
export type Node = (f: Fields) => Value;
type NumberNode = (f: Fields) => number;

/** What differs between arithmetic and conditions: the entry rule and the wording of errors. */
export interface Dialect {
  /** "expression" or "condition": how an error names the source. */
  readonly noun: string;
  readonly numeric: boolean;
  readonly unknownName: (name: string) => string;
  readonly forbiddenName: (name: string) => string;
  readonly notAFunction: (name: string) => string;
}

export interface Parsed {
  readonly root: Node;
  /** The names the expression reads, each once. */
  readonly names: readonly string[];
}

const LITERALS: ReadonlyMap<string, Value> = new Map<string, Value>([
  ['true', true],
  ['false', false],
  ['null', null],
]);

/** Parses `source`; `known` whitelists names (checked here, when a config is loaded). */
export function parse(dialect: Dialect, source: string, known: (name: string) => boolean): Parsed {
  const fail = (at: number, why: string): never => {
    throw new PairecError('ERR_CONFIG_INVALID', `${dialect.noun} "${source.slice(0, 80)}": ${why} at position ${at}`);
  };
  if (source.length > MAX_EXPRESSION_LENGTH) fail(MAX_EXPRESSION_LENGTH, `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(source, fail);
  const names = new Set<string>();
  let pos = 0;
  const at = (): number => tokens[pos]?.at ?? source.length;
  const isOp = (v: string): boolean => {
    const t = tokens[pos];
    return t?.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) fail(at(), `expected "${v}"`);
    pos++;
  };
  const guard = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(at(), `nested deeper than ${MAX_DEPTH}`);
  };
  // Nodes known to yield a number need no conversion when arithmetic reads them: the
  // compiled form runs per candidate, and scores are arithmetic over numbers only.
  const numbers = new WeakSet<Node>();
  const number = (n: NumberNode): Node => {
    numbers.add(n);
    return n;
  };
  const asNumber = (a: Node): NumberNode => (numbers.has(a) ? (a as NumberNode) : (f) => num(a(f)));

  const or = (d: number): Node => {
    let left = and(d);
    while (isOp('||')) {
      pos++;
      const a = left;
      const b = and(d);
      left = (f) => truthy(a(f)) || truthy(b(f));
    }
    return left;
  };
  const and = (d: number): Node => {
    let left = not(d);
    while (isOp('&&')) {
      pos++;
      const a = left;
      const b = not(d);
      left = (f) => truthy(a(f)) && truthy(b(f));
    }
    return left;
  };
  const not = (d: number): Node => {
    guard(d);
    if (isOp('!')) {
      pos++;
      const a = not(d + 1);
      return (f) => !truthy(a(f));
    }
    return cmp(d);
  };
  const literal = (): Value => {
    const t = tokens[pos++];
    if (t?.t === 'num' || t?.t === 'str') return t.v;
    if (t?.t === 'op' && t.v === '-' && tokens[pos]?.t === 'num') return -(tokens[pos++] as { v: number }).v;
    if (t?.t === 'name' && LITERALS.has(t.v)) return LITERALS.get(t.v) as Value;
    return fail(t?.at ?? source.length, 'expected a literal in the list');
  };
  const cmp = (d: number): Node => {
    const left = sum(d);
    const t = tokens[pos];
    const c = t?.t === 'op' ? COMPARE.get(t.v) : undefined;
    if (c) {
      pos++;
      const right = sum(d);
      return (f) => c(left(f), right(f));
    }
    if (t?.t === 'name' && t.v === 'in') {
      pos++;
      expect('[');
      const set = new Set<Value>([literal()]);
      while (isOp(',')) {
        pos++;
        set.add(literal());
      }
      expect(']');
      return (f) => set.has(left(f));
    }
    return left;
  };
  const top = dialect.numeric ? (d: number): Node => sum(d) : or;
  const sum = (d: number): Node => {
    let left = prod(d);
    while (isOp('+') || isOp('-')) {
      const plus = isOp('+');
      pos++;
      const a = asNumber(left);
      const b = asNumber(prod(d));
      left = number(plus ? (f) => a(f) + b(f) : (f) => a(f) - b(f));
    }
    return left;
  };
  const prod = (d: number): Node => {
    let left = unary(d);
    while (isOp('*') || isOp('/')) {
      const times = isOp('*');
      pos++;
      const a = asNumber(left);
      const b = asNumber(unary(d));
      left = number(times ? (f) => a(f) * b(f) : (f) => a(f) / b(f));
    }
    return left;
  };
  const unary = (d: number): Node => {
    guard(d);
    if (isOp('-')) {
      pos++;
      const a = asNumber(unary(d + 1));
      return number((f) => -a(f));
    }
    const base = atom(d);
    if (!isOp('^')) return base;
    pos++;
    const b = asNumber(base);
    const e = asNumber(unary(d + 1));
    return number((f) => Math.pow(b(f), e(f)));
  };
  const call = (name: string, at: number, d: number): Node => {
    // Own keys only: `constructor(1)` must not find Object.prototype.constructor.
    const fn = Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name] : undefined;
    if (!fn) return fail(at, dialect.notAFunction(name));
    pos++;
    const args: NumberNode[] = [asNumber(top(d + 1))];
    while (isOp(',')) {
      pos++;
      args.push(asNumber(top(d + 1)));
    }
    expect(')');
    if (args.length < fn.arity[0] || args.length > fn.arity[1]) fail(at, `${name} takes ${fn.arity.join('–')} arguments`);
    const run = fn.fn;
    return number((f) => run(...args.map((a) => a(f))));
  };
  const atom = (d: number): Node => {
    const t = tokens[pos];
    if (!t) return fail(source.length, 'unexpected end');
    pos++;
    if (t.t === 'num') {
      const v = t.v;
      return number(() => v);
    }
    if (t.t === 'str' && !dialect.numeric) {
      const v = t.v;
      return () => v;
    }
    if (t.t === 'str') return fail(t.at, 'a string is not a number');
    if (t.t === 'op') {
      if (t.v !== '(') fail(t.at, `unexpected "${t.v}"`);
      const inner = top(d + 1);
      expect(')');
      return inner;
    }
    if (LITERALS.has(t.v) && !dialect.numeric) {
      const v = LITERALS.get(t.v) as Value;
      return () => v;
    }
    if (LITERALS.has(t.v) || t.v === 'in') fail(t.at, `unexpected "${t.v}"`);
    if (t.v.split('.').some((p) => FORBIDDEN_KEYS.has(p))) fail(t.at, dialect.forbiddenName(t.v));
    if (isOp('(')) return call(t.v, t.at, d);
    if (!known(t.v)) fail(t.at, dialect.unknownName(t.v));
    names.add(t.v);
    const name = t.v;
    // A score's variables are numbers (expression.ts's `Variables`); a condition's fields are any value.
    return dialect.numeric ? number((f) => f(name) as number) : (f) => f(name);
  };

  if (tokens.length === 0) fail(0, `empty ${dialect.noun}`);
  const root = top(0);
  if (pos < tokens.length) fail(at(), 'unexpected trailing input');
  return { root, names: [...names] };
}
