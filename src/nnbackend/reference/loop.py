"""One gradient-descent step written with explicit Python loops, as the course's pseudo-code.

The course shows logistic regression's step as a loop over the m examples::

    J = 0; dw1 = 0; dw2 = 0; db = 0
    for i = 1 to m:
        z(i) = w x(i) + b;  a(i) = σ(z(i));  J += -[y log a + (1 - y) log(1 - a)]
        dz(i) = a(i) - y(i);  dw1 += x1(i) dz(i);  dw2 += x2(i) dz(i);  db += dz(i)
    J /= m; dw1 /= m; dw2 /= m; db /= m

This module does exactly that, with loops over examples, and over features and units for the
per-example arithmetic, in plain Python floats (double precision, whatever dtype the vectorized
code uses). It is written as well as plain Python allows (local names, ``zip`` instead of
indexing, no repeated attribute look-ups), so the benchmark's loop-vs-vectorized ratio is not a
strawman. It shares no code with the vectorized math, which makes it an independent oracle for
the vectorized gradients: from nnbackend it reads only the names of the hidden activations (the
project's one list of them), to validate ``hidden`` as every other entry point does.

Data layout: ``xs`` is a list of m examples, each a list of n_x floats; ``ys`` a list of m
targets (a float each, one output unit). Parameters: ``weights[l]`` is a list of n_l rows of
n_{l-1} floats (W[l] in course notation), ``biases[l]`` a list of n_l floats.
"""

from __future__ import annotations

import math
from typing import Any

from nnbackend.core.activations import HIDDEN_ACTIVATIONS

__all__ = ["logistic_regression_step", "network_step", "to_examples", "to_lists"]


def to_examples(X: Any) -> list[list[float]]:
    """Course-layout data (n_x, m), anything with ``.T.tolist()``, as a list of m examples."""
    return X.T.tolist()


def to_lists(params: list[tuple[Any, Any]]) -> tuple[list[list[list[float]]], list[list[float]]]:
    """(W, b) arrays as nested lists: (weights, biases), b flattened to a list per layer."""
    return [w.tolist() for w, _ in params], [[row[0] for row in b.tolist()] for _, b in params]


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _bce(a: float, y: float) -> float:
    eps = 2.220446049250313e-16
    a = min(max(a, eps), 1.0 - eps)
    return -(y * math.log(a) + (1.0 - y) * math.log(1.0 - a))


def logistic_regression_step(
    w: list[float], b: float, xs: list[list[float]], ys: list[float], learning_rate: float
) -> tuple[list[float], float, float, list[float], float]:
    """One step of logistic regression: forward, cost, backward and update, all in loops.

    Parameters
    ----------
    w : list of float
        The n_x weights.
    b : float
    xs : list of m lists of n_x floats
    ys : list of m floats in {0, 1}
    learning_rate : float

    Returns
    -------
    w, b : updated parameters
    cost : float
        J before the update.
    dw, db : the gradients
    """
    m = len(xs)
    n = len(w)
    dw = [0.0] * n
    db = 0.0
    cost = 0.0
    sigmoid, bce = _sigmoid, _bce
    for x, y in zip(xs, ys, strict=True):
        z = b
        for wj, xj in zip(w, x, strict=True):
            z += wj * xj
        a = sigmoid(z)
        cost += bce(a, y)
        dz = a - y
        for j in range(n):
            dw[j] += x[j] * dz
        db += dz
    cost /= m
    dw = [g / m for g in dw]
    db /= m
    w = [wj - learning_rate * g for wj, g in zip(w, dw, strict=True)]
    return w, b - learning_rate * db, cost, dw, db


def _activate(z: float, name: str, slope: float) -> float:
    if name == "relu":
        return z if z > 0.0 else 0.0
    if name == "tanh":
        return math.tanh(z)
    if name == "sigmoid":
        return _sigmoid(z)
    if name == "leaky_relu":
        return z if z > 0.0 else slope * z
    return z


