"""Week 2: logistic regression with a neural-network mindset, as the assignment grades it.

Every function keeps the notebook's name, signature and return structure, and computes through
:mod:`nnbackend.core.network` (logistic regression is its one-layer case): w of shape (n_x, 1) is
the
transpose of the core's W[1].
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import asarray, library_of, materialize
from nnbackend.core import activations, network
from nnbackend.core.initializers import move_like
from nnbackend.course._checks import (
    binary_labels,
    finite_output,
    iterations,
    label_rows,
    parameters_fit,
    positive_size,
)
from nnbackend.course._common import (
    as_float_array,
    compiled_descent,
    computing_in_their_library,
    copy,
    first_element,
    match,
    on_parameters,
    print_cost_line,
    squeeze_cost,
)
from nnbackend.datasets._sources import read_catvnoncat
from nnbackend.training.optimizer_base import check_learning_rate

__all__ = [
    "initialize_with_zeros",
    "load_dataset",
    "model",
    "optimize",
    "predict",
    "propagate",
    "sigmoid",
]

Array = Any


def sigmoid(z: Any) -> Array:
    """Compute the sigmoid of z.

    Parameters
    ----------
    z : scalar or array of any size
        Integer arrays are accepted, as in the notebook's ``sigmoid(np.array([0, 2]))``.

    Returns
    -------
    s : array
        sigmoid(z), in z's library (float64 on NumPy for integer z).
    """
    return activations.sigmoid(as_float_array(z, name="z"))


def initialize_with_zeros(dim: int) -> tuple[Array, float]:
    """Create a vector of zeros of shape (dim, 1) for w and initialise b to 0.

    Parameters
    ----------
    dim : int
        The size of w (the number of features).

    Returns
    -------
    w : array of shape (dim, 1)
        On the active backend, float64.
    b : float
        0.0.
    """
    dim = positive_size(dim, "dim")
    parameters_fit([dim, 1], f"dim={dim}")
    return asarray(np.zeros((dim, 1))), 0.0


def _bias_array(b: Any, like: Array) -> Array:
    if library_of(b) is None or library_of(b) != library_of(like):
        return move_like(np.reshape(np.asarray(b, dtype=float), (1, 1)), like)
    return array_namespace(like).reshape(match(b, like), (1, 1))


def _label_row(Y: Array, X: Array, name: str = "Y", of: str = "X") -> Array:
    return label_rows(Y, int(X.shape[1]), name, of=of)


def _propagate(w: Array, b: Array, X: Array, Y: Array) -> tuple[Array, Array, Array]:
    xp = array_namespace(X)
    params = [(w.T, b)]
    A, cache = network.forward(X, params, output="sigmoid", xp=xp)
    cost = network.compute_cost(A, Y, "sigmoid", xp=xp)
    ((dW, db),) = network.backward(A, Y, cache, params, output="sigmoid", xp=xp)
    return dW.T, db, squeeze_cost(cost, xp)


def propagate(w: Array, b: Any, X: Array, Y: Array) -> tuple[dict[str, Any], Array]:
    """Cost and gradients of logistic regression, forward and backward.

    Parameters
    ----------
    w : array of shape (n_x, 1)
        Weights.
    b : float
        Bias.
    X : array of shape (n_x, m)
        Data; integer arrays are cast to w's float dtype.
    Y : array of shape (1, m)
        True labels (0 or 1); shape (m,) is read as the same row.

    Returns
    -------
    grads : dict
        ``{"dw": array (n_x, 1), "db": scalar}``. ``db`` is what the notebook's
        ``1/m * np.sum(...)`` gives: a ``numpy.float64`` on NumPy, a 0-d array elsewhere.
    cost : 0-d array
        The negative log-likelihood cost, as ``np.squeeze(np.array(cost))`` gives it: a 0-d
        ``numpy.ndarray`` on NumPy, a 0-d array of the backend elsewhere.

    Raises
    ------
    ValueError
        When Y is neither (1, m) nor (m,).
    """
    X = on_parameters(X, w)
    Y, w = _label_row(match(Y, X), X), match(w, X)
    dw, db, cost = _propagate(w, _bias_array(b, X), X, Y)
    return {"dw": dw, "db": first_element(db)}, cost


def optimize(
    w: Array,
    b: Any,
    X: Array,
    Y: Array,
    num_iterations: int = 100,
    learning_rate: float = 0.009,
    print_cost: bool = False,
) -> tuple[dict[str, Any], dict[str, Any], list[Array]]:
    """Optimise w and b by running gradient descent.

    Parameters
    ----------
    w : array of shape (n_x, 1)
    b : float
    X : array of shape (n_x, m)
    Y : array of shape (1, m) or (m,)
    num_iterations : int, default 100
        At least 0; 0 trains nothing.
    learning_rate : float, default 0.009
        Finite and > 0.
    print_cost : bool, default False
        Print the cost every 100 steps.

    Returns
    -------
    params : dict
        ``{"w": array, "b": scalar}``; ``b`` is a ``numpy.float64`` on NumPy (0-d array
        elsewhere), as the notebook's ``b = b - learning_rate * db`` makes it.
    grads : dict
        The last gradients, ``{"dw", "db"}``, typed as :func:`propagate` returns them.
    costs : list of 0-d arrays
        The cost every 100 iterations (i % 100 == 0), each as :func:`propagate` returns it.
    """
    iterations(num_iterations)
    check_learning_rate(learning_rate)
    X = on_parameters(X, w)
    Y = _label_row(match(Y, X), X)
    W = copy(match(w, X)).T  # the core's (1, n_x) layout; a copy, so the learner's w is kept
    bias = copy(_bias_array(b, X))
    params = [(W, bias)]
    costs: list[Array] = []
    dw = db = None
    for i in range(num_iterations):
        dw, db, cost = _propagate(params[0][0].T, params[0][1], X, Y)
        params = network.update(params, [(dw.T, db)], learning_rate)
        params = [tuple(materialize(list(params[0])))]
        if i % 100 == 0:
            (cost,) = materialize([cost])
            costs.append(cost)
            if print_cost:
                print_cost_line(i, float(cost))
    W, bias = params[0]
    grads = {"dw": dw, "db": None if db is None else first_element(db)}
    return {"w": W.T, "b": first_element(bias)}, grads, costs


def _descent(
    w: Array, X: Array, Y: Array, num_iterations: int, learning_rate: float, print_cost: bool
) -> tuple[dict[str, Any], list[Array]]:
    # model's training: the training driver on every library (printing every 100 iterations
    # as optimize does), so that a divergence fails alike everywhere; optimize itself only
    # for fewer than one iteration.
    W = w.T
    run = compiled_descent(
        X,
        Y,
        [(copy(W), move_like(np.zeros((1, 1)), X))],
        learning_rate,
        num_iterations,
        hidden="identity",
        print_at=(lambda i: i % 100 == 0) if print_cost else None,
    )
    if run is None:
        params, _, costs = optimize(w, 0.0, X, Y, num_iterations, learning_rate, print_cost)
        return params, costs
    ((W, bias),), costs = run
    return {"w": W.T, "b": first_element(bias)}, costs


def predict(w: Array, b: Any, X: Array) -> Array:
    """Predict 0 or 1 with learned logistic-regression parameters (w, b).

    Parameters
    ----------
    w : array of shape (n_x, 1)
    b : float
    X : array of shape (n_x, m)
        Integer arrays are cast to w's float dtype.

    Returns
    -------
    Y_prediction : array of shape (1, m)
        1.0 where the activation is > 0.5, else 0.0, in X's float dtype.
    """
    X = on_parameters(X, w)
    w = match(w, X)
    xp = array_namespace(X)
    A = network.predict_output(X, [(w.T, _bias_array(b, X))], output="sigmoid", xp=xp)
    finite_output(A, "X, w or b")
    return xp.astype(A > 0.5, X.dtype)


def _accuracy(prediction: Array, Y: Array) -> float:
    xp = array_namespace(prediction)
    return float(100 - xp.mean(xp.abs(prediction - Y)) * 100)


def model(
    X_train: Array,
    Y_train: Array,
    X_test: Array,
    Y_test: Array,
    num_iterations: int = 2000,
    learning_rate: float = 0.5,
    print_cost: bool = False,
) -> dict[str, Any]:
    """Build the logistic regression model from the functions above.

    Parameters
    ----------
    X_train : array of shape (n_x, m_train)
    Y_train : array of shape (1, m_train) or (m_train,)
    X_test : array of shape (n_x, m_test)
    Y_test : array of shape (1, m_test) or (m_test,)
    num_iterations : int, default 2000
        At least 0; 0 trains nothing.
    learning_rate : float, default 0.5
        Finite and > 0.
    print_cost : bool, default False
        Print the cost every 100 iterations and the train/test accuracy.

    Returns
    -------
    d : dict
        ``costs``, ``Y_prediction_test``, ``Y_prediction_train``, ``w``, ``b``,
        ``learning_rate``, ``num_iterations``; ``costs`` and ``b`` typed as :func:`optimize`
        returns them.
    """
    X_train = as_float_array(X_train)
    X_test = match(X_test, X_train)
    iterations(num_iterations)
    check_learning_rate(learning_rate)
    Y_train = _label_row(match(Y_train, X_train), X_train, "Y_train", "X_train")
    Y_test = _label_row(match(Y_test, X_train), X_test, "Y_test", "X_test")
    binary_labels(Y_train, "Y_train")
    binary_labels(Y_test, "Y_test")
    w = move_like(np.zeros((X_train.shape[0], 1)), X_train)
    params, costs = _descent(w, X_train, Y_train, num_iterations, learning_rate, print_cost)
    Y_prediction_test = predict(params["w"], params["b"], X_test)
    Y_prediction_train = predict(params["w"], params["b"], X_train)
    if print_cost:
        print(f"train accuracy: {_accuracy(Y_prediction_train, Y_train)} %")
        print(f"test accuracy: {_accuracy(Y_prediction_test, Y_test)} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": params["w"],
        "b": params["b"],
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }


def load_dataset(
    path: str | os.PathLike[str] = "datasets",
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Week 2 notebook's ``load_dataset()``: the cat / non-cat images, as stored.

    Nothing is flattened or scaled: reshaping the images into columns and dividing by 255 is
    the notebook's exercise, in NumPy. So the arrays are NumPy arrays, exactly the notebook's,
    whatever the backend; the functions of this module run host data on the backend of their
    parameters, and ``nnbackend.asarray`` moves it to the active backend.

    Parameters
    ----------
    path : str or path-like, default "datasets"
        The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``; the notebook
        reads them from ``datasets/`` beside it.

    Returns
    -------
    train_set_x_orig : ndarray of shape (m_train, 64, 64, 3), uint8
        The training images (m_train = 209).
    train_set_y : ndarray of shape (1, m_train)
        Their labels, 1 for a cat.
    test_set_x_orig : ndarray of shape (m_test, 64, 64, 3), uint8
        The test images (m_test = 50).
    test_set_y : ndarray of shape (1, m_test)
    classes : ndarray of bytes
        ``[b"non-cat", b"cat"]``, indexed by a label.

    Raises
    ------
    FileNotFoundError
        When a file is missing; the message names the folder.
    ImportError
        When h5py (the ``data`` extra) is not installed.
    """
    train_x, train_y, test_x, test_y, classes = read_catvnoncat(path)
    return (
        train_x,
        train_y.reshape((1, train_y.shape[0])),
        test_x,
        test_y.reshape((1, test_y.shape[0])),
        classes,
    )


computing_in_their_library(globals(), __all__)
