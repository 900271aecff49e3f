import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import type { Neighbours, RetrievalInput, RunContext } from '../contract.js';
import type { VectorIndex } from '../../vector/vector-index.js';

/**
 * ANN: nearest catalog items of each query vector from an in-process index.
 * A search is synchronous native code of a fraction of a millisecond: it runs on the
 * calling thread, as a hop to another thread would cost more than the search.
 */
export class AnnAlgorithm extends AlgorithmBase<'retrieval'> {
  #index: VectorIndex | undefined;
  readonly #ids: readonly string[];
  /** The index kind's search knob (HNSW ef, IVF nprobe). */
  readonly #effort: number;
  /** Signature of the catalog whose rows the index holds, when it is the serving catalog. */
  readonly #catalog: string | undefined;

  constructor(name: string, index: VectorIndex, ids: readonly string[], effort: number, catalogSignature?: string) {
    super(name, 'ANN', 'retrieval');
    this.#index = index;
    this.#ids = ids;
    this.#effort = effort;
    this.#catalog = catalogSignature;
  }

  protected execute(input: RetrievalInput, _ctx: RunContext): Promise<readonly Neighbours[]> {
    const index = this.#index;
    if (!index) return Promise.reject(new PairecError('ERR_ALGORITHM_CLOSED', `algorithm "${this.name}" is closed`));
    if (!Number.isInteger(input.k) || input.k < 1) {
      return Promise.reject(new PairecError('ERR_ALGORITHM_INPUT', `k must be a positive integer, got ${input.k}`));
    }
    try {
      return Promise.resolve(
        input.vectors.map((v) => {
          const hits = index.search(v, input.k, this.#effort);
          const ids = hits.rows.map((r) => this.#ids[r] ?? '');
          const scores = new Float32Array(hits.scores);
          return this.#catalog === undefined ? { ids, scores } : { ids, scores, rows: { catalog: this.#catalog, rows: hits.rows } };
        }),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  protected override onClose(): Promise<void> {
    this.#index = undefined; // native memory goes with the last reference
    return Promise.resolve();
  }
}
