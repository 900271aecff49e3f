import { compileExpression } from '../../expression/expression.js';
import { compileParams } from '../filter/params.js';
import { itemFields } from '../item-fields.js';
import type { SortTypeDef } from './index.js';
import { sortByScore } from './score-order.js';

/**
 * BoostScoreSort: PaiRec's BoostScoreConditions. For each item, every condition whose
 * Conditions hold rewrites its score with Expression (`score * 1.5`, `score + 0.1 *
 * popularity`); then items are ordered by score again. Expressions were checked at
 * config load; a non-finite result leaves the score as it was.
 */
export const boostScoreSort: SortTypeDef = {
  type: 'BoostScoreSort',
  create: (conf) => {
    const boosts = (conf.BoostScoreConditions ?? []).map((b) => ({
      when: compileParams(b.Conditions),
      score: compileExpression(b.Expression, () => true).run,
    }));
    return (candidates, ctx) => {
      for (const c of candidates) {
        const fields = itemFields(c, ctx.catalog);
        for (const b of boosts) {
          if (!b.when(fields)) continue;
          const s = b.score((name) => {
            const v = fields(name);
            return typeof v === 'number' ? v : Number.NaN;
          });
          if (Number.isFinite(s)) c.score = s;
        }
      }
      return sortByScore(candidates);
    };
  },
};
