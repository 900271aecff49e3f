import { Type } from '@sinclair/typebox';
import { NameSchema, strict } from '../../config/pipeline-schema.js';
import type { Fields } from '../../expression/condition.js';
import type { FeatureMap } from '../../types/features.js';
import { FilterParamSchema, checkParams, compileParams } from '../filter/params.js';
import type { Sort } from './sort.js';
import { defineSortType } from './sort.js';

/** PaiRec's ConditionSortConfs: the first entry whose Conditions hold for the user picks the sort; else DefaultSortName. */
const ConditionSortConfsSchema = Type.Object(
  {
    SortConfs: Type.Array(Type.Object({ Conditions: Type.Array(FilterParamSchema, { default: [], maxItems: 64 }), SortName: NameSchema }, strict), {
      minItems: 1,
      maxItems: 64,
    }),
    DefaultSortName: Type.Optional(NameSchema),
  },
  strict,
);

/** A user feature as a condition reads it: scalars as they are, anything else (a vector, a list) as null. */
function userFields(features: FeatureMap): Fields {
  return (name) => {
    const v = Object.hasOwn(features, name) ? features[name] : undefined;
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
  };
}

/**
 * ConditionSort (PaiRec): routes each request to one of several sorts by the user's
 * features (the request's `features` and loaded user features) — e.g. VIP users to a
 * boosted order. SortConfs are tried in order; an entry without Conditions always
 * matches; no match runs DefaultSortName, or leaves the order as it is. The sorts are
 * named like SortNames entries (a SortConfs name or a type usable bare) and built once.
 */
export const conditionSort = defineSortType(
  { ConditionSortConfs: ConditionSortConfsSchema },
  {
    type: 'ConditionSort',
    check: (conf, ctx) => {
      const at = `${ctx.at}.ConditionSortConfs`;
      const { SortConfs: entries, DefaultSortName: fallback } = conf.ConditionSortConfs;
      // A circle (itself, or through other ConditionSorts) is refused by the config layer (`runs`).
      const named = (path: string, n: string): void => {
        if (!ctx.sorts.has(n)) ctx.problem(path, `no sort named "${n}" in SortConfs, and no sort type usable by that name`);
      };
      entries.forEach((e, j) => {
        named(`${at}.SortConfs[${j}].SortName`, e.SortName);
        // Conditions read the user's features, whose names are open, so only the operators' values are checked.
        checkParams(e.Conditions, { ...ctx, knownField: () => true }, `${at}.SortConfs[${j}].Conditions`);
      });
      if (fallback !== undefined) named(`${at}.DefaultSortName`, fallback);
    },
    runs: (conf) => [
      ...conf.ConditionSortConfs.SortConfs.map((e) => e.SortName),
      ...(conf.ConditionSortConfs.DefaultSortName === undefined ? [] : [conf.ConditionSortConfs.DefaultSortName]),
    ],
    create: (conf, opts) => {
      const sortNamed = opts?.sortNamed;
      const build = (n: string): Sort => sortNamed?.(n) ?? ((c) => c);
      const routes = conf.ConditionSortConfs.SortConfs.map((e) => ({ when: compileParams(e.Conditions), sort: build(e.SortName) }));
      const fallback = conf.ConditionSortConfs.DefaultSortName;
      const otherwise: Sort = fallback === undefined ? (c) => c : build(fallback);
      return (candidates, ctx) => {
        const fields = userFields(ctx.userFeatures);
        const route = routes.find((r) => r.when(fields));
        return (route?.sort ?? otherwise)(candidates, ctx);
      };
    },
  },
);
