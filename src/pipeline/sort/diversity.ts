import { itemFields } from '../item-fields.js';
import type { Candidate } from '../context.js';
import type { SortTypeDef } from './index.js';

/** One rule with its key function: at most `frequency` equal keys in any `window` consecutive items. */
export interface WindowRule<T> {
  readonly key: (item: T) => string;
  readonly window: number;
  readonly frequency: number;
}

/**
 * Greedy diversification: each position takes the first remaining item (in input order)
 * that breaks no rule in the window ending there. When none fits, or `limit` positions
 * are filled, the rest follow in input order: every item is kept, and the first `placed`
 * items meet every rule in every window.
 */
export function diversify<T>(items: readonly T[], rules: readonly WindowRule<T>[], limit = items.length): { order: T[]; placed: number } {
  const keys = items.map((it) => rules.map((r) => r.key(it)));
  const rest = items.map((_, i) => i);
  const out: number[] = [];
  const fits = (i: number): boolean =>
    rules.every((r, k) => {
      const key = keys[i]?.[k];
      let n = 0;
      for (let p = Math.max(0, out.length - (r.window - 1)); p < out.length; p++) if (keys[out[p] ?? 0]?.[k] === key) n++;
      return n < r.frequency;
    });
  while (out.length < limit && rest.length > 0) {
    const j = rest.findIndex(fits);
    if (j < 0) break;
    out.push(...rest.splice(j, 1));
  }
  const placed = out.length;
  return { order: [...out, ...rest].map((i) => items[i] as T), placed };
}

/**
 * DiversityRuleSort: PaiRec's DiversityRules (Dimensions, WindowSize, FrequencySize) over
 * the first DiversitySize positions, e.g. at most 1 item per category in any 3 in a row.
 * Runs after a score sort, so each position takes the best item that keeps the rules.
 */
export const diversityRuleSort: SortTypeDef = {
  type: 'DiversityRuleSort',
  create: (conf) => {
    const specs = conf.DiversityRules ?? [];
    return (candidates, ctx) => {
      const rules: WindowRule<Candidate>[] = specs.map((r) => ({
        key: (c) => {
          const f = itemFields(c, ctx.catalog);
          return JSON.stringify(r.Dimensions.map((d) => f(d)));
        },
        window: r.WindowSize,
        frequency: r.FrequencySize,
      }));
      return diversify(candidates, rules, conf.DiversitySize ?? candidates.length).order;
    };
  },
};
