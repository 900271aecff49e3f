import { PairecError } from '../errors.js';
import { FUNCTIONS, MAX_DEPTH, MAX_EXPRESSION_LENGTH } from './expression.js';

/**
 * Boolean conditions over item properties, for expression filters and boosts:
 * `category == "cat_1" && popularity >= 0.01 || !(item_id in ["1", "2"])`.
 * The layer above expression.ts's arithmetic: same limits (length, depth), same
 * whitelisted functions, same rule that nothing is ever evaluated as code — a bounded
 * recursive-descent parser compiled once to closures.
 *
 *   or    := and ('||' and)*
 *   and   := not ('&&' not)*
 *   not   := '!' not | cmp
 *   cmp   := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum | 'in' '[' literal (',' literal)* ']')?
 *   sum   := prod (('+'|'-') prod)*        prod := neg (('*'|'/') neg)*
 *   neg   := '-' neg | atom
 *   atom  := number | string | true | false | null | field | func '(' or (',' or)* ')' | '(' or ')'
 */
export type Value = number | string | boolean | null;
export type Fields = (name: string) => Value;
type Node = (f: Fields) => Value;

/** Never field names: they reach into JavaScript objects, not item properties. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const KEYWORDS = new Set(['true', 'false', 'null', 'in']);

type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'name'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number };

function fail(source: string, at: number, why: string): never {
  throw new PairecError('ERR_CONFIG_INVALID', `condition "${source.slice(0, 80)}": ${why} at position ${at}`);
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '(', ')', '[', ']', ','];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    const rest = src.slice(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
    const name = /^[A-Za-z_][\w.-]*/.exec(rest) ?? /^\$\{([A-Za-z_][\w.-]*)\}/.exec(rest);
    // Strings: single or double quotes, no escapes (nothing a filter needs, nothing to get wrong).
    const str = /^"([^"\\]*)"|^'([^'\\]*)'/.exec(rest);
    const op = OPS.find((o) => rest.startsWith(o));
    if (num) out.push({ t: 'num', v: Number(num[0]), at: i });
    else if (name) out.push({ t: 'name', v: name[1] ?? name[0], at: i });
    else if (str) out.push({ t: 'str', v: str[1] ?? str[2] ?? '', at: i });
    else if (op) out.push({ t: 'op', v: op, at: i });
    else fail(src, i, `unexpected "${c}"`);
    i += (num ?? name ?? str)?.[0].length ?? op?.length ?? 1;
  }
  return out;
}

const truthy = (v: Value): boolean => (typeof v === 'number' ? v !== 0 && !Number.isNaN(v) : typeof v === 'string' ? v.length > 0 : v === true);
const num = (v: Value): number => (typeof v === 'number' ? v : Number.NaN);
const order = (a: Value, b: Value): number | undefined =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'string' && typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : undefined;

const COMPARE: Readonly<Record<string, (a: Value, b: Value) => boolean>> = {
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => (order(a, b) ?? Number.NaN) < 0,
  '<=': (a, b) => (order(a, b) ?? Number.NaN) <= 0,
  '>': (a, b) => (order(a, b) ?? Number.NaN) > 0,
  '>=': (a, b) => (order(a, b) ?? Number.NaN) >= 0,
};

export interface CompiledCondition {
  readonly run: (fields: Fields) => boolean;
  readonly fields: readonly string[];
}

/** Parses and compiles a condition; `known` whitelists field names (checked here, at config load). */
export function compileCondition(source: string, known: (name: string) => boolean): CompiledCondition {
  if (source.length > MAX_EXPRESSION_LENGTH) fail(source, MAX_EXPRESSION_LENGTH, `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(source);
  const fields = new Set<string>();
  let pos = 0;
  const at = (): number => tokens[pos]?.at ?? source.length;
  const isOp = (v: string): boolean => {
    const t = tokens[pos];
    return t?.t === 'op' && t.v === v;
  };
  const expect = (v: string): void => {
    if (!isOp(v)) fail(source, at(), `expected "${v}"`);
    pos++;
  };
  const guard = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(source, at(), `nested deeper than ${MAX_DEPTH}`);
  };

  const or = (d: number): Node => {
    guard(d);
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
    if (t?.t === 'name' && (t.v === 'true' || t.v === 'false' || t.v === 'null')) return t.v === 'null' ? null : t.v === 'true';
    return fail(source, t?.at ?? source.length, 'expected a literal in the list');
  };
  const cmp = (d: number): Node => {
    const left = sum(d);
    const t = tokens[pos];
    if (t?.t === 'op' && COMPARE[t.v]) {
      pos++;
      const c = COMPARE[t.v] as (a: Value, b: Value) => boolean;
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
  const sum = (d: number): Node => {
    let left = prod(d);
    while (isOp('+') || isOp('-')) {
      const plus = isOp('+');
      pos++;
      const a = left;
      const b = prod(d);
      left = plus ? (f) => num(a(f)) + num(b(f)) : (f) => num(a(f)) - num(b(f));
    }
    return left;
  };
  const prod = (d: number): Node => {
    let left = neg(d);
    while (isOp('*') || isOp('/')) {
      const times = isOp('*');
      pos++;
      const a = left;
      const b = neg(d);
      left = times ? (f) => num(a(f)) * num(b(f)) : (f) => num(a(f)) / num(b(f));
    }
    return left;
  };
  const neg = (d: number): Node => {
    guard(d);
    if (isOp('-')) {
      pos++;
      const a = neg(d + 1);
      return (f) => -num(a(f));
    }
    return atom(d);
  };
  const atom = (d: number): Node => {
    const t = tokens[pos];
    if (!t) return fail(source, source.length, 'unexpected end');
    pos++;
    if (t.t === 'num' || t.t === 'str') {
      const v = t.v;
      return () => v;
    }
    if (t.t === 'op') {
      if (t.v !== '(') fail(source, t.at, `unexpected "${t.v}"`);
      const inner = or(d + 1);
      expect(')');
      return inner;
    }
    if (FORBIDDEN.has(t.v) || t.v.split('.').some((p) => FORBIDDEN.has(p))) fail(source, t.at, `forbidden name "${t.v}"`);
    if (isOp('(')) {
      const fn = Object.hasOwn(FUNCTIONS, t.v) ? FUNCTIONS[t.v] : undefined;
      if (!fn) fail(source, t.at, `"${t.v}" is not a whitelisted function`);
      pos++;
      const args: Node[] = [or(d + 1)];
      while (isOp(',')) {
        pos++;
        args.push(or(d + 1));
      }
      expect(')');
      if (args.length < fn.arity[0] || args.length > fn.arity[1]) fail(source, t.at, `${t.v} takes ${fn.arity.join('–')} arguments`);
      const call = fn.fn;
      return (f) => call(...args.map((a) => num(a(f))));
    }
    if (t.v === 'true' || t.v === 'false') {
      const b = t.v === 'true';
      return () => b;
    }
    if (t.v === 'null') return () => null;
    if (KEYWORDS.has(t.v)) fail(source, t.at, `unexpected "${t.v}"`);
    if (!known(t.v)) fail(source, t.at, `unknown field "${t.v}"`);
    fields.add(t.v);
    const name = t.v;
    return (f) => f(name);
  };

  if (tokens.length === 0) fail(source, 0, 'empty condition');
  const root = or(0);
  if (pos < tokens.length) fail(source, at(), 'unexpected trailing input');
  return { run: (f) => truthy(root(f)), fields: [...fields] };
}
