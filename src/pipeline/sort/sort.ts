import type { TProperties } from '@sinclair/typebox';
import type { SortConf } from '../../config/schema.js';
import { validatedOnly } from '../../types/stage-type.js';
import type { StageTypeInfo, WithKeys } from '../../types/stage-type.js';
import type { Candidate, PipelineContext } from '../context.js';

export type { SortConf } from '../../config/schema.js';

/** A sort stage: returns the candidates in display order. */
export type Sort = (candidates: Candidate[], ctx: PipelineContext) => Candidate[];

/** What a sort may be given besides its conf. */
export interface SortOptions {
  /** A seeded random source (tests). */
  readonly random?: () => number;
  /** Another sort of the scene's config by the name SortNames would use (a SortConfs name, or a type usable bare). */
  readonly sortNamed?: (name: string) => Sort | undefined;
}

/**
 * A sort type (PaiRec's SortType): its own keys and checks (StageTypeInfo) and a factory
 * building a sort from its SortConfs entry. A type's name also works directly in
 * SortNames, unless it requires keys of its own.
 */
export interface SortTypeDef<Conf extends SortConf = SortConf> extends StageTypeInfo<Conf> {
  create(conf: Conf, opts?: SortOptions): Sort;
}

/** A sort type with keys of its own: `create` and `check` see them typed. */
export function defineSortType<P extends TProperties>(keys: P, def: Omit<SortTypeDef<WithKeys<SortConf, P>>, 'keys'>): SortTypeDef {
  return { ...def, keys, create: validatedOnly(def.type, keys, def.create) } as SortTypeDef;
}
