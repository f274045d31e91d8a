"""The fit's overhead before the first step: ``fit`` against a hand-written NumPy loop.

The course's cat network (12288 → 20 → 7 → 5 → 1, relu hidden layers, sigmoid output), 209
examples of random data of that shape, float64, 50 full-batch gradient-descent iterations:

1. ``NeuralNetworkClassifier(...).fit(X, y)`` from X of shape (209, 12288), on NumPy;
2. a hand-written NumPy loop over the same 50 steps (forward, cost, backward, update), given
   X already transposed to (12288, 209) and contiguous, as the notebooks' loop sees it;

timed in alternating rounds (``nnbackend.bench.parity.interleaved``), so that a shared
machine's drift hits both alike. Prints the medians and the ratio (1) / (2).

    PYTHONPATH=src python tools/fit_overhead.py [--budget 20]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

import nnbackend
from nnbackend.bench.parity import interleaved

DIMS = (12288, 20, 7, 5, 1)
M = 209
ITERATIONS = 50
LEARNING_RATE = 0.0075


def _hand_written(XT: np.ndarray, Y: np.ndarray, params: list) -> None:
    # The notebook's loop, written out: relu hidden layers, sigmoid output, cross-entropy.
    params = [(w.copy(), b.copy()) for w, b in params]
    m = XT.shape[1]
    for _ in range(ITERATIONS):
        activations = [XT]
        a = XT
        for w, b in params[:-1]:
            a = np.maximum(w @ a + b, 0.0)
            activations.append(a)
        w, b = params[-1]
        al = 1.0 / (1.0 + np.exp(-(w @ a + b)))
        cost = -np.mean(Y * np.log(al) + (1 - Y) * np.log(1 - al))
        float(cost)  # fit reads every cost (the loss curve)
        dz = al - Y
        grads = []
        for layer in range(len(params) - 1, -1, -1):
            w, _ = params[layer]
            a_prev = activations[layer]
            grads.append(((dz @ a_prev.T) / m, dz.sum(axis=1, keepdims=True) / m))
            if layer:
                dz = (w.T @ dz) * (a_prev > 0)
        grads.reverse()
        params = [(w - LEARNING_RATE * dw, b - LEARNING_RATE * db)
                  for (w, b), (dw, db) in zip(params, grads, strict=True)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0, help="seconds, both together")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.random((M, DIMS[0]))
    y = (rng.random(M) > 0.5).astype(int)
    XT = np.ascontiguousarray(X.T)
    Y = y.reshape(1, -1).astype(np.float64)
    params = [
        (rng.standard_normal((n, n_prev)) / np.sqrt(n_prev), np.zeros((n, 1)))
        for n_prev, n in itertools.pairwise(DIMS)
    ]
    model = nnbackend.NeuralNetworkClassifier(
        hidden_layer_sizes=DIMS[1:-1],
        solver="gd",
        learning_rate=LEARNING_RATE,
        max_iter=ITERATIONS,
        tol=None,
        init="xavier",
        dtype="float64",
    )

    def fit() -> None:
        with nnbackend.use_backend("numpy"):
            model.fit(X, y)

    def loop() -> None:
        _hand_written(XT, Y, params)

    def nothing() -> None:
        return None

    fit_s, loop_s, samples = interleaved((fit, nothing), (loop, nothing), args.budget, 1, 5)
    print(f"fit            {fit_s * 1e3:9.2f} ms  ({ITERATIONS} iterations, median of {samples})")
    print(f"hand-written   {loop_s * 1e3:9.2f} ms")
    print(f"ratio fit/loop {fit_s / loop_s:9.3f}")


if __name__ == "__main__":
    main()
