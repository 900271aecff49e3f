import { PairecError } from '../../errors.js';
import { itemFields } from '../item-fields.js';
import type { FilterTypeDef } from './index.js';
import { compileParams } from './params.js';

/**
 * ItemStateFilter: keeps items whose state (catalog properties) meets every FilterParams
 * entry, e.g. `{"Name": "status", "Operator": "equal", "Value": "on_sale"}`. An item the
 * catalog does not hold has no known state and is dropped.
 */
export const itemStateFilter: FilterTypeDef = {
  type: 'ItemStateFilter',
  readsItemFields: true,
  create: (conf) => {
    if (!conf.FilterParams) throw new PairecError('ERR_INTERNAL', `unvalidated ItemStateFilter "${conf.Name}"`);
    const keep = compileParams(conf.FilterParams);
    return (candidates, ctx) => candidates.filter((c) => c.row >= 0 && keep(itemFields(c, ctx.catalog)));
  },
};
