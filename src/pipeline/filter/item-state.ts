import { PairecError } from '../../errors.js';
import { itemFields } from '../item-fields.js';
import type { FilterTypeDef } from './index.js';
import { compileParams, explainParams } from './params.js';

/**
 * ItemStateFilter: keeps items whose state (catalog properties, and features the features
 * stage loaded, which win) meets every FilterParams entry, e.g.
 * `{"Name": "status", "Operator": "equal", "Value": "on_sale"}`. An item neither the
 * catalog holds nor any loaded features describe has no known state and is dropped.
 */
export const itemStateFilter: FilterTypeDef = {
  type: 'ItemStateFilter',
  readsItemFields: true,
  create: (conf) => {
    if (!conf.FilterParams) throw new PairecError('ERR_INTERNAL', `unvalidated ItemStateFilter "${conf.Name}"`);
    const keep = compileParams(conf.FilterParams);
    return (candidates, ctx) => candidates.filter((c) => (c.row >= 0 || c.features !== undefined) && keep(itemFields(c, ctx.catalog)));
  },
  explain: (conf) => {
    const failed = explainParams(conf.FilterParams ?? []);
    return (c, ctx) => (c.row < 0 && c.features === undefined ? 'no known state: not in the catalog, no loaded features' : failed(itemFields(c, ctx.catalog)));
  },
};
