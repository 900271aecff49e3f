import { onnxType } from '../../src/algorithm/onnx/index.js';
import { createRng } from '../../src/catalog/random.js';
import { buildDeps } from '../helpers/context.js';
import { algorithmConformance } from './suite.js';

// The shipped demo model: user embedding ⊕ item embedding (64 + 64) → score.
const vec = (seed: number): Float32Array => {
  const r = createRng(seed);
  return Float32Array.from({ length: 64 }, () => r.next() * 2 - 1);
};
const features = { User: [{ Name: 'embedding', Dim: 64 }], Item: [{ Name: 'embedding', Dim: 64 }] };
const user = { embedding: vec(1), age: 30 };
const inputs = [
  // A missing embedding and one of the wrong length get the default (0) and are counted.
  { user, items: [{ embedding: vec(2) }, { embedding: vec(3) }, {}, { embedding: new Float32Array(3) }] },
  { user, items: Array.from({ length: 400 }, (_, i) => ({ embedding: vec(100 + i), popularity: i })) },
];

for (const Mode of ['main', 'workers'] as const) {
  algorithmConformance({
    def: onnxType,
    conf: { ModelPath: 'models/demo-mlp.onnx', Features: features, Mode, Threads: 2 },
    deps: () => buildDeps(),
    inputs,
    emptyInput: { user, items: [] },
  });
}
