"""The example's two-input ranker: user [N, D] and item [N, D] float32, concatenated inside
the graph with their element-wise product, then a small MLP -> `score` [N, 1] in (0, 1).

Weights are seeded, not trained: the product part and the output layer are positive, so
the score grows with the user-item inner product on average (a stand-in for a trained
model). Deterministic: the same arguments write the same bytes.

    /usr/bin/python3 examples/own-data/make_model.py <out-dir> [dim]
"""
import sys
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

out = sys.argv[1]
dim = int(sys.argv[2]) if len(sys.argv) > 2 else 32
hidden = 16
rng = np.random.default_rng(7)
w1 = rng.normal(0, 0.15, (3 * dim, hidden)).astype(np.float32)
w1[2 * dim:] = np.abs(rng.normal(0, 0.6, (dim, hidden))).astype(np.float32)
b1 = rng.normal(0, 0.05, (hidden,)).astype(np.float32)
w2 = np.abs(rng.normal(0, 0.5, (hidden, 1))).astype(np.float32)
b2 = np.array([-1.0], dtype=np.float32)

nodes = [
    helper.make_node('Mul', ['user', 'item'], ['cross']),
    helper.make_node('Concat', ['user', 'item', 'cross'], ['x'], axis=1),
    helper.make_node('MatMul', ['x', 'w1'], ['h0']),
    helper.make_node('Add', ['h0', 'b1'], ['h1']),
    helper.make_node('Relu', ['h1'], ['h2']),
    helper.make_node('MatMul', ['h2', 'w2'], ['l0']),
    helper.make_node('Add', ['l0', 'b2'], ['logit']),
    helper.make_node('Sigmoid', ['logit'], ['score']),
]
graph = helper.make_graph(
    nodes,
    'own_data_ranker',
    [helper.make_tensor_value_info('user', TensorProto.FLOAT, ['N', dim]),
     helper.make_tensor_value_info('item', TensorProto.FLOAT, ['N', dim])],
    [helper.make_tensor_value_info('score', TensorProto.FLOAT, ['N', 1])],
    [numpy_helper.from_array(w1, 'w1'), numpy_helper.from_array(b1, 'b1'),
     numpy_helper.from_array(w2, 'w2'), numpy_helper.from_array(b2, 'b2')],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, out + '/ranker.onnx')
print('wrote ' + out + '/ranker.onnx')
