#!/usr/bin/python3
"""Generates models/demo-mlp.onnx, the RW-100k rank model of the demo, deterministically.

Run with Debian's python3 (python3-onnx, python3-numpy):

    /usr/bin/python3 models/generate_demo_mlp.py

Input `features` float32 [N, 128] = user embedding (64) ⊕ item embedding (64); output
`score` float32 [N, 1]. Layers: 128→256 ReLU → 64 ReLU → 1 sigmoid (Gemm + Relu + Sigmoid,
opset 13). The weights are constructed, not trained, so the score means something: it
increases with the cosine similarity of user and item.

How: for 64 random unit directions w_k, the first layer computes relu(±w_k·(u+i)) and
relu(±w_k·(u−i)), so pairs of its units add up to |w_k·(u+i)| and |w_k·(u−i)|. Summed over
directions these estimate |u+i| and |u−i| (up to a constant), whose difference grows with
u·i for unit vectors. The second layer mixes those differences with random positive
weights (plus a bias that keeps ReLU in its linear part); the last layer is calibrated so
cosine 0 → score ≈ 0.1 and cosine 1 → score ≈ 0.9 on average. 64 random directions make
a noisy estimate, so the score grows with cosine on average, not strictly for every pair
(the reference rows show cosine 0.8 scoring above 0.9). Small seeded noise on every
weight keeps it from being a purely symbolic toy.

It also writes models/demo-mlp-split.onnx: the same function and weights with the user taken
once — inputs `user` [1, 64] and `item` [N, 64]; the first layer is split into its user and
item columns, relu(item·Wiᵀ + (user·Wuᵀ + b1)), so the user's share is computed once per run
instead of once per item (OnnxConf.UserInputName).

It also writes models/demo-mlp.reference.json: a few fixed inputs and the scores numpy
computes for them, so tests can check onnxruntime against an independent computation.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SEED = 20240601
DIM = 64
DIRS = 64
HIDDEN2 = 64
HERE = os.path.dirname(os.path.abspath(__file__))


def build_weights(rng):
    w = rng.standard_normal((DIRS, DIM))
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    # x = [u, i]; (u+i) = [I I] x, (u-i) = [I -I] x
    plus = np.concatenate([w, w], axis=1)     # w·(u+i)
    minus = np.concatenate([w, -w], axis=1)   # w·(u−i)
    w1 = np.concatenate([plus, -plus, minus, -minus], axis=0)  # [256, 128]
    w1 += rng.normal(0, 0.01, w1.shape)
    b1 = np.zeros(4 * DIRS)

    mix = rng.uniform(0.5, 1.5, (HIDDEN2, DIRS)) / DIRS
    w2 = np.concatenate([mix, mix, -mix, -mix], axis=1)  # |a_k| − |b_k|, mixed: [64, 256]
    w2 += rng.normal(0, 0.002, w2.shape)
    b2 = np.full(HIDDEN2, 2.0)  # keeps the units positive, so ReLU is linear here

    w3 = rng.uniform(0.5, 1.5, (1, HIDDEN2)) / HIDDEN2
    return [w1, b1, w2, b2, w3]


def forward(x, w1, b1, w2, b2, w3, b3):
    h1 = np.maximum(x @ w1.T + b1, 0)
    h2 = np.maximum(h1 @ w2.T + b2, 0)
    return 1 / (1 + np.exp(-(h2 @ w3.T + b3)))


def pairs(rng, n, cos):
    """n unit-vector pairs (u, i) whose cosine is `cos`."""
    u = rng.standard_normal((n, DIM))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    r = rng.standard_normal((n, DIM))
    r -= (r * u).sum(axis=1, keepdims=True) * u
    r /= np.linalg.norm(r, axis=1, keepdims=True)
    i = cos * u + np.sqrt(1 - cos * cos) * r
    return np.concatenate([u, i], axis=1)


def calibrate(rng, layers):
    """Scale and bias of the last layer so cosine 0 → 0.1 and cosine 1 → 0.9."""
    w1, b1, w2, b2, w3 = layers
    logit = lambda x: (np.maximum(np.maximum(x @ w1.T + b1, 0) @ w2.T + b2, 0) @ w3.T).mean()
    lo, hi = logit(pairs(rng, 2000, 0.0)), logit(pairs(rng, 2000, 0.999))
    scale = 2 * np.log(9) / (hi - lo)
    return w3 * scale, np.array([-np.log(9) - lo * scale])


def f32(a):
    return np.ascontiguousarray(a.astype(np.float32))


def hidden_layers(w2, b2, w3, b3):
    """Initializers and nodes from fc1's output on: the part both models share."""
    inits = [
        numpy_helper.from_array(f32(w2), 'fc2.weight'), numpy_helper.from_array(f32(b2), 'fc2.bias'),
        numpy_helper.from_array(f32(w3), 'fc3.weight'), numpy_helper.from_array(f32(b3), 'fc3.bias'),
    ]
    nodes = [
        helper.make_node('Relu', ['fc1'], ['relu1']),
        helper.make_node('Gemm', ['relu1', 'fc2.weight', 'fc2.bias'], ['fc2'], transB=1),
        helper.make_node('Relu', ['fc2'], ['relu2']),
        helper.make_node('Gemm', ['relu2', 'fc3.weight', 'fc3.bias'], ['fc3'], transB=1),
        helper.make_node('Sigmoid', ['fc3'], ['score']),
    ]
    return inits, nodes


