import type { Candidate, PipelineContext } from '../context.js';
import type { FilterConf } from '../../config/schema.js';
import type { ExposureStore } from '../../store/exposure-store.js';
import { itemStateFilter } from './item-state.js';
import { conditionFilter } from './condition.js';
import { userBlacklistFilter } from './blacklist.js';

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
 * UniqueFilter: keeps the first occurrence of each item id (recall order decides).
 * Catalog items are told apart by row (a row is one id), others by id.
 */
export const uniqueFilter: Filter = (candidates, ctx) => {
  const marks = ctx.catalog?.rowMarks;
  marks?.clear();
  let ids: Set<string> | undefined;
  const out: Candidate[] = [];
  for (const c of candidates) {
    if (marks && c.row >= 0) {
      if (!marks.add(c.row)) continue;
    } else {
      ids ??= new Set<string>();
      if (ids.has(c.itemId)) continue;
      ids.add(c.itemId);
    }
    out.push(c);
  }
  return out;
};

/**
 * User2ItemExposureFilter: drops items the user was shown (recorded through
 * `POST /api/callback`) within the last `TimeInterval` seconds.
 */
const exposureFilter: FilterTypeDef = {
  type: 'User2ItemExposureFilter',
  create: (conf, env) => async (candidates, ctx) => {
    const seen = await env.exposures.seen(ctx.request.uid, Date.now() - conf.TimeInterval * 1000, ctx);
    return seen.size === 0 ? candidates : candidates.filter((c) => !seen.has(c.itemId));
  },
  explain: (conf) => () => `shown to this user within TimeInterval (${conf.TimeInterval} s)`,
};

/**
 * Filter types by name; a type's name is also usable directly in FilterNames with its
 * defaults, except the types that need their own keys (config/pipeline-references.ts).
 */
export const FILTER_TYPES: ReadonlyMap<string, FilterTypeDef> = new Map(
  [
    { type: 'UniqueFilter', create: () => uniqueFilter } satisfies FilterTypeDef,
    exposureFilter,
    itemStateFilter,
    conditionFilter,
    userBlacklistFilter,
  ].map((d) => [d.type, d]),
);
