import type { FilterTypeDef } from './filter.js';
import { itemStateFilter } from './item-state.js';
import { conditionFilter } from './condition.js';
import { userBlacklistFilter } from './blacklist.js';
import { uniqueFilterType } from './unique.js';
import { exposureFilter } from './exposure.js';
import { adjustCountFilter } from './adjust-count.js';
import { priorityAdjustCountFilter } from './priority-adjust-count.js';

export { uniqueFilter } from './unique.js';
export type { Filter, DropReason, FilterEnv, FilterTypeDef } from './filter.js';
export { defineFilterType } from './filter.js';

/** The built-in filter types, by PaiRec's FilterType name (pipeline/types.ts registers them). */
export const FILTER_TYPES: ReadonlyMap<string, FilterTypeDef> = new Map(
  [uniqueFilterType, exposureFilter, itemStateFilter, conditionFilter, userBlacklistFilter, adjustCountFilter, priorityAdjustCountFilter].map((d) => [
    d.type,
    d,
  ]),
);
