/**
 * The bounds and the function whitelist of the expression language (scores and
 * conditions alike): what a config may write, checked when it is loaded.
 */
export const MAX_EXPRESSION_LENGTH = 2048;
/** Deepest nesting of parentheses, calls, `-`, `!` and `^`: the parser recurses, the stack must not. */
export const MAX_DEPTH = 32;

export interface WhitelistedFunction {
  readonly arity: readonly [min: number, max: number];
  readonly fn: (...args: number[]) => number;
}

/** The only functions an expression can call; looked up as own keys, never on a prototype. */
export const FUNCTIONS: Readonly<Record<string, WhitelistedFunction>> = {
  min: { arity: [1, 16], fn: Math.min },
  max: { arity: [1, 16], fn: Math.max },
  abs: { arity: [1, 1], fn: Math.abs },
  log: { arity: [1, 1], fn: Math.log },
  exp: { arity: [1, 1], fn: Math.exp },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  pow: { arity: [2, 2], fn: Math.pow },
  sigmoid: { arity: [1, 1], fn: (x: number) => 1 / (1 + Math.exp(-x)) },
};