def finish(name, inputs, nodes, inits, doc):
    graph = helper.make_graph(nodes, name, inputs, [helper.make_tensor_value_info('score', TensorProto.FLOAT, ['N', 1])], inits)
    model = helper.make_model(graph, producer_name='pairec-ts', producer_version='1',
                              opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 7  # readable by every onnxruntime since 1.8
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model


def to_model(w1, b1, w2, b2, w3, b3):
    inits, nodes = hidden_layers(w2, b2, w3, b3)
    first = [numpy_helper.from_array(f32(w1), 'fc1.weight'), numpy_helper.from_array(f32(b1), 'fc1.bias')]
    fc1 = [helper.make_node('Gemm', ['features', 'fc1.weight', 'fc1.bias'], ['fc1'], transB=1)]
    return finish('demo_mlp', [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['N', 2 * DIM])], fc1 + nodes, first + inits,
                  'RW-100k demo rank MLP: user ⊕ item embedding (128) → 256 → 64 → 1 sigmoid; score grows with cosine(user, item)')


def to_split_model(w1, b1, w2, b2, w3, b3):
    """The same MLP taking the user once: fc1 = item·Wiᵀ + (user·Wuᵀ + b1), broadcast over items."""
    inits, nodes = hidden_layers(w2, b2, w3, b3)
    first = [
        numpy_helper.from_array(f32(w1[:, :DIM]), 'fc1.user_weight'), numpy_helper.from_array(f32(w1[:, DIM:]), 'fc1.item_weight'),
        numpy_helper.from_array(f32(b1), 'fc1.bias'),
    ]
    fc1 = [
        helper.make_node('Gemm', ['user', 'fc1.user_weight', 'fc1.bias'], ['fc1_user'], transB=1),
        helper.make_node('Gemm', ['item', 'fc1.item_weight', 'fc1_user'], ['fc1'], transB=1),
    ]
    inputs = [helper.make_tensor_value_info('user', TensorProto.FLOAT, [1, DIM]), helper.make_tensor_value_info('item', TensorProto.FLOAT, ['N', DIM])]
    return finish('demo_mlp_split', inputs, fc1 + nodes, first + inits,
                  'RW-100k demo rank MLP taking the user once: user (64) and items (N × 64) → 256 → 64 → 1 sigmoid')


def main():
    rng = np.random.default_rng(SEED)
    layers = build_weights(rng)
    w3, b3 = calibrate(rng, layers)
    w1, b1, w2, b2, _ = layers
    # The reference uses the float32 weights the model holds, computed in float64.
    weights = [a.astype(np.float32).astype(np.float64) for a in (w1, b1, w2, b2, w3, b3)]
    model = to_model(w1, b1, w2, b2, w3, b3)
    with open(os.path.join(HERE, 'demo-mlp.onnx'), 'wb') as f:
        f.write(model.SerializeToString())
    with open(os.path.join(HERE, 'demo-mlp-split.onnx'), 'wb') as f:
        f.write(to_split_model(w1, b1, w2, b2, w3, b3).SerializeToString())

    cosines = [-1.0, -0.5, 0.0, 0.3, 0.6, 0.8, 0.9, 0.99]
    x = np.concatenate([pairs(rng, 1, c) for c in cosines]).astype(np.float32)
    scores = forward(x.astype(np.float64), *weights)[:, 0]
    ref = {
        'model': 'demo-mlp.onnx', 'seed': SEED, 'cosines': cosines,
        'inputs': [[float(v) for v in row] for row in x],
        'scores': [float(s) for s in scores],
    }
    with open(os.path.join(HERE, 'demo-mlp.reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')
    for c, s in zip(cosines, scores):
        print(f'cosine {c:+.2f} -> score {s:.4f}')


if __name__ == '__main__':
    main()
