/**
 * The known answer a retrieval type is compared with: brute-force nearest neighbours over
 * the same corpus the index was built from. An index may be approximate, so a case gives
 * the recall it must reach; every id it returns must still carry that item's exact score.
 */
import assert from 'node:assert/strict';
import type { Neighbours, RetrievalInput } from '../../src/algorithm/contract.js';

export interface Corpus {
  readonly ids: readonly string[];
  readonly vectors: readonly Float32Array[];
}

export type ReferenceMetric = 'ip' | 'l2';

/** Similarity where larger is better: the dot product, or minus the squared L2 distance. */
export function similarity(metric: ReferenceMetric, a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    s += metric === 'ip' ? x * y : -(x - y) * (x - y);
  }
  return s;
}

/** Every item's exact score for one query, best first. */
export function bruteForce(corpus: Corpus, query: Float32Array, metric: ReferenceMetric): { id: string; score: number }[] {
  return corpus.ids.map((id, i) => ({ id, score: similarity(metric, query, corpus.vectors[i] ?? new Float32Array(0)) })).sort((a, b) => b.score - a.score);
}

export interface ReferenceOptions {
  readonly metric: ReferenceMetric;
  /** Share of the true top k an (approximate) index must return; 1 for an exact one. */
  readonly minRecall: number;
  /** Absolute tolerance on scores (float32 on the wire). */
  readonly tolerance?: number;
}

/** A check of one run's output against brute force over `corpus`. */
export function nearestReference(corpus: Corpus, options: ReferenceOptions): (input: RetrievalInput, output: readonly Neighbours[]) => void {
  const tol = options.tolerance ?? 1e-4;
  return (input, output) => {
    assert.equal(output.length, input.vectors.length);
    input.vectors.forEach((query, q) => {
      const got = output[q];
      assert.ok(got, `an answer for query ${q}`);
      const truth = bruteForce(corpus, query, options.metric);
      const exact = new Map(truth.map((t) => [t.id, t.score]));
      const want = truth.slice(0, input.k);
      assert.equal(got.ids.length, want.length, `query ${q}: k = ${input.k} neighbours (corpus of ${corpus.ids.length})`);
      got.ids.forEach((id, i) => {
        const score = exact.get(id);
        assert.ok(score !== undefined, `query ${q}: id ${id} is in the corpus`);
        assert.ok(
          Math.abs((got.scores[i] ?? Number.NaN) - score) <= tol * Math.max(1, Math.abs(score)),
          `query ${q}: ${id} scores ${got.scores[i]}, exact ${score}`,
        );
      });
      const top = new Set(want.map((w) => w.id));
      const hits = got.ids.filter((id) => top.has(id)).length;
      assert.ok(hits >= Math.ceil(options.minRecall * want.length), `query ${q}: recall ${hits}/${want.length} < ${options.minRecall}`);
      assert.equal(got.ids[0], want[0]?.id, `query ${q}: the nearest item comes first`);
    });
  };
}
