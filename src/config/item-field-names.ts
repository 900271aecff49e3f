import type { CatalogConf } from './schema.js';

/** Properties every candidate has, whatever the catalog. */
export const CANDIDATE_FIELDS: readonly string[] = ['item_id', 'retrieve_id', 'score', 'recall_score'];
/** Item features of the demo catalog (catalog/demo.ts). */
const DEMO_ITEM_FEATURES: readonly string[] = ['popularity', 'category'];

/**
 * The field whitelist of item conditions: candidate properties, the configured catalog's
 * item features and fields a conf declares. Known at config load, before any catalog is
 * built, so a misspelt field fails the load instead of silently matching nothing.
 */
export function knownItemFields(catalog: CatalogConf | undefined, declared: readonly string[] = [], fileFields?: readonly string[]): (name: string) => boolean {
  // A file catalog's fields are its files' columns, known only once they are read: every name
  // passes the parse, and the check runs again with `fileFields` once the files are loaded.
  if (catalog?.Source === 'file' && fileFields === undefined) return () => true;
  const catalogFields = catalog?.Source === 'file' ? (fileFields ?? []) : catalog ? DEMO_ITEM_FEATURES : [];
  const set = new Set([...CANDIDATE_FIELDS, ...catalogFields, ...declared]);
  return (name) => set.has(name);
}
