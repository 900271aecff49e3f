import { itemMapsOf } from '../contract.js';
import type { Algorithm, AlgorithmKind, KindInput, KindOutput, RunContext, ScoreInput } from '../contract.js';
import type { AlgorithmRegistry } from '../registry.js';
import type { Middleware } from './compose.js';

class TransformAlgorithm<K extends AlgorithmKind> implements Algorithm<K> {
  readonly name: string;
  readonly type: string;
  readonly kind: K;
  readonly #next: Algorithm<K>;
  readonly #registry: AlgorithmRegistry;

  constructor(next: Algorithm<K>, registry: AlgorithmRegistry) {
    this.name = next.name;
    this.type = next.type;
    this.kind = next.kind;
    this.#next = next;
    this.#registry = registry;
  }

  run(input: KindInput<K>, ctx: RunContext): Promise<KindOutput<K>> {
    // Looked up per run, so a transformer registered after the build applies at once.
    let fn;
    try {
      fn = this.#registry.transformer(this.name, this.kind);
    } catch (err) {
      return Promise.reject(err);
    }
    // A transformer is user code written against item maps: rows become maps for it.
    return this.#next.run(fn ? fn(this.kind === 'score' ? (itemMapsOf(input as ScoreInput) as KindInput<K>) : input) : input, ctx);
  }

  close(): Promise<void> {
    return this.#next.close();
  }
}

/** Applies the algorithm's registered request transformer (PaiRec's RegistRequestDataFunc). */
export function withRequestTransformer(registry: AlgorithmRegistry): Middleware {
  return (next) => new TransformAlgorithm(next, registry);
}
