"""scikit-learn's own estimator checks, on the NumPy backend."""

from __future__ import annotations

import warnings

import pytest

import nnbackend

sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")
pytest.importorskip("scipy")
from nnbackend.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

ESTIMATORS = [
    nnbackend.LogisticRegression(random_state=0),
    nnbackend.NeuralNetworkClassifier(hidden_layer_sizes=(16,), random_state=0),
    nnbackend.NeuralNetworkRegressor(hidden_layer_sizes=(16,), random_state=0),
    # scikit-learn's drop-in, with the settings scikit-learn's own suite checks its MLPs with
    MLPClassifier(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
    MLPRegressor(hidden_layer_sizes=(16,), max_iter=200, random_state=0),
]
# Checks that cannot apply, by name, with the reason.
EXPECTED_FAILED: dict[str, str] = {}

with warnings.catch_warnings():
    # nnbackend follows scikit-learn's conventions without depending on it, so its estimators
    # do not inherit BaseEstimator; scikit-learn warns about that while collecting the checks.
    warnings.filterwarnings(
        "ignore", message="Estimator .* does not inherit from", category=UserWarning
    )
    checks = sklearn_checks.parametrize_with_checks(
        ESTIMATORS, expected_failed_checks=lambda estimator: EXPECTED_FAILED
    )


@checks
def test_sklearn_compatible_estimator(estimator, check, numpy_backend):
    with warnings.catch_warnings():
        # The checks train for a default max_iter on tiny or random data, where not converging
        # is expected: scikit-learn's own suite lets its MLPs' ConvergenceWarning pass too.
        warnings.simplefilter("ignore", nnbackend.ConvergenceWarning)
        check(estimator)
