"""Model files for the scikit-learn front door: ``save`` / ``nnbackend.load``, no pickle.

A fitted MLP is its constructor arguments, a few fitted scalars and lists (JSON) and its
weights (host arrays, ``coef0``, ``intercept0``... as ``coefs_`` and ``intercepts_``). The
classes go in the JSON as a list, so string labels survive too.

Loading checks every field as ``fit`` would have made it: the arguments with ``fit``'s own
rules (:mod:`nnbackend.sklearn._params`), the arrays as a chain of finite layers, and the
derived fields (``n_layers_``, ``n_outputs_``, ``out_activation_``, ``classes_``) against the
weights and the arguments. The shared checks are the native estimators'
(:mod:`nnbackend.estimators.state_checks`); each raises ``ModelFileError`` naming the field.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnbackend.estimators import state_checks as checks
from nnbackend.sklearn._params import check_param, plain_params

_FITTED = ("n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_", "t_")
_CURVES = ("loss_curve_", "validation_scores_")
_REQUIRED = ("hidden", "n_features_in_", "n_outputs_", "n_layers_", "out_activation_", "n_iter_")
_OPTIONAL = ("t_", "feature_names_in_", *_CURVES)


def _json(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # "inf", "nan": JSON has no such numbers
    return value


def _scores(value: Any, field: str) -> list[float]:
    # validation scores: numbers, or "nan" for the score of an epoch that diverged
    if not isinstance(value, list):
        checks.fail(field, f"expected a list of numbers or null, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        if item == "nan":
            out.append(math.nan)
        else:
            out.append(checks.finite_numbers([item], f"{field}[{i}]", 1)[0])
    return out


def _read_params(cls: type, value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value.get("n_iter_no_change") == "inf":
        value = {**value, "n_iter_no_change": math.inf}  # as to_state wrote np.inf
    names = tuple(cls._get_param_names())  # type: ignore[attr-defined]
    return checks.params(value, names, lambda name, v: check_param(cls, name, v))


def _check_outputs(
    params: dict[str, Any], fitted: dict[str, Any], n_outputs: int
) -> np.ndarray | None:
    """``out_activation_`` and ``classes_`` as fit derives them from y and the arguments."""
    out = fitted["out_activation_"]
    if "classes_" not in fitted:  # a regressor
        expected = "exp" if params.get("loss") == "poisson" else "identity"
        if out != expected:
            checks.fail("fitted.out_activation_", f"{out!r}, expected {expected!r} for its loss")
        return None
    classes = checks.labels_from_json(fitted["classes_"], "fitted.classes_")
    k = len(classes)
    if n_outputs == 1:
        ok, what = out == "logistic" and k <= 2, "'logistic' with 1 or 2 classes"
    elif out == "softmax":
        ok, what = k == n_outputs and k > 2, f"{n_outputs} classes (multiclass)"
    else:
        ok = out == "logistic" and classes.tolist() == list(range(n_outputs))
        what = f"'softmax' with {n_outputs} classes, or 'logistic' with classes 0..{n_outputs - 1}"
    if not ok:
        checks.fail(
            "fitted.out_activation_",
            f"{out!r} with {n_outputs} output(s) and classes {classes.tolist()!r:.80}: "
            f"expected {what}",
        )
    return np.asarray(classes.tolist())


class StateMixin:
    """``to_state`` / ``from_state`` / ``save`` for :class:`MLPClassifier` and
    :class:`MLPRegressor`."""

    # whether the file holds classes_ (MLPClassifier sets it)
    _stores_classes = False
    _parameter_constraints: dict[str, list[Any]]
    get_params: Any  # scikit-learn's BaseEstimator

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as JSON fields and named host arrays.

        The arguments are the current ones (``predict`` reads ``activation`` as it is now),
        made plain by ``fit``'s rules: ``np.array([3, 2])`` layer sizes are stored as
        ``[3, 2]``, a Generator or RandomState ``random_state`` as null.

        Returns
        -------
        state : dict
        arrays : dict of str to numpy.ndarray
            ``coef0``, ``intercept0``, ... in scikit-learn's layout.

        Raises
        ------
        ValueError
            Naming the argument that ``fit`` would refuse, or ``hidden_layer_sizes`` set
            since the fit to sizes the weights do not have.
        """
        from nnbackend.backends import to_numpy

        plain = plain_params(self)
        sizes = tuple(int(c.shape[1]) for c in self.coefs_[:-1])  # type: ignore[attr-defined]
        if plain["hidden_layer_sizes"] != sizes:
            raise ValueError(
                f"hidden_layer_sizes={plain['hidden_layer_sizes']!r} is not what the fitted "
                f"weights have ({sizes!r}): set it back, or fit again, before saving"
            )
        params = {k: _json(v) for k, v in plain.items()}
        fitted = {k: _json(getattr(self, k)) for k in _FITTED if hasattr(self, k)}
        fitted["hidden"] = plain["activation"]  # a second record, checked against params
        for k in _CURVES:
            value = getattr(self, k, None)
            fitted[k] = None if value is None else [_json(float(v)) for v in value]
        if hasattr(self, "classes_"):
            fitted["classes_"] = np.asarray(self.classes_).tolist()
        if hasattr(self, "feature_names_in_"):  # fitted on a table: predict checks the columns
            fitted["feature_names_in_"] = [str(n) for n in self.feature_names_in_]
        arrays = {}
        for i, (c, b) in enumerate(zip(self.coefs_, self.intercepts_, strict=True)):  # type: ignore[attr-defined]
            arrays[f"coef{i}"] = to_numpy(c)
            arrays[f"intercept{i}"] = to_numpy(b)
        return {"params": params, "fitted": fitted}, arrays

    @classmethod
    def from_state(cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
        """Rebuild a fitted estimator from :meth:`to_state`'s output, checking it all.

        Raises
        ------
        ModelFileError
            Naming the field that is missing, wrong, or inconsistent with the weights or the
            other fields.
        """
        state = checks.fields(state, "", ("params", "fitted"))
        params = _read_params(cls, state["params"])
        model = cls(**params)
        every = model.get_params()  # the defaults of names the file leaves out included
        classifier = cls._stores_classes
        fitted = checks.fields(
            state["fitted"],
            "fitted",
            (*_REQUIRED, "classes_") if classifier else _REQUIRED,
            _OPTIONAL,
        )
        activations = cls._parameter_constraints["activation"][0].options
        hidden = checks.choice(fitted["hidden"], "fitted.hidden", sorted(activations))
        n_layers = checks.integer(fitted["n_layers_"], "fitted.n_layers_", 2)
        n_features = checks.integer(fitted["n_features_in_"], "fitted.n_features_in_", 1)
        layers = checks.layers(arrays, n_layers - 1, n_features, layout="sklearn")
        used = {f"{kind}{i}" for i in range(n_layers - 1) for kind in ("coef", "intercept")}
        for name in arrays:
            if name not in used:
                checks.fail(f"arrays/{name}.npy", f"unexpected array for {cls.__name__}")
        n_outputs = checks.integer(fitted["n_outputs_"], "fitted.n_outputs_", 1)
        if n_outputs != layers[-1][0].shape[1]:
            checks.fail(
                "fitted.n_outputs_",
                f"{n_outputs}, but the last layer has {layers[-1][0].shape[1]} units",
            )
        checks.architecture(every, hidden, [(c.T, b) for c, b in layers])
        classes = _check_outputs(every, fitted, n_outputs)
        n_iter = checks.integer(fitted["n_iter_"], "fitted.n_iter_", 0)
        values: dict[str, Any] = {
            "coefs_": [c for c, _ in layers],
            "intercepts_": [b for _, b in layers],
            "n_features_in_": n_features,
            "n_outputs_": n_outputs,
            "n_layers_": n_layers,
            "out_activation_": fitted["out_activation_"],
            "n_iter_": n_iter,
        }
        if "t_" in fitted:
            values["t_"] = checks.integer(fitted["t_"], "fitted.t_", 0)
        names = checks.feature_names(fitted.get("feature_names_in_"), n_features)
        if names is not None:  # scikit-learn's attribute: an array of the column names
            values["feature_names_in_"] = np.asarray(names, dtype=object)
        curve = fitted.get("loss_curve_")
        if curve is not None:
            # L-BFGS counts its own iterations, which add nothing to a stochastic fit's curve
            least = 0 if every["solver"] == "lbfgs" else n_iter
            values["loss_curve_"] = checks.loss_curve(curve, least)
        else:
            values["loss_curve_"] = None
        scores = fitted.get("validation_scores_")
        values["validation_scores_"] = (
            None if scores is None else _scores(scores, "fitted.validation_scores_")
        )
        for name, value in values.items():
            setattr(model, name, value)
        if classes is not None:
            from sklearn.preprocessing import LabelBinarizer

            model._label_binarizer = LabelBinarizer()
            if model.out_activation_ == "logistic" and n_outputs > 1:
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
