import { PairecError } from '../../errors.js';
import { scoreInputSize, scoreItems } from '../contract.js';
import type { AlgorithmKind, FeatureMap, KindInput, KindOutput, Neighbours } from '../contract.js';

/** How runs of one kind merge into one call and how that call's output splits back. */
export interface Coalescer<K extends AlgorithmKind> {
  size(input: KindInput<K>): number;
  merge(inputs: readonly KindInput<K>[]): KindInput<K>;
  /** One output per input, in order; throws a typed error when the output does not fit. */
  split(output: KindOutput<K>, inputs: readonly KindInput<K>[]): KindOutput<K>[];
}

const scoreCoalescer: Coalescer<'score'> = {
  size: scoreInputSize,
  merge: (inputs) => {
    if (inputs.length === 1 && inputs[0]) return inputs[0];
    const users: FeatureMap[] = [];
    for (const input of inputs) {
      const n = scoreInputSize(input);
      for (let i = 0; i < n; i++) users.push(input.users?.[i] ?? input.user ?? {});
    }
    // Rows of one source stay rows (the runs share a config generation, hence a catalog);
    // anything else becomes maps.
    const source = inputs[0]?.rows?.source;
    if (source && inputs.every((i) => i.rows?.source === source)) {
      const rows = new Int32Array(users.length);
      let at = 0;
      for (const input of inputs) {
        rows.set(input.rows?.rows ?? [], at);
        at += scoreInputSize(input);
      }
      return { items: [], rows: { source, rows }, users };
    }
    return { items: inputs.flatMap(scoreItems), users };
  },
  split: (output, inputs) => {
    const total = inputs.reduce((n, i) => n + scoreInputSize(i), 0);
    if (output.length !== total) {
      throw new PairecError('ERR_ALGORITHM_INPUT', `batched call returned ${output.length} scores for ${total} items`);
    }
    let at = 0;
    return inputs.map((input) => {
      const n = scoreInputSize(input);
      const part = output.slice(at, at + n);
      at += n;
      return part;
    });
  },
};

const retrievalCoalescer: Coalescer<'retrieval'> = {
  size: (input) => input.vectors.length,
  merge: (inputs) => {
    if (inputs.length === 1 && inputs[0]) return inputs[0];
    return { vectors: inputs.flatMap((i) => i.vectors), k: Math.max(...inputs.map((i) => i.k)) };
  },
  split: (output, inputs) => {
    const total = inputs.reduce((n, i) => n + i.vectors.length, 0);
    if (output.length !== total) {
      throw new PairecError('ERR_ALGORITHM_INPUT', `batched call returned ${output.length} neighbour lists for ${total} queries`);
    }
    let at = 0;
    return inputs.map((input) => {
      // Each caller asked for its own k: the merged call used the largest.
      const part: Neighbours[] = output
        .slice(at, at + input.vectors.length)
        .map((n) => (n.ids.length <= input.k ? n : { ids: n.ids.slice(0, input.k), scores: n.scores.slice(0, input.k) }));
      at += input.vectors.length;
      return part;
    });
  },
};

/** Coalescers by kind: a new kind adds its entry here. */
export const COALESCERS: { readonly [K in AlgorithmKind]: Coalescer<K> } = {
  score: scoreCoalescer,
  retrieval: retrievalCoalescer,
};
