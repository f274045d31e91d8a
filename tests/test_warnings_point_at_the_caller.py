"""Every warning a fit gives points at the line that called fit (its ``stacklevel``), not into
nnbackend or scikit-learn's parameter-validation wrapper, whatever the call's depth."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nnbackend
from nnbackend.errors import ConvergenceWarning

rng = np.random.default_rng(0)
X = rng.standard_normal((60, 3))
y = (X[:, 0] > 0).astype(int)


def _caught(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    assert caught, "the call gave no warning"
    return caught


def _assert_here(caught, category, match):
    found = [w for w in caught if issubclass(w.category, category) and match in str(w.message)]
    assert found, [str(w.message) for w in caught]
    for w in found:
        assert w.filename == __file__, (w.filename, w.lineno, str(w.message))


def test_the_native_convergence_warning_points_at_fit():
    model = nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(3,), max_iter=2, tol=1e-9)
    _assert_here(_caught(lambda: model.fit(X, y)), ConvergenceWarning, "max_iter")


def test_the_dropins_warnings_point_at_fit():
    pytest.importorskip("sklearn")
    from nnbackend.sklearn import MLPClassifier, MLPRegressor

    sgd = MLPClassifier(hidden_layer_sizes=(3,), solver="sgd", max_iter=2, random_state=0)
    _assert_here(_caught(lambda: sgd.fit(X, y)), ConvergenceWarning, "Maximum iterations")
    clipped = MLPClassifier(hidden_layer_sizes=(3,), batch_size=500, max_iter=2)
    _assert_here(_caught(lambda: clipped.fit(X, y)), UserWarning, "clipped")
    partial = MLPClassifier(hidden_layer_sizes=(3,), batch_size=500)
    _assert_here(_caught(lambda: partial.partial_fit(X, y, classes=[0, 1])), UserWarning, "clipped")
    # diverging with early stopping keeps the best weights, and says so (sklearn's 29504 case)
    diverging = MLPRegressor(
        hidden_layer_sizes=10, activation="identity", solver="sgd", learning_rate_init=1,
        max_iter=20, early_stopping=True, random_state=0,
    )  # fmt: skip
    big = np.vstack([X, X]) * 50.0
    _assert_here(_caught(lambda: diverging.fit(big, big[:, 0] * 100.0)), RuntimeWarning, "diverged")


def test_the_lbfgs_convergence_warning_points_at_fit():
    pytest.importorskip("scipy")
    pytest.importorskip("sklearn")
    from nnbackend.sklearn import MLPClassifier

    model = MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=1, random_state=0)
    _assert_here(_caught(lambda: model.fit(X, y)), ConvergenceWarning, "lbfgs failed")
