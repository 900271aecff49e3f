import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A tiny seeded MLP (features [N,128] → 16 → `score` [N,1] sigmoid, plus `logit` [N,1])
 * built with Debian's python3-onnx, so the model-server tests do not depend on the demo
 * model. The same seed gives the same file.
 */
const SCRIPT = `
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
rng = np.random.default_rng(int(sys.argv[2]))
w1 = rng.normal(0, 0.3, (128, 16)).astype(np.float32)
b1 = rng.normal(0, 0.1, (16,)).astype(np.float32)
w2 = rng.normal(0, 0.5, (16, 1)).astype(np.float32)
nodes = [
  helper.make_node('MatMul', ['features', 'w1'], ['h0']),
  helper.make_node('Add', ['h0', 'b1'], ['h1']),
  helper.make_node('Relu', ['h1'], ['h2']),
  helper.make_node('MatMul', ['h2', 'w2'], ['logit']),
  helper.make_node('Sigmoid', ['logit'], ['score']),
]
g = helper.make_graph(nodes, 'tiny_mlp',
  [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 128])],
  [helper.make_tensor_value_info('score', TensorProto.FLOAT, ['N', 1]),
   helper.make_tensor_value_info('logit', TensorProto.FLOAT, ['N', 1])],
  [numpy_helper.from_array(w1, 'w1'), numpy_helper.from_array(b1, 'b1'), numpy_helper.from_array(w2, 'w2')])
m = helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)])
m.ir_version = 8
onnx.save(m, sys.argv[1])
`;

const cached = new Map<number, string>();

/** The tiny model's file; another `seed` draws other weights (same shape, other scores). */
export function tinyModel(seed = 7): string {
  const known = cached.get(seed);
  if (known && existsSync(known)) return known;
  const dir = mkdtempSync(join(tmpdir(), 'pairec-model-'));
  const script = join(dir, 'gen.py');
  const file = join(dir, 'tiny.onnx');
  writeFileSync(script, SCRIPT);
  execFileSync('/usr/bin/python3', [script, file, String(seed)], { stdio: 'inherit' });
  cached.set(seed, file);
  return file;
}

/** The feature spec the tiny model is fed with: user embedding ⊕ item embedding. */
export const TINY_SPEC = {
  User: [{ Name: 'embedding', Dim: 64, Default: 0 }],
  Item: [{ Name: 'embedding', Dim: 64, Default: 0 }],
};
