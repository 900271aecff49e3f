import { parse } from './parser.js';
import type { Dialect } from './parser.js';

/**
 * Score arithmetic, e.g. PaiRec's RankScore
 * `${ctr_model.probs_ctr} * ${cvr_model} + 0.1 * log(1 + ${popularity_lookup})`:
 * the numeric part of the expression language (parser.ts), so every node yields a number.
 */
export type Variables = (name: string) => number;
export type Compiled = (vars: Variables) => number;

export { FUNCTIONS, MAX_DEPTH, MAX_EXPRESSION_LENGTH } from './limits.js';

// A score names algorithms and item features, not object keys: a forbidden or uncallable
// name is reported as a name it does not know.
const unknown = (name: string): string => `unknown name "${name}"`;
const ARITHMETIC: Dialect = { noun: 'expression', numeric: true, unknownName: unknown, forbiddenName: unknown, notAFunction: unknown };

/** Parses and compiles; `known` says which variable names exist (checked at compile time). */
export function compileExpression(source: string, known: (name: string) => boolean): { readonly run: Compiled; readonly variables: readonly string[] } {
  const { root, names } = parse(ARITHMETIC, source, known);
  // Every node of the numeric dialect yields a number (numbers, number variables, calls,
  // arithmetic), so the root is returned as is: no conversion on the hot path.
  return { run: root as Compiled, variables: names };
}
