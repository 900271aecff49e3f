import { parse } from './parser.js';
import type { Dialect, Fields } from './parser.js';
import { truthy } from './values.js';

/**
 * Boolean conditions over item properties, for expression filters and boosts:
 * `category == "cat_1" && popularity >= 0.01 || !(item_id in ["1", "2"])`.
 * The whole expression language (parser.ts): arithmetic, comparisons, `in` lists and
 * `&&`/`||`/`!`, under the same limits and function whitelist as score arithmetic.
 */
export type { Value } from './values.js';
export type { Fields } from './parser.js';

const CONDITION: Dialect = {
  noun: 'condition',
  numeric: false,
  unknownName: (name) => `unknown field "${name}"`,
  forbiddenName: (name) => `forbidden name "${name}"`,
  notAFunction: (name) => `"${name}" is not a whitelisted function`,
};

export interface CompiledCondition {
  readonly run: (fields: Fields) => boolean;
  readonly fields: readonly string[];
}

/** Parses and compiles a condition; `known` whitelists field names (checked here, at config load). */
export function compileCondition(source: string, known: (name: string) => boolean): CompiledCondition {
  const { root, names } = parse(CONDITION, source, known);
  return { run: (f) => truthy(root(f)), fields: names };
}
