import { PairecError } from '../../errors.js';
import { compileCondition } from '../../expression/condition.js';
import { itemFields } from '../item-fields.js';
import type { FilterTypeDef } from './index.js';

/**
 * ConditionFilter: keeps items for which FilterEvaluableExpression holds, e.g.
 * `category != "cat_3" && popularity >= 0.001`. The expression was parsed and its fields
 * checked at config load (config/pipeline-references.ts); here it is only compiled.
 */
export const conditionFilter: FilterTypeDef = {
  type: 'ConditionFilter',
  readsItemFields: true,
  create: (conf) => {
    const source = conf.FilterEvaluableExpression;
    if (source === undefined) throw new PairecError('ERR_INTERNAL', `unvalidated ConditionFilter "${conf.Name}"`);
    const { run } = compileCondition(source, () => true);
    return (candidates, ctx) => candidates.filter((c) => run(itemFields(c, ctx.catalog)));
  },
  explain: (conf) => () => `FilterEvaluableExpression is false: ${conf.FilterEvaluableExpression ?? ''}`,
};
