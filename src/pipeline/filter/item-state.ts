import { Type } from '@sinclair/typebox';
import { itemFields } from '../item-fields.js';
import { defineFilterType } from './filter.js';
import { FilterParamSchema, checkParams, compileParams, explainParams } from './params.js';

/**
 * ItemStateFilter: keeps items whose state (catalog properties, and features the features
 * stage loaded, which win) meets every FilterParams entry, e.g.
 * `{"Name": "status", "Operator": "equal", "Value": "on_sale"}`. An item neither the
 * catalog holds nor any loaded features describe has no known state and is dropped.
 */
export const itemStateFilter = defineFilterType(
  {
    /** Keep the catalog items whose properties meet every parameter. */
    FilterParams: Type.Array(FilterParamSchema, { minItems: 1, maxItems: 64 }),
  },
  {
    type: 'ItemStateFilter',
    readsItemFields: true,
    check: (conf, ctx) => checkParams(conf.FilterParams, ctx, `${ctx.at}.FilterParams`),
    create: (conf) => {
      const keep = compileParams(conf.FilterParams);
      return (candidates, ctx) => candidates.filter((c) => (c.row >= 0 || c.features !== undefined) && keep(itemFields(c, ctx.catalog)));
    },
    explain: (conf) => {
      const failed = explainParams(conf.FilterParams);
      return (c, ctx) =>
        c.row < 0 && c.features === undefined ? 'no known state: not in the catalog, no loaded features' : failed(itemFields(c, ctx.catalog));
    },
  },
);
