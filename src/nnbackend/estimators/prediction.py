"""Prediction plumbing: features on the parameters' library, one forward pass, results back
in the caller's library; the classifier's and the regressor's prediction methods.

Every method here computes where the fitted parameters are (their library, device and dtype),
inside that library's computing context, and returns results in the library X came in (NumPy
for host data).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, dtype_name
from nnbackend.backends import DEFAULT_BACKEND, Backend, backend_of, move_like, to_numpy
from nnbackend.core import network
from nnbackend.core.activations import sigmoid, softmax
from nnbackend.errors import not_fitted_error
from nnbackend.estimators.feature_names import check_feature_names
from nnbackend.estimators.sample_weight import check_sample_weight, rescale_sample_weight
from nnbackend.estimators.validation import (
    check_feature_count,
    check_known_labels,
    check_regression_targets,
    check_same_length,
    to_backend_features,
)
from nnbackend.training.holdout import r2

__all__ = ["ClassifierPrediction", "Prediction", "RegressorPrediction", "computing"]

Array = Any


def computing(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a prediction method inside its parameters' library's computing context.

    (JAX: 64-bit mode, in this thread, for the call), so that float64 works without switching
    JAX to 64 bits for the whole process. An unfitted estimator runs the method as it is, which
    then reports that it is not fitted.
    """

    @functools.wraps(method)
    def wrapper(self: Prediction, X: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            adapter = self._params_backend().adapter if hasattr(self, "_params") else None
        except Exception:  # the method itself reports a broken state precisely
            adapter = None
        with contextlib.nullcontext() if adapter is None else adapter.computing():
            return method(self, X, *args, **kwargs)

    return wrapper


def _r2_score(truth: np.ndarray, predicted: np.ndarray, sample_weight: Any = None) -> float:
    # R² per output, averaged uniformly, as scikit-learn's r2_score: early stopping's
    # held-out score, here on the host in sample layout
    # R² is the same for scaled targets and weights: each output is divided by its largest
    # magnitude and the weights by theirs, so squares of 1e200 do not overflow to a NaN score
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if weights is not None:
        weights = weights / weights.max()
    scale = np.maximum(np.abs(truth).max(axis=0), np.abs(predicted).max(axis=0))
    scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(r2((predicted / scale).T, (truth / scale).T, weights, np))


class Prediction:
    """The fitted parameters' side of an estimator: features in, one forward pass, results out."""

    _params: list[tuple[Array, Array]]
    _hidden: str
    n_features_in_: int

    def _check_fitted(self) -> None:
        if not hasattr(self, "_params"):
            raise not_fitted_error(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' with "
                "appropriate arguments before using this estimator."
            )

    def _params_backend(self) -> Backend:
        w = self._params[0][0]
        return backend_of(w) or Backend(DEFAULT_BACKEND, array_namespace(w))

    def _features(self, X: Any) -> tuple[Array, str | None]:
        self._check_fitted()
        return self._features_where_params(
            X, "where this model's parameters are, from its fit or load"
        )

    def _features_where_params(self, X: Any, where: str) -> tuple[Array, str | None]:
        # X in course layout on the parameters' library, device and dtype, with their count
        w = self._params[0][0]
        check_feature_names(X, getattr(self, "_feature_names", None), type(self).__name__)
        XT, owner = to_backend_features(X, self._params_backend(), dtype_name(w.dtype), where=where)
        check_feature_count(int(XT.shape[0]), self.n_features_in_, type(self).__name__)
        return XT, owner

    def _logits(self, XT: Array) -> Array:
        # The output layer with an identity activation gives Z[L]: scores for decision_function,
        # and probabilities after the output activation, from one forward pass.
        return network.predict_output(XT, self._params, hidden=self._hidden, output="identity")

    @staticmethod
    def _out(result: Array, owner: str | None) -> Array:
        return to_numpy(result) if owner is None else result

    # ----------------------------------------------------------- fitted attributes
    @property
    def feature_names_in_(self) -> np.ndarray:
        """The fit's column names (object array), when X was a table naming every column.

        Absent otherwise (``hasattr`` is False), as in scikit-learn.
        """
        names = getattr(self, "_feature_names", None)
        if names is None:
            raise AttributeError(
                f"{type(self).__name__} has no feature_names_in_: it was fitted on data "
                "without column names"
            )
        return np.asarray(names, dtype=object)

    @property
    def coefs_(self) -> list[Array]:
        """Weight matrices in scikit-learn's layout: coefs_[i] is (n_in, n_out) for layer i+1."""
        self._check_fitted()
        return [w.T for w, _ in self._params]

    @property
    def intercepts_(self) -> list[Array]:
        """Bias vectors: intercepts_[i] is (n_out,) for layer i+1."""
        self._check_fitted()
        return [b[:, 0] for _, b in self._params]


class ClassifierPrediction(Prediction):
    """decision_function, predict_proba, predict and score (accuracy) of a classifier."""

    classes_: np.ndarray

    @computing
    def decision_function(self, X: Any) -> Array:
        """Raw scores Z[L]: shape (n_samples,) for two classes, (n_samples, n_classes) else.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in (NumPy for host data).
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        return self._out(z[0, :] if z.shape[0] == 1 else z.T, owner)

    @computing
    def predict_proba(self, X: Any) -> Array:
        """Class probabilities, shape (n_samples, n_classes), rows summing to 1.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in.
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        xp = array_namespace(z)
        if self.classes_.shape[0] == 1:  # the single class of the fit, certainly
            proba = xp.ones_like(z[0, :])[:, None]
        elif z.shape[0] == 1:
            p = sigmoid(z[0, :], xp=xp)
            proba = xp.stack([1 - p, p], axis=1)
        else:
            proba = softmax(z, xp=xp).T
        return self._out(proba, owner)

    @computing
    def predict(self, X: Any) -> Any:
        """Predicted labels, shape (n_samples,).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            Labels from ``classes_``: in X's library when X came as a backend array and the
            labels are numbers, else NumPy.
        """
        XT, owner = self._features(X)
        z = self._logits(XT)
        xp = array_namespace(z)
        index = z[0, :] > 0 if z.shape[0] == 1 else xp.argmax(z, axis=0)
        if self.classes_.shape[0] == 1:
            index = xp.zeros_like(z[0, :])  # a single class is all there is to predict
        labels = self.classes_[to_numpy(index).astype(np.intp)]
        if owner is None or labels.dtype.kind not in "biuf":
            return labels
        return move_like(labels, X, keep_dtype=True)

    @computing
    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Labels, checked as ``fit`` checks them (a single class is allowed).
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the examples in the mean.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            When y is not 1-D, holds NaN, infinity, complex or continuous values, labels
            that are not among ``classes_``, or has another length than X.
        """
        predicted = to_numpy(self.predict(X))
        truth = check_known_labels(y, self.classes_)  # never a silent 0.0 for foreign labels
        check_same_length(int(predicted.shape[0]), truth)
        weights, _ = rescale_sample_weight(check_sample_weight(sample_weight, len(predicted)))
        return float(np.average(predicted == truth, weights=weights))


class RegressorPrediction(Prediction):
    """predict and score (R²) of a regressor."""

    _single_output: bool

    @computing
    def predict(self, X: Any) -> Array:
        """Predicted targets: (n_samples,) when fit on 1-D y, else (n_samples, n_outputs).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        array
            In the library X came in.
        """
        XT, owner = self._features(X)
        out = self._logits(XT)
        return self._out(out[0, :] if self._single_output else out.T, owner)

    @computing
    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """The coefficient of determination R² (averaged uniformly over outputs).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, checked as ``fit`` checks them.
        sample_weight : array_like of shape (n_samples,), optional
            Weights of the examples in every sum of squares.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            When y holds NaN, infinity or complex values, has another length than X, or
            another number of outputs than the model predicts.
        """
        predicted = to_numpy(self.predict(X))
        predicted = predicted.reshape(predicted.shape[0], -1)
        truth = check_regression_targets(y)
        check_same_length(int(predicted.shape[0]), truth)
        if truth.shape[1] != predicted.shape[1]:
            raise ValueError(
                f"y has {truth.shape[1]} output(s) per sample, but this "
                f"{type(self).__name__} predicts {predicted.shape[1]}: expected y of shape "
                f"({predicted.shape[0]}, {predicted.shape[1]})."
            )
        weights = check_sample_weight(sample_weight, int(predicted.shape[0]))
        return _r2_score(truth, predicted, weights)
