"""Week 3: planar data classification with one hidden layer, as the assignment grades it.

tanh hidden layer, sigmoid output. Each step is a call into :mod:`nnbackend.core.network` and
:mod:`nnbackend.core.activations`; only the notebook's names, dicts and seeding live here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import asarray
from nnbackend.core import activations, losses, network
from nnbackend.core.spec import NetworkSpec
from nnbackend.course._checks import (
    binary_labels,
    check_inputs,
    columns,
    finite_output,
    iterations,
    label_rows,
    positive_size,
    probabilities,
    two_layer_sizes,
)
from nnbackend.course._common import (
    as_float_array,
    check_training_memory,
    computing_in_their_library,
    from_dict,
    legacy_parameters,
    match,
    on_parameters,
    print_cost_line,
    to_dict,
    updated_parameters,
)
from nnbackend.datasets._sources import planar_flower
from nnbackend.training import train
from nnbackend.training.optimizer_base import check_learning_rate
from nnbackend.training.optimizers import GradientDescent

__all__ = [
    "backward_propagation",
    "compute_cost",
    "forward_propagation",
    "initialize_parameters",
    "layer_sizes",
    "load_planar_dataset",
    "nn_model",
    "predict",
    "update_parameters",
]

Array = Any


def load_planar_dataset() -> tuple[Array, Array]:
    """The assignment's "flower": 400 points of two classes, on the active backend.

    Returns
    -------
    X : array of shape (2, 400)
    Y : array of shape (1, 400), uint8 labels
    """
    np.random.seed(1)  # the notebook seeds the global stream, and learners may rely on it
    X, Y = planar_flower(400, 0.2, np.random)
    return asarray(X), asarray(Y)


def layer_sizes(X: Array, Y: Array) -> tuple[int, int, int]:
    """Sizes of the input, hidden (fixed at 4) and output layers.

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (n_y, m)

    Returns
    -------
    (n_x, n_h, n_y) : tuple of int
    """
    Y = label_rows(as_float_array(Y, name="Y"), columns(X, "X"), rows=None)
    return int(X.shape[0]), 4, int(Y.shape[0])


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = 2) -> dict[str, Array]:
    """W = randn · 0.01 (drawn W1, then W2, after ``np.random.seed(seed)``), b = 0.

    Parameters
    ----------
    n_x : int
        Input size.
    n_h : int
        Hidden units.
    n_y : int
        Output size.
    seed : int or None, default 2
        2 reseeds as the May 2021 notebook does; None draws from NumPy's global random state,
        as the later 2021 notebook does (its test calls ``np.random.seed(2)`` first).

    Returns
    -------
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1), on the active
        backend.
    """
    return to_dict(legacy_parameters(two_layer_sizes(n_x, n_h, n_y), seed, "small"))


def forward_propagation(X: Array, parameters: dict[str, Array]) -> tuple[Array, dict[str, Array]]:
    """Forward propagation: tanh hidden layer, sigmoid output.

    Parameters
    ----------
    X : array of shape (n_x, m)
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2``.

    Returns
    -------
    A2 : array of shape (1, m)
        The sigmoid output.
    cache : dict
        ``Z1``, ``A1``, ``Z2``, ``A2``.
    """
    (W1, b1), (W2, b2) = from_dict(parameters, layers=2)
    X = on_parameters(X, W1)
    check_inputs(X, int(W1.shape[1]))
    xp = array_namespace(X)
    A1, Z1 = network.layer_forward(X, W1, b1, "tanh", xp=xp)
    A2, Z2 = network.layer_forward(A1, W2, b2, "sigmoid", xp=xp)
    return A2, {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2}


def compute_cost(A2: Array, Y: Array) -> float:
    """The cross-entropy cost -(1/m) Σ [y log a + (1 - y) log(1 - a)].

    Parameters
    ----------
    A2 : array of shape (1, m)
    Y : array of shape (1, m)

    Returns
    -------
    cost : float
        A Python float: this notebook ends with ``cost = float(np.squeeze(cost))`` and its
        test checks ``type(cost) == float`` (Weeks 2 and 4 keep a 0-d array instead).
    """
    Y = label_rows(match(Y, A2), columns(A2, "A2"), rows=int(A2.shape[0]), of="A2")
    probabilities(A2, "A2")
    return float(losses.binary_cross_entropy(A2, Y))


def backward_propagation(
    parameters: dict[str, Array], cache: dict[str, Array], X: Array, Y: Array
) -> dict[str, Array]:
    """Backward propagation as the course writes it.

    dZ2 = A2 - Y, dW2 = (1/m) dZ2 A1ᵀ, db2 = (1/m) Σ dZ2, dZ1 = W2ᵀ dZ2 * (1 - A1²),
    dW1 = (1/m) dZ1 Xᵀ, db1 = (1/m) Σ dZ1.

    Parameters
    ----------
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2``.
    cache : dict
        ``Z1``, ``A1``, ``Z2``, ``A2``.
    X : array of shape (2, m)
    Y : array of shape (1, m)

    Returns
    -------
    grads : dict
        ``dW1``, ``db1``, ``dW2``, ``db2``.
    """
    (W1, _), (W2, _) = from_dict(parameters, layers=2)
    X = on_parameters(X, W1)
    m = check_inputs(X, int(W1.shape[1]))
    xp = array_namespace(X)
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - label_rows(match(Y, A2), m, rows=int(A2.shape[0]))
    dA1, dW2, db2 = network.linear_backward(dZ2, A1, W2, scale=1 / m, xp=xp)
    dZ1 = activations.activation_backward(dA1, A1, "tanh", xp=xp)
    _, dW1, db1 = network.linear_backward(dZ1, X, W1, scale=1 / m, need_da_prev=False, xp=xp)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(
    parameters: dict[str, Array], grads: dict[str, Array], learning_rate: float = 1.2
) -> dict[str, Array]:
    """Gradient descent: θ ← θ - α dθ for every parameter.

    Parameters
    ----------
    parameters : dict
    grads : dict
    learning_rate : float, default 1.2
        Finite and > 0.

    Returns
    -------
    parameters : dict
        New arrays; the ones passed in are left as they were.
    """
    check_learning_rate(learning_rate)
    return updated_parameters(parameters, grads, learning_rate)


def nn_model(
    X: Array,
    Y: Array,
    n_h: int,
    num_iterations: int = 10000,
    print_cost: bool = False,
    seed: int | None = 2,
) -> dict[str, Array]:
    """Train the one-hidden-layer network with full-batch gradient descent (α = 1.2).

    Two versions of the notebook initialise differently, and ``seed`` picks one:

    * ``seed=2`` (the default) is the May 2021 notebook, whose ``initialize_parameters``
      calls ``np.random.seed(2)``: the same parameters whatever the global state.
    * ``seed=None`` is the later 2021 notebook, whose ``initialize_parameters`` draws from
      NumPy's global random state: its check runs ``np.random.seed(3)`` and then
      ``nn_model(X, Y, 4)``, and the result depends on that call.

    Parameters
    ----------
    X : array of shape (2, m)
    Y : array of shape (1, m)
    n_h : int
        Hidden units.
    num_iterations : int, default 10000
        At least 0; 0 trains nothing.
    print_cost : bool, default False
        Print the cost every 1000 iterations.
    seed : int or None, default 2
        ``np.random.seed(seed)`` before the draws, or None for the global random state.

    Returns
    -------
    parameters : dict
        The learned ``W1``, ``b1``, ``W2``, ``b2``, in X's library.
    """
    X = as_float_array(X)
    n_h = positive_size(n_h, "n_h")
    num_iterations = iterations(num_iterations)
    Y = label_rows(match(Y, X), columns(X, "X"), rows=None)
    binary_labels(Y)
    n_x, _, n_y = layer_sizes(X, Y)
    dims = two_layer_sizes(n_x, n_h, n_y)
    check_training_memory(dims, X, n_h=n_h)
    parameters = to_dict(legacy_parameters(dims, seed, "small"), like=X)

    def report(iteration: int, cost: float) -> None:
        if print_cost and iteration % 1000 == 0:
            print_cost_line(iteration, cost)

    # The notebook's iteration (forward, cost, backward, update with α = 1.2) is the training
    # loop's full-batch step; running it there trains chunked (Dask) data in parallel too.
    result = train(
        X,
        Y,
        from_dict(parameters),
        GradientDescent(1.2),
        spec=NetworkSpec(hidden="tanh", output="sigmoid"),
        max_iter=num_iterations,
        tol=None,
        callback=report,
    )
    return {
        key: arr
        for layer, (w, b) in enumerate(result.params, start=1)
        for key, arr in ((f"W{layer}", w), (f"b{layer}", b))
    }


def predict(parameters: dict[str, Array], X: Array) -> Array:
    """Predict a class for each example: 1.0 where A2 > 0.5, else 0.0.

    The notebook's ``A2 > 0.5`` is a bool array; the 0/1 floats returned here serve its
    arithmetic (``1 - predictions``, ``np.dot(Y, predictions.T)``) on every library, where
    PyTorch refuses ``1 - bool_tensor``.

    Parameters
    ----------
    parameters : dict
    X : array of shape (n_x, m)

    Returns
    -------
    predictions : array of shape (1, m)
        0.0 or 1.0, in the parameters' float dtype and library.
    """
    A2, _ = forward_propagation(X, parameters)
    finite_output(A2, "X or the parameters")
    xp = array_namespace(A2)
    return xp.astype(A2 > 0.5, A2.dtype)


computing_in_their_library(globals(), __all__)
