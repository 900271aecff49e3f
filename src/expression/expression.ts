import { PairecError } from '../errors.js';

/**
 * A small arithmetic expression language for scores, e.g. PaiRec's RankScore
 * `${ctr_model.probs_ctr} * ${cvr_model} + 0.1 * log(1 + ${popularity_lookup})`.
 * Hand-written because it must never evaluate code: no eval, Function or vm; a bounded
 * recursive-descent parser over a whitelist of operators and functions, compiled once
 * to closures.
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := unary (('*' | '/') unary)*
 *   unary  := '-' unary | power
 *   power  := atom ('^' unary)?
 *   atom   := number | variable | func '(' expr (',' expr)* ')' | '(' expr ')'
 *   variable := '${' name '}' | name        name := [A-Za-z_][\w.-]*
 */
export type Variables = (name: string) => number;
export type Compiled = (vars: Variables) => number;

export const MAX_EXPRESSION_LENGTH = 2048;
export const MAX_DEPTH = 32;

/** Whitelisted functions; conditions (condition.ts) call the same ones. */
export const FUNCTIONS: Readonly<Record<string, { arity: [number, number]; fn: (...a: number[]) => number }>> = {
  min: { arity: [1, 16], fn: Math.min },
  max: { arity: [1, 16], fn: Math.max },
  abs: { arity: [1, 1], fn: Math.abs },
  log: { arity: [1, 1], fn: Math.log },
  exp: { arity: [1, 1], fn: Math.exp },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  pow: { arity: [2, 2], fn: Math.pow },
  sigmoid: { arity: [1, 1], fn: (x: number) => 1 / (1 + Math.exp(-x)) },
};

type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'name'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number };

function fail(source: string, at: number, why: string): never {
  throw new PairecError('ERR_CONFIG_INVALID', `expression "${source.slice(0, 80)}": ${why} at position ${at}`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i));
      if (!m) fail(src, i, 'bad number');
      out.push({ t: 'num', v: Number(m[0]), at: i });
      i += m[0].length;
    } else if (c === '$') {
      const m = /^\$\{([A-Za-z_][\w.-]*)\}/.exec(src.slice(i));
      if (!m) fail(src, i, 'expected ${name}');
      out.push({ t: 'name', v: m[1] as string, at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w.-]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'name', v: m[0], at: i });
      i += m[0].length;
    } else if ('+-*/^(),'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
    } else {
      fail(src, i, `unexpected "${c}"`);
    }
  }
  return out;
}

/** Parses and compiles; `known` says which variable names exist (checked at compile time). */
export function compileExpression(source: string, known: (name: string) => boolean): { readonly run: Compiled; readonly variables: readonly string[] } {
  if (source.length > MAX_EXPRESSION_LENGTH) fail(source, MAX_EXPRESSION_LENGTH, `longer than ${MAX_EXPRESSION_LENGTH} characters`);
  const tokens = tokenize(source);
  const variables = new Set<string>();
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const atOp = (v: string): boolean => {
    const t = tokens[pos];
    return t?.t === 'op' && t.v === v;
  };
  const expectOp = (v: string): void => {
    if (!atOp(v)) fail(source, peek()?.at ?? source.length, `expected "${v}"`);
    pos++;
  };

  const expr = (depth: number): Compiled => {
    if (depth > MAX_DEPTH) fail(source, peek()?.at ?? 0, `nested deeper than ${MAX_DEPTH}`);
    let left = term(depth);
    while (atOp('+') || atOp('-')) {
      const op = (tokens[pos++] as Token).v;
      const a = left;
      const b = term(depth);
      left = op === '+' ? (v) => a(v) + b(v) : (v) => a(v) - b(v);
    }
    return left;
  };
  const term = (depth: number): Compiled => {
    let left = unary(depth);
    while (atOp('*') || atOp('/')) {
      const op = (tokens[pos++] as Token).v;
      const a = left;
      const b = unary(depth);
      left = op === '*' ? (v) => a(v) * b(v) : (v) => a(v) / b(v);
    }
    return left;
  };
  const unary = (depth: number): Compiled => {
    if (depth > MAX_DEPTH) fail(source, peek()?.at ?? 0, `nested deeper than ${MAX_DEPTH}`);
    if (atOp('-')) {
      pos++;
      const a = unary(depth + 1);
      return (v) => -a(v);
    }
    const base = atom(depth);
    if (atOp('^')) {
      pos++;
      const e = unary(depth + 1);
      return (v) => Math.pow(base(v), e(v));
    }
    return base;
  };
  const atom = (depth: number): Compiled => {
    const t = peek();
    if (!t) fail(source, source.length, 'unexpected end');
    pos++;
    if (t.t === 'num') {
      const n = t.v;
      return () => n;
    }
    if (t.t === 'op') {
      if (t.v !== '(') fail(source, t.at, `unexpected "${t.v}"`);
      const inner = expr(depth + 1);
      expectOp(')');
      return inner;
    }
    // Own keys only: `constructor(1)` must not find Object.prototype.constructor.
    const f = Object.hasOwn(FUNCTIONS, t.v) ? FUNCTIONS[t.v] : undefined;
    if (f && atOp('(')) {
      pos++;
      const args: Compiled[] = [expr(depth + 1)];
      while (atOp(',')) {
        pos++;
        args.push(expr(depth + 1));
      }
      expectOp(')');
      if (args.length < f.arity[0] || args.length > f.arity[1]) fail(source, t.at, `${t.v} takes ${f.arity.join('–')} arguments`);
      const fn = f.fn;
      return (v) => fn(...args.map((a) => a(v)));
    }
    if (!known(t.v)) fail(source, t.at, `unknown name "${t.v}"`);
    variables.add(t.v);
    const name = t.v;
    return (v) => v(name);
  };

  if (tokens.length === 0) fail(source, 0, 'empty expression');
  const run = expr(0);
  if (pos < tokens.length) fail(source, (tokens[pos] as Token).at, 'unexpected trailing input');
  return { run, variables: [...variables] };
}
