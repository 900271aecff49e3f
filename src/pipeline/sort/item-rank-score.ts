import type { Sort, SortTypeDef } from './sort.js';
import { sortByScore } from './score-order.js';

/** ItemRankScore: by score, highest first; ties keep recall order, NaN scores go last. */
export const itemRankScore: Sort = (candidates) => sortByScore(candidates);

export const itemRankScoreSort: SortTypeDef = { type: 'ItemRankScore', create: () => itemRankScore };
