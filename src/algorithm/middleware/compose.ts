import type { Algorithm, AlgorithmKind } from '../contract.js';

/**
 * A cross-cutting concern wrapped around an algorithm (metrics, transformers, later
 * batching, retry, breakers). A middleware returns an algorithm of the same kind.
 */
export type Middleware = <K extends AlgorithmKind>(next: Algorithm<K>) => Algorithm<K>;

/** Applies middlewares so the first one listed is the outermost. */
export function compose<K extends AlgorithmKind>(algorithm: Algorithm<K>, middlewares: readonly Middleware[]): Algorithm<K> {
  let out = algorithm;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const m = middlewares[i];
    if (m) out = m(out);
  }
  return out;
}
