import { Type } from '@sinclair/typebox';
import type { Candidate } from '../context.js';
import { defineFilterType } from './filter.js';

/**
 * Moves a uniformly random choice of `k` candidates to the front (a partial Fisher–Yates
 * shuffle): PaiRec shuffles the whole list to keep a random RetainNum; only the kept part
 * needs to be drawn.
 */
export function drawFront(items: Candidate[], k: number, random: () => number): void {
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (items.length - i));
    const t = items[i] as Candidate;
    items[i] = items[j] as Candidate;
    items[j] = t;
  }
}

/**
 * AdjustCountFilter (PaiRec): at most RetainNum candidates go on — a random RetainNum of
 * them (ShuffleItem, the default), or the first RetainNum in recall order.
 */
export const adjustCountFilter = defineFilterType(
  {
    /** Candidates kept (a random RetainNum of them, or the first with ShuffleItem false). */
    RetainNum: Type.Integer({ minimum: 1, maximum: 100_000 }),
    /** A random RetainNum (absent or true, PaiRec's default) or the first RetainNum (false). */
    ShuffleItem: Type.Optional(Type.Boolean()),
  },
  {
    type: 'AdjustCountFilter',
    create: (conf) => {
      const keep = conf.RetainNum;
      const shuffle = conf.ShuffleItem !== false;
      return (candidates) => {
        if (candidates.length <= keep) return candidates;
        const out = candidates.slice();
        if (shuffle) drawFront(out, keep, Math.random);
        out.length = keep;
        return out;
      };
    },
    explain: (conf) => () => `beyond RetainNum ${conf.RetainNum}${conf.ShuffleItem !== false ? ' (a random choice is kept)' : ''}`,
  },
);
