/**
 * The in-memory catalog: items with embeddings and features, users with embeddings.
 * Embeddings are one contiguous Float32Array per side (row-major, `dim` wide) so ANN
 * libraries and exact search read them without copies.
 */
import type { FeatureValue, Features, ItemColumn, RowSource } from '../types/features.js';
import { RowMarks } from './row-marks.js';
import { PairecError } from '../errors.js';
import type { FieldColumn } from './typed-columns.js';
import { itemRowsOf } from './item-rows.js';
import type { ItemRows } from './item-rows.js';
import { allRows, rowsInSlices } from '../worker/slices.js';
import type { RowWork } from '../worker/slices.js';

export type { FeatureValue, Features } from '../types/features.js';

/** Columns of a catalog as loaded. */
export interface CatalogData {
  readonly dim: number;
  readonly itemIds: readonly string[];
  readonly itemEmbeddings: Float32Array;
  /** The item fields as one object per row (catalogs built in code); see itemColumns. */
  readonly itemFeatures?: readonly Features[];
  /**
   * The item fields as typed columns (file and demo catalogs): no object per row (at 1M
   * items the row objects held 84 MB of heap in every serving process); numeric ones serve
   * as dense model columns and string ones as key columns as they are. Read by
   * Catalog.itemField; columns win where both are given.
   */
  readonly itemColumns?: ReadonlyMap<string, FieldColumn>;
  readonly userIds: readonly string[];
  readonly userEmbeddings: Float32Array;
  /** The cache folder the embeddings are mapped from (shared-embeddings.ts): removed once a refresh replaces this catalog. */
  readonly cacheFolder?: string;
}

export interface Catalog extends Omit<CatalogData, 'itemFeatures'> {
  /** An item's field by row: null where missing on that row, undefined where the catalog has no such field. */
  itemField(row: number, name: string): FeatureValue | undefined;
  /** Every field of an item as one object (made per call when the catalog holds columns). */
  itemRow(row: number): Features;
  /** Hash of the catalog's config: what depends on the catalog rebuilds when it changes. */
  readonly signature: string;
  /** Row of an item id, or undefined. */
  itemIndex(id: string): number | undefined;
  /** Row of a user id, or undefined. */
  userIndex(id: string): number | undefined;
  /** A view (no copy) of one user's embedding. */
  userVector(row: number): Float32Array;
  /** A view (no copy) of one item's embedding. */
  itemVector(row: number): Float32Array;
  /**
   * One item's features with its embedding view, as a model reads them: built on first
   * use and shared (frozen), so ranking copies one small object per candidate instead
   * of assembling it from parts.
   */
  itemFeatureMap(row: number): Readonly<Record<string, FeatureValue | Float32Array>>;
  /** The items as a model reads them by row: `embedding` and numeric features as dense columns. */
  readonly rowSource: RowSource;
  /**
   * Reads of the `embedding` column go to `layout`: the same vectors stored in another
   * order (an IVF index's lists, `at[row]` the position of each row). Rows a search has
   * just scanned are then copied into the model's input from warm memory. The last
   * layout given wins; the catalog's own matrix is unchanged.
   */
  useEmbeddingLayout(layout: ItemColumn): void;
  /** Marks for deduplicating candidates by row (filter UniqueFilter). */
  readonly rowMarks: RowMarks;
  /**
   * A feature as a string key per row (`String(value)`, "null" when missing), interned:
   * `keys[ids[row]]`. Built on first use and kept; diversity rules group items by it
   * without touching each row's feature object.
   */
  keyColumn(name: string): KeyColumn;
}

/** See Catalog.keyColumn. */
export interface KeyColumn {
  readonly ids: Int32Array;
  readonly keys: readonly string[];
}

const EMPTY: Readonly<Record<string, FeatureValue | Float32Array>> = Object.freeze({});

export function createCatalog(data: CatalogData, signature: string): Catalog {
  const parts = catalogParts(data, signature);
  for (const work of parts.rows) allRows(work.rows, work.fill);
  return parts.finish();
}

/** createCatalog() with its row-wise work in slices, the event loop served between them: a live refresh builds the next catalog beside requests. */
export async function createCatalogInSlices(data: CatalogData, signature: string): Promise<Catalog> {
  const parts = catalogParts(data, signature);
  for (const work of parts.rows) await rowsInSlices(work.rows, work.fill);
  return parts.finish();
}

