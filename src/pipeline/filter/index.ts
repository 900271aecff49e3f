import type { Candidate, PipelineContext } from '../context.js';
import type { FilterConf } from '../../config/schema.js';
import type { ExposureStore } from '../../store/exposure-store.js';
import { itemStateFilter } from './item-state.js';
import { conditionFilter } from './condition.js';
import { userBlacklistFilter } from './blacklist.js';
import { uniqueFilterType } from './unique.js';
import { exposureFilter } from './exposure.js';
import { adjustCountFilter } from './adjust-count.js';
import { priorityAdjustCountFilter } from './priority-adjust-count.js';

export { uniqueFilter } from './unique.js';

/** A filter stage: returns the candidates that may be shown. */
export type Filter = (candidates: Candidate[], ctx: PipelineContext) => Candidate[] | Promise<Candidate[]>;

/** Why a filter dropped a candidate, for the explain trace (pipeline/explain/); never on the hot path. */
export type DropReason = (candidate: Candidate, ctx: PipelineContext) => string | undefined;

/** What filter factories may use. */
export interface FilterEnv {
  readonly exposures: ExposureStore;
}

/** A filter type (PaiRec's FilterType): builds a filter from its FilterConfs entry. */
export interface FilterTypeDef {
  readonly type: string;
  /** Reads item properties: in a scene that loads item features, it runs after them (pipeline/scene.ts). */
  readonly readsItemFields?: boolean;
  create(conf: FilterConf, env: FilterEnv): Filter;
  /** Says why the filter dropped a candidate, when that is cheap to know (explain only). */
  explain?(conf: FilterConf): DropReason;
}

/**
 * Filter types by name; a type's name is also usable directly in FilterNames with its
 * defaults, except the types that need their own keys (config/pipeline-references.ts).
 */
export const FILTER_TYPES: ReadonlyMap<string, FilterTypeDef> = new Map(
  [uniqueFilterType, exposureFilter, itemStateFilter, conditionFilter, userBlacklistFilter, adjustCountFilter, priorityAdjustCountFilter].map((d) => [d.type, d]),
);
