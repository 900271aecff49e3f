import type { SortTypeDef } from './sort.js';
import { diversityRuleSort } from './diversity.js';
import { boostScoreSort } from './boost.js';
import { multiRecallMixSort } from './mix.js';
import { itemRankScoreSort } from './item-rank-score.js';
import { conditionSort } from './condition.js';

export { itemRankScore } from './item-rank-score.js';
export type { Sort, SortConf, SortOptions, SortTypeDef } from './sort.js';
export { defineSortType } from './sort.js';

/** The built-in sort types, by PaiRec's SortType name (pipeline/types.ts registers them). */
export const SORT_TYPES: ReadonlyMap<string, SortTypeDef> = new Map(
  [itemRankScoreSort, diversityRuleSort, boostScoreSort, multiRecallMixSort, conditionSort].map((d) => [d.type, d]),
);
