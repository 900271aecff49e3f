import type { Candidate } from '../context.js';
import type { SortTypeDef } from './index.js';

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

/**
 * MultiRecallMixSort: PaiRec's MixSortRules with the fix_position strategy: reserves
 * positions for recall sources (e.g. a hot list at positions 3 and 7), so a source with
 * lower scores still reaches the page. Rules apply in order.
 */
export const multiRecallMixSort: SortTypeDef = {
  type: 'MultiRecallMixSort',
  create: (conf) => {
    const rules = (conf.MixSortRules ?? []).map((r) => ({ positions: r.Positions, names: new Set(r.RecallNames) }));
    return (candidates) => rules.reduce<Candidate[]>((list, r) => mixPositions(list, r.positions, r.names), candidates);
  },
};
