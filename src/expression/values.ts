/**
 * What the expression language's operators do with values: numbers, strings, booleans
 * and null, never coerced into one another (a string in arithmetic is NaN, not a
 * concatenation; a comparison across types is false).
 */
export type Value = number | string | boolean | null;

export const truthy = (v: Value): boolean => (typeof v === 'number' ? v !== 0 && !Number.isNaN(v) : typeof v === 'string' ? v.length > 0 : v === true);

export const num = (v: Value): number => (typeof v === 'number' ? v : Number.NaN);

/** Negative, zero or positive for two numbers or two strings (code-unit order); undefined across types. */
const order = (a: Value, b: Value): number | undefined =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'string' && typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : undefined;

export const COMPARE: ReadonlyMap<string, (a: Value, b: Value) => boolean> = new Map([
  ['==', (a: Value, b: Value) => a === b],
  ['!=', (a: Value, b: Value) => a !== b],
  ['<', (a: Value, b: Value) => (order(a, b) ?? Number.NaN) < 0],
  ['<=', (a: Value, b: Value) => (order(a, b) ?? Number.NaN) <= 0],
  ['>', (a: Value, b: Value) => (order(a, b) ?? Number.NaN) > 0],
  ['>=', (a: Value, b: Value) => (order(a, b) ?? Number.NaN) >= 0],
]);
