import type { AnyAlgorithm } from '../contract.js';

/**
 * A cross-cutting concern wrapped around an algorithm (metrics, transformers, later
 * batching, retry, breakers). A middleware returns an algorithm of the same kind.
 */
export type Middleware = (next: AnyAlgorithm) => AnyAlgorithm;

/** Applies middlewares so the first one listed is the outermost. */
export function compose(algorithm: AnyAlgorithm, middlewares: readonly Middleware[]): AnyAlgorithm {
  let out = algorithm;
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const m = middlewares[i];
    if (m) out = m(out);
  }
  return out;
}
