export type IndexKind = 'hnsw' | 'flat' | 'ivf';
export type Space = 'ip' | 'cosine' | 'l2';

/** How to build an index: kind and space, and the parameters of its kind (others ignored). */
export interface IndexSpec {
  readonly kind: IndexKind;
  readonly space: Space;
  /** HNSW graph degree. */
  readonly M: number;
  /** HNSW candidate list while building. */
  readonly EfConstruction: number;
  /** IVF inverted lists (k-means centroids); 0 picks 4·√rows. */
  readonly Nlist: number;
  /** Seed of HNSW level draws and of IVF's k-means sample: the same seed builds the same index. */
  readonly Seed: number;
}

/** Rows (0-based insertion order) and similarity scores, best first. */
export interface IndexHits {
  readonly rows: readonly number[];
  readonly scores: Float64Array;
}

/** An in-process nearest-neighbour index over row-major vectors. */
export interface VectorIndex {
  readonly spec: IndexSpec;
  readonly dim: number;
  readonly size: number;
  /**
   * k nearest rows of `query`. `effort` is the kind's search knob: HNSW's ef (raised to
   * k), IVF's nprobe (lists scanned); flat ignores it.
   */
  search(query: Float32Array | readonly number[], k: number, effort: number): IndexHits;
  /**
   * The indexed vectors in the index's own order, when it keeps a copy worth reading
   * from (IVF: its lists): `at[row]` is the position of each row in `data`.
   */
  layout?(): { readonly dim: number; readonly data: Float32Array; readonly at: Int32Array } | undefined;
  write(file: string): Promise<boolean>;
}

/** A distance as a similarity where larger is better (ip/cosine: 1 − d; l2: −d). */
export const SIMILARITY: Record<Space, (distance: number) => number> = {
  ip: (d) => 1 - d,
  cosine: (d) => 1 - d,
  l2: (d) => -d,
};

/** Gives the event loop a turn between slices of a long build, so probes keep answering. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
