import { ExpressionSchema } from '../../config/pipeline-schema.js';
import { compileCondition } from '../../expression/condition.js';
import { itemFields } from '../item-fields.js';
import { checkCompiles } from '../check.js';
import { defineFilterType } from './filter.js';

/**
 * ConditionFilter: keeps items for which FilterEvaluableExpression holds, e.g.
 * `category != "cat_3" && popularity >= 0.001`. The expression was parsed and its fields
 * checked at config load (`check`); here it is only compiled.
 */
export const conditionFilter = defineFilterType(
  {
    /** Keep the items for which this condition holds. */
    FilterEvaluableExpression: ExpressionSchema,
  },
  {
    type: 'ConditionFilter',
    readsItemFields: true,
    check: (conf, ctx) => checkCompiles(ctx, `${ctx.at}.FilterEvaluableExpression`, () => compileCondition(conf.FilterEvaluableExpression, ctx.knownField)),
    create: (conf) => {
      const { run } = compileCondition(conf.FilterEvaluableExpression, () => true);
      return (candidates, ctx) => candidates.filter((c) => run(itemFields(c, ctx.catalog)));
    },
    explain: (conf) => () => `FilterEvaluableExpression is false: ${conf.FilterEvaluableExpression}`,
  },
);
