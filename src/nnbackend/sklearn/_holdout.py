"""Early stopping's held-out data for the scikit-learn front door: the split and the score.

The split is scikit-learn's (``train_test_split`` with its random state, stratified for one
label per example); the score is computed by the driver's :class:`HeldOut` on the device
where it can be, else on the host with scikit-learn's own metric.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from nnbackend._arrays import take_columns
from nnbackend.core import network
from nnbackend.sklearn import _boundary as bd
from nnbackend.sklearn._solvers import OUTPUT
from nnbackend.training.holdout import HeldOut

__all__ = ["HoldOutMixin"]


class HoldOutMixin:
    """``_split``, ``_held_out`` and ``_score_course`` for the MLP estimators."""

    # provided by the estimator classes
    early_stopping: bool
    validation_fraction: float
    n_outputs_: int
    out_activation_: str
    classes_: np.ndarray
    _random_state: Any
    _label_binarizer: Any
    _score_function: Any
    _is_classifier: Any
    _hidden: Any
    _decode: Any

    def _split(self, X: Any, y: np.ndarray, sw: Any) -> tuple:
        if not self.early_stopping:
            return X, y, sw, None, None, None
        stratify = y if (self._is_classifier() and self.n_outputs_ == 1) else None
        idx = np.arange(y.shape[0])
        train, val = train_test_split(
            idx,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size "
                "of your dataset."
            )

        def take(a, i):
            return take_columns(a, bd.move_like(i, a, keep_dtype=True), bd.array_namespace(a))

        y_val = y[val]
        if self._is_classifier():
            y_val = self._label_binarizer.inverse_transform(y_val)
        sw_train = None if sw is None else sw[train]
        sw_val = None if sw is None else sw[val]
        return take(X, train), y[train], sw_train, take(X, val), y_val, sw_val

    def _held_out(self, X_val: Any, y_val: Any, sw_val: Any) -> Any:
        """Early stopping's score: scored on the device, inside compiled loops, where the
        driver's :class:`HeldOut` computes it (accuracy of one label per example, R² of
        identity outputs); multilabel and Poisson score on the host."""
        if (
            self._is_classifier() and self.n_outputs_ > 1 and self.out_activation_ != "softmax"
        ) or (self.out_activation_ == "exp"):
            return lambda params: self._score_course(X_val, y_val, sw_val, params)
        like = X_val
        if self._is_classifier():
            truth = bd.move_like(
                np.searchsorted(self.classes_, y_val).astype(np.int32), like, keep_dtype=True
            )
            kind = "accuracy"
        else:
            truth = bd.move_like(
                np.asarray(y_val, dtype=np.float64).reshape(len(y_val), -1).T, like
            )
            kind = "r2"
        weights = None if sw_val is None else bd.move_like(np.asarray(sw_val, np.float64), like)
        return HeldOut(X_val, truth, weights, kind=kind, hidden=self._hidden())

    def _score_course(self, Xc: Any, y: Any, sw: Any, params: list) -> float:
        out = bd.host(
            network.predict_output(
                Xc, params, hidden=self._hidden(), output=OUTPUT[self.out_activation_]
            )
        ).T
        if not np.isfinite(out).all():
            return math.nan
        return float(self._score_function(y, self._decode(out), sample_weight=sw))