/** A catalog's row-wise work (id maps, feature maps), then the catalog made from it. */
function catalogParts(data: CatalogData, signature: string): { rows: { rows: number; fill: RowWork }[]; finish: () => Catalog } {
  const items = new Map<string, number>();
  const users = new Map<string, number>();
  const { dim, itemIds, userIds } = data;
  const fields = itemRowsOf(data.itemFeatures, data.itemColumns, itemIds.length);
  // Views are made once per row and kept: subarray() allocates a typed array each call and
  // showed up at ≈ 10 % of a request's CPU when rank features asked for 300 of them.
  const itemViews: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(itemIds.length);
  const userViews: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(userIds.length);
  const itemVector = (row: number): Float32Array => (itemViews[row] ??= data.itemEmbeddings.subarray(row * dim, (row + 1) * dim));
  // Made on first use and kept (Object.assign: spread took 9 µs a map). They were built up
  // front while rank read them (≈ 250 µs a request on RW-100k's first requests when lazy);
  // rank now reads catalog rows through dense columns, and the maps with their embedding
  // views held 175 MB of heap at 1M items that every major GC marked.
  const itemMaps = new Array<Readonly<Record<string, FeatureValue | Float32Array>> | undefined>(itemIds.length);
  const fillItems: RowWork = (from, to) => {
    for (let row = from; row < to; row++) items.set(itemIds[row] as string, row);
  };
  const fillUsers: RowWork = (from, to) => {
    for (let row = from; row < to; row++) users.set(userIds[row] as string, row);
  };
  const finish = (): Catalog => {
    const itemFeatureMap = (row: number): Readonly<Record<string, FeatureValue | Float32Array>> =>
      row >= 0 && row < itemIds.length ? (itemMaps[row] ??= Object.freeze(Object.assign({}, fields.row(row), { embedding: itemVector(row) }))) : EMPTY;
    const columns = columnsOf(data, fields);
    return {
      ...data,
      signature,
      rowSource: { column: (name) => columns.get(name), map: itemFeatureMap },
      useEmbeddingLayout: (layout) => columns.set('embedding', layout),
      rowMarks: new RowMarks(itemIds.length),
      keyColumn: keyColumnsOf(data, fields),
      itemField: fields.field,
      itemRow: fields.row,
      itemIndex: (id) => items.get(id),
      userIndex: (id) => users.get(id),
      userVector: (row) => (userViews[row] ??= data.userEmbeddings.subarray(row * dim, (row + 1) * dim)),
      itemVector,
      itemFeatureMap,
    };
  };
  return {
    rows: [
      { rows: itemIds.length, fill: fillItems },
      { rows: userIds.length, fill: fillUsers },
    ],
    finish,
  };
}

/**
 * Dense columns by feature name: `embedding` is the embedding matrix itself (or a layout
 * given by useEmbeddingLayout); a feature that is a finite number on every row becomes a
 * Float32Array on first request (kept); any other feature has no column and is read from
 * the row maps.
 */
function columnsOf(data: CatalogData, fields: ItemRows): { get(name: string): ItemColumn | undefined; set(name: string, column: ItemColumn): void } {
  const columns = new Map<string, ItemColumn | undefined>([['embedding', { dim: data.dim, data: data.itemEmbeddings }]]);
  const set = (name: string, column: ItemColumn): void => {
    if (column.dim !== data.dim || column.data.length !== data.itemEmbeddings.length || (column.at && column.at.length !== data.itemIds.length)) {
      throw new PairecError('ERR_ALGORITHM_BUILD', `a layout of the "${name}" column must hold every row at the catalog's width`);
    }
    columns.set(name, column);
  };
  const get = (name: string): ItemColumn | undefined => {
    if (columns.has(name)) return columns.get(name);
    const typed = data.itemColumns?.get(name);
    if (typed) {
      const column = typed.kind === 'number' && typed.missing === undefined ? { dim: 1, data: Float32Array.from(typed.values) } : undefined;
      columns.set(name, column);
      return column;
    }
    const values = new Float32Array(data.itemIds.length);
    let dense = values.length > 0;
    for (let row = 0; row < values.length && dense; row++) {
      const v = fields.field(row, name);
      if (typeof v === 'number' && Number.isFinite(v)) values[row] = v;
      else dense = false;
    }
    const column = dense ? { dim: 1, data: values } : undefined;
    columns.set(name, column);
    return column;
  };
  return { get, set };
}

function keyColumnsOf(data: CatalogData, fields: ItemRows): (name: string) => KeyColumn {
  const built = new Map<string, KeyColumn>();
  return (name) => {
    let column = built.get(name);
    if (column) return column;
    const typed = data.itemColumns?.get(name);
    if (typed?.kind === 'string' && !typed.ids.includes(-1)) {
      column = { ids: typed.ids, keys: typed.keys };
      built.set(name, column);
      return column;
    }
    const ids = new Int32Array(data.itemIds.length);
    const keys: string[] = [];
    const idOf = new Map<string, number>();
    for (let row = 0; row < ids.length; row++) {
      const key = String(fields.field(row, name) ?? null);
      let id = idOf.get(key);
      if (id === undefined) {
        id = keys.push(key) - 1;
        idOf.set(key, id);
      }
      ids[row] = id;
    }
    column = { ids, keys };
    built.set(name, column);
    return column;
  };
}
