import type { Candidate } from '../context.js';
import type { Filter, FilterTypeDef } from './filter.js';

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

export const uniqueFilterType: FilterTypeDef = { type: 'UniqueFilter', create: () => uniqueFilter };
