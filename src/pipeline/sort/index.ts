import type { Candidate, PipelineContext } from '../context.js';

/** A sort stage: returns the candidates in display order. */
export type Sort = (candidates: Candidate[], ctx: PipelineContext) => Candidate[];

/** ItemRankScore: by score, highest first; ties keep recall order (Array.prototype.sort is stable). */
export const itemRankScore: Sort = (candidates) => candidates.sort((a, b) => b.score - a.score);

/** Sort types by PaiRec's SortType name; a type's name is also usable directly in SortNames. */
export const SORT_TYPES: ReadonlyMap<string, Sort> = new Map([['ItemRankScore', itemRankScore]]);
