"""Model files for the scikit-learn front door: ``save`` / ``nnbackend.load``, no pickle.

A fitted MLP is its constructor arguments, a few fitted scalars and lists (JSON) and its
weights (host arrays). The classes go in the JSON as a list, so string labels survive too.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnbackend.errors import ModelFileError

_FITTED = ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_")
_CURVES = ("loss_curve_", "validation_scores_")


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # "inf", "nan": JSON has no such numbers
    return value


def _float(value: Any) -> Any:
    return float(value) if isinstance(value, str) else value


class StateMixin:
    """``to_state`` / ``from_state`` / ``save`` for :class:`MLPClassifier` and
    :class:`MLPRegressor`."""

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as JSON fields and named host arrays.

        Returns
        -------
        state : dict
        arrays : dict of str to numpy.ndarray
            ``coef0``, ``intercept0``, ... in scikit-learn's layout.
        """
        from nnbackend.backends import to_numpy

        params = {k: _json(v) for k, v in self.get_params().items()}  # type: ignore[attr-defined]
        if not (params.get("random_state") is None or isinstance(params["random_state"], int)):
            params["random_state"] = None  # a generator's state is not part of the model
        if params.get("dtype") is not None:
            params["dtype"] = str(np.dtype(params["dtype"]))
        fitted = {k: _json(getattr(self, k)) for k in _FITTED if hasattr(self, k)}
        for k in _CURVES:
            value = getattr(self, k, None)
            fitted[k] = None if value is None else [_json(float(v)) for v in value]
        if hasattr(self, "classes_"):
            fitted["classes_"] = np.asarray(self.classes_).tolist()
        arrays = {}
        for i, (c, b) in enumerate(zip(self.coefs_, self.intercepts_, strict=True)):  # type: ignore[attr-defined]
            arrays[f"coef{i}"] = to_numpy(c)
            arrays[f"intercept{i}"] = to_numpy(b)
        return {"params": params, "fitted": fitted}, arrays

    @classmethod
    def from_state(cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
        """Rebuild a fitted estimator from :meth:`to_state`'s output.

        Raises
        ------
        ModelFileError
            Naming the field that is missing or wrong.
        """
        try:
            params = dict(state["params"])
            fitted = dict(state["fitted"])
        except (KeyError, TypeError) as exc:
            raise ModelFileError("the model file has no params/fitted", field="params") from exc
        if isinstance(params.get("hidden_layer_sizes"), list):
            params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
        try:
            model = cls(**params)
        except TypeError as exc:
            raise ModelFileError(str(exc), field="params") from exc
        n_layers = int(fitted.get("n_layers_", 0))
        try:
            model.coefs_ = [np.asarray(arrays[f"coef{i}"]) for i in range(n_layers - 1)]
            model.intercepts_ = [np.asarray(arrays[f"intercept{i}"]) for i in range(n_layers - 1)]
        except KeyError as exc:
            raise ModelFileError(f"missing array {exc}", field=str(exc)) from exc
        for k in _FITTED:
            if k in fitted:
                setattr(model, k, fitted[k])
        for k in _CURVES:
            value = fitted.get(k)
            setattr(model, k, None if value is None else [_float(v) for v in value])
        if "classes_" in fitted:
            from sklearn.preprocessing import LabelBinarizer

            classes = np.asarray(fitted["classes_"])
            model._label_binarizer = LabelBinarizer()
            if model.out_activation_ == "logistic" and model.n_outputs_ > 1:
                model._label_binarizer.fit(np.eye(len(classes), dtype=int))  # multilabel
            else:
                model._label_binarizer.fit(classes)
            model.classes_ = model._label_binarizer.classes_
        return model

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` (read it back with :func:`nnbackend.load`).

        Parameters
        ----------
        path : str or os.PathLike
        """
        from nnbackend.model_file import save

        save(self, path)
