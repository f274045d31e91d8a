"""Week 4: building a deep neural network step by step, and its cat-classifier application.

The notebook's functions, names, caches and dict keys, computed by :mod:`nnbackend.core.network`.
Course-specific choices stay here: caches as tuples, the legacy seeding, and backward starting
from dAL = -(Y/AL - (1-Y)/(1-AL)) exactly as the course does (the core starts from the
simplified dZ[L] = (AL - Y)/m instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import asarray, materialize, to_numpy
from nnbackend.core import activations, losses, network
from nnbackend.course._checks import (
    binary_labels,
    check_inputs,
    columns,
    finite_output,
    iterations,
    label_rows,
    probabilities,
    two_layer_sizes,
)
from nnbackend.course._checks import layer_dims as _layer_dims  # an argument's name here
from nnbackend.course._common import (
    as_dict,
    as_float_array,
    check_training_memory,
    compiled_descent,
    computing_in_their_library,
    from_dict,
    legacy_parameters,
    match,
    materialize_dict,
    on_parameters,
    print_cost_line,
    squeeze_cost,
    to_dict,
    updated_parameters,
)
from nnbackend.datasets._sources import read_catvnoncat
from nnbackend.training.optimizer_base import check_learning_rate

__all__ = [
    "L_layer_model",
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "load_catvnoncat",
    "predict",
    "two_layer_model",
    "update_parameters",
]

Array = Any
LinearCache = tuple[Array, Array, Array]
Cache = tuple[LinearCache, Array]

_COURSE_ACTIVATIONS = ("sigmoid", "relu")


def _check_activation(activation: str) -> None:
    if activation not in _COURSE_ACTIVATIONS:
        raise ValueError(
            f"activation={activation!r} is not valid here: expected 'sigmoid' or 'relu'"
        )


def _model_labels(X: Array, Y: Array, n_x: int, n_y: int) -> Array:
    # X must fit the first layer and Y the last, before any parameter is drawn
    m = check_inputs(X, n_x, what="layers_dims[0] says")
    Y = label_rows(match(Y, X), m, rows=n_y)
    binary_labels(Y)
    return Y


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int | None = 1) -> dict[str, Array]:
    """Two-layer parameters: W = randn · 0.01 (W1 then W2, after ``np.random.seed(seed)``).

    Parameters
    ----------
    n_x : int
        Input size.
    n_h : int
        Hidden units.
    n_y : int
        Output size.
    seed : int or None, default 1
        The notebook's ``np.random.seed(1)``; None draws from NumPy's global random state.

    Returns
    -------
    parameters : dict
        ``W1``, ``b1``, ``W2``, ``b2`` on the active backend.
    """
    return to_dict(legacy_parameters(two_layer_sizes(n_x, n_h, n_y), seed, "small"))


def initialize_parameters_deep(layer_dims: list[int], seed: int | None = 3) -> dict[str, Array]:
    """L-layer parameters: W_l = randn(n_l, n_{l-1}) · 0.01, drawn layer by layer; b_l = 0.

    Parameters
    ----------
    layer_dims : list of int
        [n_x, n_1, ..., n_L].
    seed : int or None, default 3
        The notebook's ``np.random.seed(3)``; None draws from NumPy's global random state.

    Returns
    -------
    parameters : dict
        ``W1``, ``b1``, ..., ``WL``, ``bL`` on the active backend.
    """
    return to_dict(legacy_parameters(_layer_dims(layer_dims, "layer_dims"), seed, "small"))


def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """The linear part of a layer's forward propagation: Z = W A + b.

    Parameters
    ----------
    A : array of shape (n_{l-1}, m)
    W : array of shape (n_l, n_{l-1})
    b : array of shape (n_l, 1)

    Returns
    -------
    Z : array of shape (n_l, m)
    cache : tuple
        (A, W, b).
    """
    A = on_parameters(A, W, name="A")
    return network.linear_forward(A, W, b), (A, W, b)


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, Cache]:
    """Forward propagation for the LINEAR -> ACTIVATION layer.

    Parameters
    ----------
    A_prev : array of shape (n_{l-1}, m)
    W : array of shape (n_l, n_{l-1})
    b : array of shape (n_l, 1)
    activation : {"sigmoid", "relu"}

    Returns
    -------
    A : array of shape (n_l, m)
    cache : tuple
        (linear_cache, activation_cache) = ((A_prev, W, b), Z).
    """
    _check_activation(activation)
    A_prev = on_parameters(A_prev, W, name="A_prev")
    A, Z = network.layer_forward(A_prev, W, b, activation)
    return A, ((A_prev, W, b), Z)


def L_model_forward(X: Array, parameters: dict[str, Array]) -> tuple[Array, list[Cache]]:
    """[LINEAR -> RELU] × (L-1) -> LINEAR -> SIGMOID.

    Parameters
    ----------
    X : array of shape (n_x, m)
    parameters : dict
        ``W1``, ``b1``, ..., ``WL``, ``bL``.

    Returns
    -------
    AL : array of shape (1, m)
    caches : list
        One cache per layer, from :func:`linear_activation_forward`.
    """
    params = from_dict(parameters)
    A = on_parameters(X, params[0][0])
    check_inputs(A, int(params[0][0].shape[1]))
    caches = []
    for layer, (W, b) in enumerate(params, start=1):
        A, cache = linear_activation_forward(A, W, b, "relu" if layer < len(params) else "sigmoid")
        caches.append(cache)
    return A, caches


def compute_cost(AL: Array, Y: Array) -> Array:
    """The cross-entropy cost -(1/m) Σ [y log a + (1 - y) log(1 - a)].

    Parameters
    ----------
    AL : array of shape (1, m)
    Y : array of shape (1, m)

    Returns
    -------
    cost : 0-d array
        As the notebook's ``np.squeeze(cost)`` gives it: a 0-d ``numpy.ndarray`` on NumPy, a
        0-d array of the backend elsewhere.
    """
    xp = array_namespace(AL)
    Y = label_rows(match(Y, AL), columns(AL, "AL"), rows=int(AL.shape[0]), of="AL")
    probabilities(AL, "AL")
    return squeeze_cost(losses.binary_cross_entropy(AL, Y, xp=xp), xp)


def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """The linear part of a layer's backward propagation.

    dW = (1/m) dZ A_prevᵀ, db = (1/m) Σ dZ, dA_prev = Wᵀ dZ.

    Parameters
    ----------
    dZ : array of shape (n_l, m)
    cache : tuple
        (A_prev, W, b).

    Returns
    -------
    dA_prev, dW, db : arrays
    """
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    dA_prev, dW, db = network.linear_backward(dZ, A_prev, W, scale=1 / m)
    return dA_prev, dW, db


def linear_activation_backward(
    dA: Array, cache: Cache, activation: str
) -> tuple[Array, Array, Array]:
    """Backward propagation for the LINEAR -> ACTIVATION layer.

    relu: dZ = dA where Z > 0, else 0. sigmoid: dZ = dA · s (1 - s) with s = sigmoid(Z).

    Parameters
    ----------
    dA : array
    cache : tuple
        (linear_cache, activation_cache).
    activation : {"sigmoid", "relu"}

    Returns
    -------
    dA_prev, dW, db : arrays
    """
    _check_activation(activation)
    linear_cache, Z = cache
    # The core reads g'(Z) from the output g(Z). relu(Z) > 0 exactly where Z > 0, so the mask
    # is the same whether it sees relu(Z) or Z.
    a = activations.sigmoid(Z) if activation == "sigmoid" else Z
    dZ = activations.activation_backward(dA, a, activation)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL: Array, Y: Array, caches: list[Cache]) -> dict[str, Array]:
    """Backward propagation for [LINEAR->RELU] × (L-1) -> LINEAR -> SIGMOID.

    Starts from dAL = -(Y/AL - (1-Y)/(1-AL)), as the course does.

    Parameters
    ----------
    AL : array of shape (1, m)
    Y : array of shape (1, m)
    caches : list
        From :func:`L_model_forward`.

    Returns
    -------
    grads : dict
        ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = 1..L.
    """
    Y = label_rows(match(Y, AL), columns(AL, "AL"), rows=int(AL.shape[0]), of="AL")
    L = len(caches)
    dAL = -(Y / AL - (1 - Y) / (1 - AL))
    grads: dict[str, Array] = {}
    dA = dAL
    for layer in range(L, 0, -1):
        activation = "sigmoid" if layer == L else "relu"
        dA, grads[f"dW{layer}"], grads[f"db{layer}"] = linear_activation_backward(
            dA, caches[layer - 1], activation
        )
        grads[f"dA{layer - 1}"] = dA
    return grads


def update_parameters(
    params: dict[str, Array], grads: dict[str, Array], learning_rate: float
) -> dict[str, Array]:
    """Gradient descent on every W and b.

    Parameters
    ----------
    params : dict
    grads : dict
        From :func:`L_model_backward`.
    learning_rate : float
        Finite and > 0.

    Returns
    -------
    parameters : dict
        New arrays; the ones passed in are left as they were.
    """
    check_learning_rate(learning_rate)
    return updated_parameters(params, grads, learning_rate)


def _train(
    X: Array,
    Y: Array,
    parameters: dict[str, Array],
    learning_rate: float,
    num_iterations: int,
    print_cost: bool,
) -> tuple[dict[str, Array], list[Array]]:
    run = compiled_descent(
        X,
        match(Y, X),
        from_dict(parameters),
        learning_rate,
        num_iterations,
        hidden="relu",
        print_at=(lambda i: i % 100 == 0 or i == num_iterations - 1) if print_cost else None,
        full_cost=True,
    )
    if run is not None:
        return as_dict(run[0]), run[1]
    costs: list[Array] = []
    for i in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        grads = L_model_backward(AL, Y, caches)
        parameters = materialize_dict(update_parameters(parameters, grads, learning_rate))
        if i % 100 == 0:
            (cost,) = materialize([cost])
            costs.append(cost)
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print_cost_line(i, cost, full=True)
    return parameters, costs


def two_layer_model(
    X: Array,
    Y: Array,
    layers_dims: tuple[int, int, int] | list[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[dict[str, Array], list[Array]]:
    """LINEAR->RELU->LINEAR->SIGMOID, initialised like the application notebook (seed 1).

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (1, m)
    layers_dims : (n_x, n_h, n_y)
    learning_rate : float, default 0.0075
        Finite and > 0.
    num_iterations : int, default 3000
        At least 0; 0 trains nothing.
    print_cost : bool, default False
        Print the cost every 100 iterations.

    Returns
    -------
    parameters : dict
    costs : list of 0-d arrays
        The cost when i % 100 == 0, each as :func:`compute_cost` returns it.
    """
    check_learning_rate(learning_rate)
    num_iterations = iterations(num_iterations)
    X = as_float_array(X)
    n_x, n_h, n_y = _layer_dims(layers_dims, "layers_dims", length=3)
    Y = _model_labels(X, Y, n_x, n_y)
    check_training_memory([n_x, n_h, n_y], X, layers_dims=[n_x, n_h, n_y])
    parameters = to_dict(legacy_parameters([n_x, n_h, n_y], 1, "small"), like=X)
    return _train(X, Y, parameters, learning_rate, num_iterations, print_cost)


def L_layer_model(
    X: Array,
    Y: Array,
    layers_dims: list[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
) -> tuple[dict[str, Array], list[Array]]:
    """[LINEAR->RELU] × (L-1) -> LINEAR->SIGMOID.

    Initialised like the application notebook: seed 1, W_l = randn(n_l, n_{l-1}) / sqrt(n_{l-1}).

    Parameters
    ----------
    X : array of shape (n_x, m)
    Y : array of shape (1, m)
    layers_dims : list of int
    learning_rate : float, default 0.0075
        Finite and > 0.
    num_iterations : int, default 3000
        At least 0; 0 trains nothing.
    print_cost : bool, default False

    Returns
    -------
    parameters : dict
    costs : list of 0-d arrays
        The cost when i % 100 == 0, each as :func:`compute_cost` returns it.
    """
    check_learning_rate(learning_rate)
    num_iterations = iterations(num_iterations)
    X = as_float_array(X)
    dims = _layer_dims(layers_dims, "layers_dims")
    Y = _model_labels(X, Y, dims[0], dims[-1])
    check_training_memory(dims, X, layers_dims=dims)
    parameters = to_dict(legacy_parameters(dims, 1, "xavier"), like=X)
    return _train(X, Y, parameters, learning_rate, num_iterations, print_cost)


def predict(X: Array, y: Array, parameters: dict[str, Array]) -> Array:
    """Predict with the L-layer network and print the accuracy.

    Parameters
    ----------
    X : array of shape (n_x, m)
    y : array of shape (1, m)
        True labels, for the printed accuracy.
    parameters : dict

    Returns
    -------
    p : array of shape (1, m)
        0/1 predictions in X's float dtype.
    """
    X = on_parameters(X, from_dict(parameters)[0][0])
    xp = array_namespace(X)
    probas, _ = L_model_forward(X, parameters)
    finite_output(probas, "X or the parameters")
    m = X.shape[1]
    y = label_rows(match(y, X), m, "y", rows=int(probas.shape[0]))
    p = xp.astype(probas > 0.5, X.dtype)
    # The notebook's np.sum((p == y) / m), summed by NumPy on the host whatever the library, so
    # the line reads as the notebook's to the last digit (its 0.9999999999999998, not 1.0).
    hits = to_numpy(p) == to_numpy(y)
    print("Accuracy: " + str(np.sum(hits / m)))
    return p


def load_catvnoncat(path: str) -> tuple[Array, Array, Array, Array, np.ndarray]:
    """The cat / non-cat data, flattened and scaled as the notebooks do, on the active backend.

    Parameters
    ----------
    path : str or path-like
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    Returns
    -------
    train_x : array of shape (12288, 209)
        Pixels / 255.
    train_y : array of shape (1, 209)
    test_x : array of shape (12288, 50)
    test_y : array of shape (1, 50)
    classes : numpy array of bytes
    """
    train_images, train_labels, test_images, test_labels, classes = read_catvnoncat(path)
    train_x = train_images.reshape(train_images.shape[0], -1).T / 255.0
    test_x = test_images.reshape(test_images.shape[0], -1).T / 255.0
    return (
        asarray(train_x),
        asarray(train_labels.reshape(1, -1)),
        asarray(test_x),
        asarray(test_labels.reshape(1, -1)),
        classes,
    )


computing_in_their_library(globals(), __all__)
