import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { NameSchema, ScalarSchema } from '../../config/pipeline-schema.js';
import type { Fields, Value } from '../../expression/condition.js';
import type { StageCheck } from '../../types/stage-type.js';

/** PaiRec's FilterParamConfig: one condition on an item property, all of a list must hold. */
export const FilterParamSchema = Type.Object(
  {
    Name: NameSchema,
    Operator: Type.Union(
      ['equal', 'not_equal', 'in', 'not_in', 'greater', 'greaterThan', 'less', 'lessThan', 'is_null', 'is_not_null'].map((o) => Type.Literal(o)),
    ),
    Value: Type.Optional(Type.Union([ScalarSchema, Type.Array(ScalarSchema, { maxItems: 10000 })])),
  },
  { additionalProperties: false },
);
export type FilterParam = Static<typeof FilterParamSchema>;

const ordered = (a: Value, b: Value): number | undefined =>
  typeof a === 'number' && typeof b === 'number' ? a - b : typeof a === 'string' && typeof b === 'string' ? a.localeCompare(b) : undefined;

/** One FilterParam as a predicate; a comparison between different types is false. */
function compileParam(p: FilterParam): (fields: Fields) => boolean {
  const value = p.Value ?? null;
  const list = new Set<Value>(Array.isArray(value) ? value : [value]);
  const one = Array.isArray(value) ? (value[0] ?? null) : value;
  const cmp =
    (test: (d: number) => boolean) =>
    (f: Fields): boolean => {
      const d = ordered(f(p.Name), one);
      return d !== undefined && test(d);
    };
  switch (p.Operator) {
    case 'equal':
      return (f) => f(p.Name) === one;
    case 'not_equal':
      return (f) => f(p.Name) !== one;
    case 'in':
      return (f) => list.has(f(p.Name));
    case 'not_in':
      return (f) => !list.has(f(p.Name));
    case 'greater':
      return cmp((d) => d > 0);
    case 'greaterThan':
      return cmp((d) => d >= 0);
    case 'less':
      return cmp((d) => d < 0);
    case 'lessThan':
      return cmp((d) => d <= 0);
    case 'is_null':
      return (f) => f(p.Name) === null;
    case 'is_not_null':
      return (f) => f(p.Name) !== null;
  }
  // The schema admits only the operators above; unreachable for a validated config.
  return () => false;
}

/** PaiRec's FilterParams: every parameter must hold (an empty list always holds). */
export function compileParams(params: readonly FilterParam[]): (fields: Fields) => boolean {
  const preds = params.map(compileParam);
  return (f) => preds.every((p) => p(f));
}

/** The first FilterParam that fails for `fields`, as `Name Operator Value (was x)`; undefined when all hold. */
export function explainParams(params: readonly FilterParam[]): (fields: Fields) => string | undefined {
  const preds = params.map((p) => ({ p, test: compileParam(p) }));
  return (f) => {
    const bad = preds.find((x) => !x.test(f));
    return bad && `${bad.p.Name} ${bad.p.Operator}${bad.p.Value === undefined ? '' : ` ${JSON.stringify(bad.p.Value)}`} (was ${JSON.stringify(f(bad.p.Name))})`;
  };
}

/** Why a FilterParam cannot work, or undefined: checked at config load. */
export function paramProblem(p: FilterParam, known: (name: string) => boolean): string | undefined {
  if (!known(p.Name)) return `unknown field "${p.Name}"`;
  const list = p.Operator === 'in' || p.Operator === 'not_in';
  const none = p.Operator === 'is_null' || p.Operator === 'is_not_null';
  if (list && !Array.isArray(p.Value)) return `${p.Operator} needs an array Value`;
  if (!list && !none && (p.Value === undefined || Array.isArray(p.Value))) return `${p.Operator} needs one Value`;
  return undefined;
}

/** Each parameter names a known field and has the Value its operator needs (ItemStateFilter, BoostScoreSort). */
export function checkParams(params: readonly FilterParam[], ctx: StageCheck, at: string): void {
  params.forEach((p, j) => {
    const why = paramProblem(p, ctx.knownField);
    if (why) ctx.problem(`${at}[${j}]`, why);
  });
}
