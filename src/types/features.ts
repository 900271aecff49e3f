/**
 * The values items and users carry, shared by the catalog (which stores them) and the
 * algorithm contract (which reads them): neither imports the other for its types.
 */
export type FeatureValue = string | number | boolean | null;
export type Features = Readonly<Record<string, FeatureValue>>;

/** A feature as algorithms see it: a scalar, or a dense vector such as an embedding (a view, never copied). */
export type FeatureInput = FeatureValue | Float32Array | undefined;
export type FeatureMap = Readonly<Record<string, FeatureInput>>;

/**
 * A dense numeric item column: row r's values are `data[p * dim .. (p + 1) * dim)` with
 * p = `at[r]`, or p = r when there is no `at`.
 */
export interface ItemColumn {
  readonly dim: number;
  readonly data: Float32Array;
  /** Position of each row in `data`, when the rows are stored in another order. */
  readonly at?: Int32Array | undefined;
}

/** Where catalog rows' features live: dense columns, and the per-row map for the rest. */
export interface RowSource {
  /** The column of a feature, when it is a dense numeric one; undefined otherwise. */
  column(name: string): ItemColumn | undefined;
  /** The row's features as a map: what `ScoreInput.items` would have held for it. */
  map(row: number): FeatureMap;
}
