import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Tiny multi-input models built with Debian's python3-onnx, and the scores numpy computes
 * from the same weights on seeded inputs (independently of onnxruntime):
 * - `concat`: user [N, 8] and item [N, 8] float32, concatenated inside the graph → MLP → `score` [N, 1];
 * - `three`: the same plus `cat` [N] int64, looked up in an embedding table (Gather) and concatenated;
 * - `symbolic`: `concat` with its widths left symbolic, so only a run shows a wrong width;
 * - `double`: one float64 input, a type the ONNX type does not feed.
 */
const SCRIPT = `
import sys, json, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
out = sys.argv[1]
rng = np.random.default_rng(11)
w1 = rng.normal(0, 0.4, (20, 6)).astype(np.float32)
b1 = rng.normal(0, 0.1, (6,)).astype(np.float32)
w2 = rng.normal(0, 0.6, (6, 1)).astype(np.float32)
table = rng.normal(0, 0.5, (10, 4)).astype(np.float32)
def mlp(x_name, width):
  return [
    helper.make_node('MatMul', [x_name, 'w1_' + str(width)], ['h0']),
    helper.make_node('Add', ['h0', 'b1'], ['h1']),
    helper.make_node('Relu', ['h1'], ['h2']),
    helper.make_node('MatMul', ['h2', 'w2'], ['logit']),
    helper.make_node('Sigmoid', ['logit'], ['score']),
  ]
def inits(width):
  return [numpy_helper.from_array(w1[:width], 'w1_' + str(width)), numpy_helper.from_array(b1, 'b1'), numpy_helper.from_array(w2, 'w2')]
def save(graph, name):
  m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
  m.ir_version = 8
  onnx.checker.check_model(m)
  onnx.save(m, out + '/' + name + '.onnx')
score_out = [helper.make_tensor_value_info('score', TensorProto.FLOAT, ['N', 1])]
for name, du, di in (('concat', 8, 8), ('symbolic', 'DU', 'DI')):
  g = helper.make_graph([helper.make_node('Concat', ['user', 'item'], ['x'], axis=1)] + mlp('x', 16), name,
    [helper.make_tensor_value_info('user', TensorProto.FLOAT, ['N', du]), helper.make_tensor_value_info('item', TensorProto.FLOAT, ['N', di])],
    score_out, inits(16))
  save(g, name)
g = helper.make_graph([helper.make_node('Gather', ['table', 'cat'], ['e'], axis=0), helper.make_node('Concat', ['user', 'item', 'e'], ['x'], axis=1)] + mlp('x', 20), 'three',
  [helper.make_tensor_value_info('user', TensorProto.FLOAT, ['N', 8]), helper.make_tensor_value_info('item', TensorProto.FLOAT, ['N', 8]),
   helper.make_tensor_value_info('cat', TensorProto.INT64, ['N'])],
  score_out, inits(20) + [numpy_helper.from_array(table, 'table')])
save(g, 'three')
g = helper.make_graph([helper.make_node('Cast', ['x'], ['score'], to=TensorProto.FLOAT)], 'double',
  [helper.make_tensor_value_info('x', TensorProto.DOUBLE, ['N', 1])], score_out)
save(g, 'double')
# Reference: 3 users, 12 rows (4 per user), scored by numpy.
users = rng.normal(0, 1, (3, 8)).astype(np.float32)
items = rng.normal(0, 1, (12, 8)).astype(np.float32)
cats = rng.integers(0, 10, 12)
of_user = np.repeat(np.arange(3), 4)
def run(x, width):
  h = np.maximum(x @ w1[:width] + b1, 0)
  return 1 / (1 + np.exp(-(h @ w2)[:, 0]))
x2 = np.concatenate([users[of_user], items], axis=1)
x3 = np.concatenate([x2, table[cats]], axis=1)
json.dump({'users': users.tolist(), 'items': items.tolist(), 'cats': cats.tolist(), 'ofUser': of_user.tolist(),
  'concat': run(x2, 16).tolist(), 'three': run(x3, 20).tolist()}, open(out + '/reference.json', 'w'))
`;

export interface InputModelsReference {
  readonly users: number[][];
  readonly items: number[][];
  readonly cats: number[];
  /** The user of each row. */
  readonly ofUser: number[];
  /** numpy's score of each row for the two-input and the three-input model. */
  readonly concat: number[];
  readonly three: number[];
}

export interface InputModels {
  readonly dir: string;
  readonly concat: string;
  readonly three: string;
  readonly symbolic: string;
  readonly double: string;
  readonly reference: InputModelsReference;
}

let built: InputModels | undefined;

export function inputModels(): InputModels {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'pairec-inputs-'));
  writeFileSync(join(dir, 'gen.py'), SCRIPT);
  execFileSync('/usr/bin/python3', [join(dir, 'gen.py'), dir], { stdio: 'inherit' });
  const reference = JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) as InputModelsReference;
  const file = (name: string): string => join(dir, `${name}.onnx`);
  built = { dir, concat: file('concat'), three: file('three'), symbolic: file('symbolic'), double: file('double'), reference };
  return built;
}
