import type { Catalog } from '../catalog/catalog.js';
import type { Fields } from '../expression/condition.js';
import type { Candidate } from './context.js';

/**
 * A candidate's properties as conditions, boosts and diversity rules read them; a missing
 * or non-scalar feature is null. Features loaded by the features stage (FeatureConfs,
 * `c.features`) override the catalog's, as they do for rank.
 */
export function itemFields(c: Candidate, catalog: Catalog | undefined): Fields {
  return (name) => itemField(c, catalog, name);
}

/** One property of a candidate (see itemFields), without making a closure per candidate. */
export function itemField(c: Candidate, catalog: Catalog | undefined, name: string): ReturnType<Fields> {
  switch (name) {
    case 'item_id':
      return c.itemId;
    case 'retrieve_id':
      return c.retrieveId;
    case 'score':
      return c.score;
    case 'recall_score':
      return c.recallScore;
    default: {
      // hasOwn: a whitelisted name still never reads through the prototype chain.
      const loaded = c.features;
      if (loaded && Object.hasOwn(loaded, name)) {
        const v = loaded[name];
        return v === undefined || v instanceof Float32Array ? null : v; // a vector is not a scalar field
      }
      return c.row >= 0 ? (catalog?.itemField(c.row, name) ?? null) : null;
    }
  }
}