def _derivative(a: float, name: str, slope: float) -> float:
    if name == "relu":
        return 1.0 if a > 0.0 else 0.0
    if name == "tanh":
        return 1.0 - a * a
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "leaky_relu":
        return 1.0 if a > 0.0 else slope
    return 1.0


def network_step(
    weights: list[list[list[float]]],
    biases: list[list[float]],
    xs: list[list[float]],
    ys: list[list[float]],
    learning_rate: float,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
) -> tuple[list[list[list[float]]], list[list[float]], float, list[tuple[Any, Any]]]:
    """One step of an L-layer network, example by example and unit by unit.

    Parameters
    ----------
    weights : list over layers of lists of rows
    biases : list over layers of lists of floats
    xs : list of m lists of n_x floats
    ys : list of m lists of n_L floats (targets)
    learning_rate : float
    hidden : {"relu", "tanh", "sigmoid", "leaky_relu", "identity"}, default "relu"
    output : {"sigmoid", "identity"}, default "sigmoid"
        sigmoid with binary cross-entropy, or identity with half the squared error averaged
        over examples and outputs.
    slope : float, default 0.01

    Returns
    -------
    weights, biases : updated parameters
    cost : float
        J before the update.
    grads : list of (dW, db) per layer, nested lists
    """
    if hidden not in HIDDEN_ACTIVATIONS or output not in ("sigmoid", "identity"):
        raise ValueError(f"hidden={hidden!r} / output={output!r} is not supported by the loop")
    n_layers = len(weights)
    m = len(xs)
    dws = [[[0.0] * len(row) for row in w] for w in weights]
    dbs = [[0.0] * len(b) for b in biases]
    cost = 0.0
    activate, derivative = _activate, _derivative
    for x, y in zip(xs, ys, strict=True):
        # forward, keeping each layer's input activations for backward
        layer_inputs = []
        a = x
        for layer in range(n_layers):
            layer_inputs.append(a)
            g = hidden if layer < n_layers - 1 else output
            new_a = []
            for row, bias in zip(weights[layer], biases[layer], strict=True):
                z = bias
                for wk, ak in zip(row, a, strict=True):
                    z += wk * ak
                new_a.append(activate(z, g, slope))
            a = new_a
        # cost and dZ of the output layer
        dz = []
        # squared error is averaged over the outputs (as scikit-learn averages it), so each
        # output's residual counts 1/k; cross-entropy sums over independent sigmoid units
        share = 1.0 if output == "sigmoid" else 1.0 / len(y)
        for ai, yi in zip(a, y, strict=True):
            if output == "sigmoid":
                cost += _bce(ai, yi)
            else:
                cost += 0.5 * (ai - yi) * (ai - yi) * share
            dz.append((ai - yi) * share)
        # backward
        for layer in range(n_layers - 1, -1, -1):
            a_prev = layer_inputs[layer]
            dw, db, w = dws[layer], dbs[layer], weights[layer]
            for i, dzi in enumerate(dz):
                row = dw[i]
                for k, ak in enumerate(a_prev):
                    row[k] += dzi * ak
                db[i] += dzi
            if layer > 0:
                da_prev = [0.0] * len(a_prev)
                for i, dzi in enumerate(dz):
                    for k, wik in enumerate(w[i]):
                        da_prev[k] += wik * dzi
                dz = [
                    dak * derivative(ak, hidden, slope)
                    for dak, ak in zip(da_prev, a_prev, strict=True)
                ]
    cost /= m
    grads = []
    new_weights, new_biases = [], []
    for w, b, dw, db in zip(weights, biases, dws, dbs, strict=True):
        dw = [[g / m for g in row] for row in dw]
        db = [g / m for g in db]
        grads.append((dw, db))
        new_weights.append(
            [
                [wk - learning_rate * gk for wk, gk in zip(row, grow, strict=True)]
                for row, grow in zip(w, dw, strict=True)
            ]
        )
        new_biases.append([bi - learning_rate * gi for bi, gi in zip(b, db, strict=True)])
    return new_weights, new_biases, cost, grads
