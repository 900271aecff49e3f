import type { Config } from '../../config/schema.js';
import type { Candidate, PipelineContext } from '../context.js';
import { diversityRuleSort } from './diversity.js';
import { boostScoreSort } from './boost.js';
import { multiRecallMixSort } from './mix.js';
export { itemRankScore } from './item-rank-score.js';
import { itemRankScoreSort } from './item-rank-score.js';

/** One SortConfs entry. */
export type SortConf = Config['SortConfs'][number];

/** A sort stage: returns the candidates in display order. */
export type Sort = (candidates: Candidate[], ctx: PipelineContext) => Candidate[];

/** What a sort may be given besides its conf: a seeded random source in tests. */
export interface SortOptions {
  readonly random?: () => number;
}

/** A sort type (PaiRec's SortType): builds a sort from its SortConfs entry. */
export interface SortTypeDef {
  readonly type: string;
  create(conf: SortConf, opts?: SortOptions): Sort;
}

/**
 * Sort types by PaiRec's SortType name; a type's name is also usable directly in
 * SortNames, except the types that need their own keys (config/pipeline-references.ts).
 */
export const SORT_TYPES: ReadonlyMap<string, SortTypeDef> = new Map(
  [itemRankScoreSort, diversityRuleSort, boostScoreSort, multiRecallMixSort].map((d) => [d.type, d]),
);
