import { Type } from '@sinclair/typebox';
import { ExpressionSchema, strict } from '../../config/pipeline-schema.js';
import { compileExpression } from '../../expression/expression.js';
import { FilterParamSchema, checkParams, compileParams } from '../filter/params.js';
import { itemFields } from '../item-fields.js';
import { checkCompiles } from '../check.js';
import { defineSortType } from './sort.js';

/** PaiRec's BoostScoreCondition: items meeting Conditions get score = Expression (over `score` and item numbers). */
export const BoostScoreConditionSchema = Type.Object(
  { Expression: ExpressionSchema, Conditions: Type.Array(FilterParamSchema, { default: [], maxItems: 64 }) },
  strict,
);
import { sortByScore } from './score-order.js';

/**
 * BoostScoreSort: PaiRec's BoostScoreConditions. For each item, every condition whose
 * Conditions hold rewrites its score with Expression (`score * 1.5`, `score + 0.1 *
 * popularity`); then items are ordered by score again. Expressions were checked at
 * config load; a non-finite result leaves the score as it was.
 */
export const boostScoreSort = defineSortType(
  {
    /** Rewritten scores, then by score again. */
    BoostScoreConditions: Type.Array(BoostScoreConditionSchema, { minItems: 1, maxItems: 64 }),
  },
  {
    type: 'BoostScoreSort',
    check: (conf, ctx) =>
      conf.BoostScoreConditions.forEach((b, j) => {
        const at = `${ctx.at}.BoostScoreConditions[${j}]`;
        checkCompiles(ctx, `${at}.Expression`, () => compileExpression(b.Expression, ctx.knownField));
        checkParams(b.Conditions, ctx, `${at}.Conditions`);
      }),
    create: (conf) => {
      const boosts = conf.BoostScoreConditions.map((b) => ({
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
  },
);
