/**
 * Reading an item's fields by row, from whichever form the catalog was given: typed
 * columns (file and demo catalogs: a number or a dictionary id per row, no object per
 * row) or row objects (catalogs built in code). Columns win where both are given.
 */
import type { FeatureValue, Features } from '../types/features.js';
import type { FieldColumn } from './typed-columns.js';
import { valueAt } from './typed-columns.js';

export interface ItemRows {
  /** The row's value of `name`: null where the field is missing on that row, undefined where the catalog has no such field. */
  field(row: number, name: string): FeatureValue | undefined;
  /** Every field of the row as one object (made per call from columns). */
  row(row: number): Features;
}

const EMPTY: Features = Object.freeze({});

export function itemRowsOf(rows: readonly Features[] | undefined, columns: ReadonlyMap<string, FieldColumn> | undefined, count: number): ItemRows {
  if (columns && columns.size > 0) {
    const entries = [...columns];
    return {
      field: (row, name) => {
        const column = columns.get(name);
        return column === undefined || row < 0 || row >= count ? undefined : valueAt(column, row);
      },
      row: (row) => {
        if (row < 0 || row >= count) return EMPTY;
        // Same keys in the same order on every row: one hidden class.
        const out: Record<string, FeatureValue> = {};
        for (const [name, column] of entries) out[name] = valueAt(column, row);
        return out;
      },
    };
  }
  return {
    field: (row, name) => {
      const f = rows?.[row];
      // hasOwn: a field name never reads through the prototype chain.
      return f && Object.hasOwn(f, name) ? f[name] : undefined;
    },
    row: (row) => rows?.[row] ?? EMPTY,
  };
}
