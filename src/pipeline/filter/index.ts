import type { Candidate, PipelineContext } from '../context.js';

/** A filter stage: returns the candidates that may be shown. */
export type Filter = (candidates: Candidate[], ctx: PipelineContext) => Candidate[] | Promise<Candidate[]>;

/** UniqueFilter: keeps the first occurrence of each item id (recall order decides). */
export const uniqueFilter: Filter = (candidates) => {
  const seen = new Set<string>();
  const out: Candidate[] = [];
  for (const c of candidates) {
    if (seen.has(c.itemId)) continue;
    seen.add(c.itemId);
    out.push(c);
  }
  return out;
};

/** Filters by name (PaiRec's FilterNames). UniqueFilter always runs first. */
export const FILTERS: ReadonlyMap<string, Filter> = new Map([['UniqueFilter', uniqueFilter]]);
