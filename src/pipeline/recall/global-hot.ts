import type { Catalog } from '../../catalog/catalog.js';
import { copyCandidate } from '../context.js';
import type { Candidate } from '../context.js';
import type { RecallTypeDef } from './recall.js';
import { topRows } from './top-rows.js';

/** The `count` most popular catalog items, best first, as candidates from `retrieveId`. */
export function popularList(catalog: Catalog | undefined, count: number, retrieveId: string): Candidate[] {
  const list: Candidate[] = [];
  if (!catalog) return list;
  const pop = (row: number): number => {
    const v = catalog.itemField(row, 'popularity');
    return typeof v === 'number' ? v : 0;
  };
  for (const row of topRows(pop, catalog.itemIds.length, count)) {
    list.push({ itemId: catalog.itemIds[row] ?? '', row, retrieveId, recallScore: pop(row), score: pop(row) });
  }
  return list;
}

/**
 * UserGlobalHotRecall: the catalog's most popular items (numeric item feature
 * `popularity`), ranked once when the config loads, so a request only copies a list.
 */
export const globalHotRecall: RecallTypeDef = {
  type: 'UserGlobalHotRecall',
  usesCatalog: true,
  create: (conf, env) => {
    const list = popularList(env.catalog, conf.RecallCount, conf.Name);
    return {
      name: conf.Name,
      // Candidates are mutable (score is set by rank): each request gets its own copies.
      recall: () => Promise.resolve(list.map(copyCandidate)),
    };
  },
};
