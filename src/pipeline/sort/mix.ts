import type { Candidate } from '../context.js';
import { Type } from '@sinclair/typebox';
import { NameSchema, strict } from '../../config/pipeline-schema.js';
import { defineSortType } from './sort.js';

/**
 * PaiRec's MixSortConfig: items of RecallNames at Positions (1-based, fix_position), or
 * `Number` of them (or `NumberRate` of the page) at random positions of the page
 * (random_position; within Positions when given).
 */
export const MixSortRuleSchema = Type.Object(
  {
    MixStrategy: Type.Union([Type.Literal('fix_position'), Type.Literal('random_position')], { default: 'fix_position' }),
    Positions: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 10000 }), { minItems: 1, maxItems: 1000 })),
    Number: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
    NumberRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    RecallNames: Type.Array(NameSchema, { minItems: 1, maxItems: 64 }),
  },
  strict,
);

/** A source of uniform numbers in [0, 1): Math.random when serving, seeded in tests. */
export type Random = () => number;

/**
 * Moves the first items of `names` (in current order) to the 1-based `positions`; the
 * other items keep their order around them. A permutation: nothing is added or lost.
 */
export function mixPositions(items: readonly Candidate[], positions: readonly number[], names: ReadonlySet<string>): Candidate[] {
  const slots = [...new Set(positions)].sort((a, b) => a - b);
  const picked: Candidate[] = [];
  const rest: Candidate[] = [];
  for (const c of items) (picked.length < slots.length && names.has(c.retrieveId) ? picked : rest).push(c);
  // Ascending inserts: each lands at its slot when enough items precede it, else at the end.
  picked.forEach((c, k) => rest.splice(Math.min((slots[k] ?? 1) - 1, rest.length), 0, c));
  return rest;
}

/** `count` distinct values of `from`, uniformly at random (partial Fisher–Yates). */
export function sample(from: readonly number[], count: number, random: Random): number[] {
  const pool = [...from];
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, n);
}

interface MixRule {
  readonly names: ReadonlySet<string>;
  /** The 1-based positions for this list of `size` items on a page of `page`. */
  positions(size: number, page: number): readonly number[];
}

/**
 * MultiRecallMixSort: PaiRec's MixSortRules. `fix_position` reserves Positions for recall
 * sources (e.g. a hot list at positions 3 and 7), so a source with lower scores still
 * reaches the page. `random_position` puts `Number` items of the sources (or `NumberRate`
 * of the page, at least one; one by default) at positions drawn at random on each request from
 * Positions, or from the whole page (the request's `size`). Rules apply in order.
 */
export const multiRecallMixSort = defineSortType(
  {
    /** Positions reserved for recall sources. */
    MixSortRules: Type.Array(MixSortRuleSchema, { minItems: 1, maxItems: 64 }),
  },
  {
    type: 'MultiRecallMixSort',
    check: (conf, ctx) =>
      conf.MixSortRules.forEach((r, j) => {
        const at = `${ctx.at}.MixSortRules[${j}]`;
        if (r.MixStrategy === 'fix_position' && r.Positions === undefined) ctx.problem(`${at}.Positions`, 'required by fix_position');
        r.RecallNames.forEach((n, k) => {
          if (!ctx.recalls.has(n)) ctx.problem(`${at}.RecallNames[${k}]`, `no recall named "${n}" in RecallConfs`);
        });
      }),
    create: (conf, opts) => {
      const random = opts?.random ?? Math.random;
      const rules: MixRule[] = conf.MixSortRules.map((r) => {
        const names = new Set(r.RecallNames);
        const fixed = r.Positions ?? [];
        if (r.MixStrategy !== 'random_position') return { names, positions: () => fixed };
        return {
          names,
          positions: (size, page) => {
            const slots = r.Positions ?? Array.from({ length: Math.min(size, page) }, (_, i) => i + 1);
            const count = r.Number ?? (r.NumberRate !== undefined ? Math.max(1, Math.ceil(r.NumberRate * page)) : 1);
            return sample(slots, count, random);
          },
        };
      });
      return (candidates, ctx) => rules.reduce<Candidate[]>((list, r) => mixPositions(list, r.positions(list.length, ctx.request.size), r.names), candidates);
    },
  },
);
