import { AlgorithmBase } from '../base.js';
import { PairecError } from '../../errors.js';
import type { Neighbours, RetrievalInput, RunContext } from '../contract.js';
import type { AnnConf } from './config.js';
import type { HnswIndex } from './hnsw-index.js';

/** Converts hnswlib's distance to a similarity where larger is better. */
const toScore: Record<AnnConf['Space'], (distance: number) => number> = {
  ip: (d) => 1 - d,
  cosine: (d) => 1 - d,
  l2: (d) => -d,
};

/**
 * ANN: nearest catalog items of each query vector from an in-process HNSW index.
 * A search is synchronous native code of a fraction of a millisecond: it runs on the
 * calling thread, as a hop to another thread would cost more than the search.
 */
export class AnnAlgorithm extends AlgorithmBase<'retrieval'> {
  #index: HnswIndex | undefined;
  readonly #ids: readonly string[];
  readonly #dim: number;
  readonly #ef: number;
  readonly #score: (distance: number) => number;
  #currentEf = -1;

  constructor(name: string, conf: AnnConf, index: HnswIndex, ids: readonly string[], dim: number) {
    super(name, 'ANN', 'retrieval');
    this.#index = index;
    this.#ids = ids;
    this.#dim = dim;
    this.#ef = conf.EfSearch;
    this.#score = toScore[conf.Space];
  }

  protected execute(input: RetrievalInput, _ctx: RunContext): Promise<readonly Neighbours[]> {
    const index = this.#index;
    if (!index) return Promise.reject(new PairecError('ERR_ALGORITHM_CLOSED', `algorithm "${this.name}" is closed`));
    const k = Math.min(input.k, this.#ids.length);
    if (!Number.isInteger(k) || k < 1) {
      return Promise.reject(new PairecError('ERR_ALGORITHM_INPUT', `k must be a positive integer, got ${input.k}`));
    }
    const ef = Math.max(this.#ef, k);
    if (ef !== this.#currentEf) {
      index.setEf(ef);
      this.#currentEf = ef;
    }
    const out: Neighbours[] = [];
    for (const v of input.vectors) {
      if (v.length !== this.#dim) {
        return Promise.reject(new PairecError('ERR_ALGORITHM_INPUT', `query vector has ${v.length} dimensions, the index ${this.#dim}`));
      }
      const res = index.searchKnn(Array.from(v), k);
      const ids = new Array<string>(res.neighbors.length);
      const scores = new Float32Array(res.neighbors.length);
      for (let i = 0; i < res.neighbors.length; i++) {
        ids[i] = this.#ids[res.neighbors[i] ?? 0] ?? '';
        scores[i] = this.#score(res.distances[i] ?? 0);
      }
      out.push({ ids, scores });
    }
    return Promise.resolve(out);
  }

  protected override onClose(): Promise<void> {
    this.#index = undefined; // native memory goes with the last reference
    return Promise.resolve();
  }
}
