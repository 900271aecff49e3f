/**
 * Typed columns of a file catalog's fields: numbers in a Float64Array, strings as a
 * dictionary (Int32Array of ids into interned keys), booleans in a Uint8Array. A field's
 * type is decided once every row is read: numbers when every present value is a number,
 * booleans when every one is a boolean, strings otherwise. A missing value stays missing
 * (null to the pipeline), never zero.
 */
import type { FeatureValue } from './catalog.js';

export type RawScalar = string | number | boolean | null | undefined;

export type FieldColumn =
  | { readonly kind: 'number'; readonly values: Float64Array; readonly missing: Uint8Array | undefined }
  | { readonly kind: 'boolean'; readonly values: Uint8Array; readonly missing: Uint8Array | undefined }
  | { readonly kind: 'string'; readonly ids: Int32Array; readonly keys: readonly string[] };

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;
const BOOLEAN = /^(true|false)$/i;

/** One field value of a row, checked: `bad` says why it cannot be used. */
export function scalarOf(v: unknown, textual: boolean): { value: RawScalar; bad?: undefined } | { value?: undefined; bad: string } {
  if (v === undefined || v === null) return { value: null };
  if (typeof v === 'number') return Number.isFinite(v) ? { value: v } : { bad: `${String(v)} is not a finite number` };
  if (typeof v === 'bigint') {
    const n = Number(v);
    return Number.isSafeInteger(n) ? { value: n } : { bad: `${v.toString()} does not fit a double exactly` };
  }
  if (typeof v === 'boolean') return { value: v };
  if (typeof v === 'string') {
    if (textual && v === '') return { value: null };
    // "NaN", "inf", or a number beyond a double ("1e999"): a field must not hold one.
    if (textual && (NON_FINITE.test(v.trim()) || (NUMBER.test(v.trim()) && !Number.isFinite(Number(v))))) return { bad: `"${v}" is not a finite number` };
    return { value: v };
  }
  if (v instanceof Date) return { value: v.toISOString() };
  // A nested value (a list, a map) is kept as its JSON text: a field, not a vector.
  return { value: JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) };
}

/** The column of one field from its raw values (undefined/null: missing). */
export function typedColumn(values: readonly RawScalar[], textual: boolean): FieldColumn {
  const n = values.length;
  let numbers = true;
  let booleans = true;
  let anyMissing = false;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === undefined || v === null) {
      anyMissing = true;
      continue;
    }
    if (typeof v === 'number') booleans = false;
    else if (typeof v === 'boolean') numbers = false;
    else if (textual) {
      const t = v.trim();
      if (!NUMBER.test(t)) numbers = false;
      if (!BOOLEAN.test(t)) booleans = false;
    } else {
      numbers = false;
      booleans = false;
    }
    if (!numbers && !booleans) break;
  }
  const missing = anyMissing ? new Uint8Array(n) : undefined;
  const present = hasPresent(values); // a field no row fills is a column of nulls (string)
  if (numbers && present) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined || v === null) {
        if (missing) missing[i] = 1;
      } else out[i] = typeof v === 'number' ? v : Number(v);
    }
    return { kind: 'number', values: out, missing };
  }
  if (booleans && present) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined || v === null) {
        if (missing) missing[i] = 1;
      } else out[i] = v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true') ? 1 : 0;
    }
    return { kind: 'boolean', values: out, missing };
  }
  const ids = new Int32Array(n);
  const keys: string[] = [];
  const idOf = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === undefined || v === null) {
      ids[i] = -1;
      continue;
    }
    const key = String(v);
    let id = idOf.get(key);
    if (id === undefined) {
      id = keys.push(key) - 1;
      idOf.set(key, id);
    }
    ids[i] = id;
  }
  return { kind: 'string', ids, keys };
}

function hasPresent(values: readonly RawScalar[]): boolean {
  return values.some((v) => v !== undefined && v !== null);
}

/** One row's value of a column, as the pipeline reads item fields (null when missing). */
export function valueAt(column: FieldColumn, row: number): FeatureValue {
  switch (column.kind) {
    case 'number':
      return column.missing?.[row] ? null : (column.values[row] ?? null);
    case 'boolean':
      return column.missing?.[row] ? null : column.values[row] === 1;
    case 'string': {
      const id = column.ids[row] ?? -1;
      return id < 0 ? null : (column.keys[id] ?? null);
    }
  }
}
