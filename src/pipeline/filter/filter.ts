import type { TProperties } from '@sinclair/typebox';
import type { FilterConf } from '../../config/schema.js';
import type { ExposureStore } from '../../store/exposure-store.js';
import { validatedOnly } from '../../types/stage-type.js';
import type { StageTypeInfo, WithKeys } from '../../types/stage-type.js';
import type { Candidate, PipelineContext } from '../context.js';

/** A filter stage: returns the candidates that may be shown. */
export type Filter = (candidates: Candidate[], ctx: PipelineContext) => Candidate[] | Promise<Candidate[]>;

/** Why a filter dropped a candidate, for the explain trace (pipeline/explain/); never on the hot path. */
export type DropReason = (candidate: Candidate, ctx: PipelineContext) => string | undefined;

/** What filter factories may use. */
export interface FilterEnv {
  readonly exposures: ExposureStore;
}

/**
 * A filter type (PaiRec's FilterType): its own keys and checks (StageTypeInfo) and a
 * factory building a filter from its FilterConfs entry. A type's name also works directly
 * in FilterNames, with its defaults, unless it requires keys of its own.
 */
export interface FilterTypeDef<Conf extends FilterConf = FilterConf> extends StageTypeInfo<Conf> {
  /** Reads item properties: in a scene that loads item features, it runs after them (pipeline/scene.ts). */
  readonly readsItemFields?: boolean;
  create(conf: Conf, env: FilterEnv): Filter;
  /** Says why the filter dropped a candidate, when that is cheap to know (explain only). */
  explain?(conf: Conf): DropReason;
}

/** A filter type with keys of its own: `create`, `check` and `explain` see them typed. */
export function defineFilterType<P extends TProperties>(keys: P, def: Omit<FilterTypeDef<WithKeys<FilterConf, P>>, 'keys'>): FilterTypeDef {
  return { ...def, keys, create: validatedOnly(def.type, keys, def.create) } as FilterTypeDef;
}
