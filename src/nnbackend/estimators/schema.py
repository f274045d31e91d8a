"""The model-file schema of the estimators: ``to_state`` / ``from_state`` and pickling.

What a fitted estimator writes to a model file (format version 2, see
:mod:`nnbackend.model_file`) and how a file is checked field by field on the way back. The
estimator classes mix :class:`FileState` in; each kind adds its own fields through
``_extra_to_state`` / ``_extra_from_state``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from nnbackend.backends import asarray, to_numpy
from nnbackend.core.activations import HIDDEN_ACTIVATIONS
from nnbackend.estimators import state_checks as checks
from nnbackend.estimators.hyperparams import check_hyperparameter
from nnbackend.model_file import save_estimator

__all__ = ["ClassifierFileState", "FileState", "RegressorFileState"]


def _json_param(value: Any) -> Any:
    # Constructor arguments as plain JSON: NumPy scalars become Python numbers, tuples lists.
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, tuple | list):
        return [_json_param(v) for v in value]
    return value


def _mlp_values(fitted: Mapping[str, Any], curve: list[float]) -> dict[str, Any]:
    # best_loss_, validation_scores_ and best_validation_score_ from a model file; files
    # written before they existed get what fit would have set without early stopping.
    scores = fitted.get("validation_scores_")
    if scores is None:
        best_loss = fitted.get("best_loss_", min(curve))
        return {
            "best_loss_": None
            if best_loss is None
            else checks.finite_numbers([best_loss], "fitted.best_loss_", 1)[0],
            "validation_scores_": None,
            "best_validation_score_": None,
        }
    length = len(scores) if isinstance(scores, list) else -1
    values = checks.finite_numbers(scores, "fitted.validation_scores_", length)
    best = fitted.get("best_validation_score_")
    return {
        "best_loss_": None,
        "validation_scores_": values,
        "best_validation_score_": None
        if best is None
        else checks.finite_numbers([best], "fitted.best_validation_score_", 1)[0],
    }


class FileState:
    """The fitted state as a model file holds it, and pickling (host copies only)."""

    # Whether the estimator has MLPClassifier/MLPRegressor's early stopping and the fitted
    # attributes that go with it (best_loss_, validation_scores_, best_validation_score_).
    _mlp_like = False
    # provided by the estimator base class
    _param_names: Any
    get_params: Any
    _fit_config: Any
    _check_fitted: Any
    _set_fitted: Any
    _checked_params: Any

    # The fitted state: every attribute fit sets (subclasses add theirs). Saving reads them
    # from this list and loading installs exactly this list.
    _fitted_attributes: tuple[str, ...] = (
        "_params",
        "_hidden",
        "_output",
        "loss_curve_",
        "n_iter_",
        "n_features_in_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
        "_fit_params",  # the constructor arguments of this fit, plain: a model file's params
        "_feature_names",  # the column names of a table X (feature_names_in_), or None
    )
    # What only the scikit-learn-MLP-like estimators have (best_loss_, validation_scores_...).
    _mlp_fitted_attributes: tuple[str, ...] = (
        "best_loss_",
        "validation_scores_",
        "best_validation_score_",
    )
    # The optimizer's state lives in memory only (partial_fit continues it); a loaded model's
    # partial_fit starts a fresh optimizer from the fitted parameters.
    _memory_only_attributes: tuple[str, ...] = ("_optimizer",)

    @classmethod
    def _all_fitted_attributes(cls) -> tuple[str, ...]:
        mlp = cls._mlp_fitted_attributes if cls._mlp_like else ()
        return (*cls._fitted_attributes, *mlp, *cls._memory_only_attributes)

    _outputs: tuple[str, ...] = ()  # the output activations a model file may name
    # The fields of a model file's "fitted" object (subclasses add theirs).
    _state_fields: tuple[str, ...] = (
        "hidden",
        "output",
        "n_features_in_",
        "n_iter_",
        "loss_curve_",
        "n_layers",
    )
    _optional_state_fields: tuple[str, ...] = ("feature_names_in_",)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` atomically (see :func:`nnbackend.save`).

        Parameters
        ----------
        path : path-like
        """
        save_estimator(self, path)

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as plain JSON fields and named host arrays, for a model file.

        Returns
        -------
        state : dict
            ``{"params": constructor arguments, "fitted": fitted values}``, plain JSON. The
            arguments are those of the fit (or partial_fit) that made the weights, made plain
            as fit checked them: ``set_params`` since then changes the estimator in memory,
            not the model. A Generator or RandomState as ``random_state`` is stored as None:
            its state is not part of the model.
        arrays : dict of str to numpy.ndarray
            ``W1``, ``b1``, ``W2``... in course layout, on the host; ``classes`` for labels
            of a NumPy dtype.

        Raises
        ------
        NotFittedError
            When the model is not fitted.
        TypeError
            When the labels are not ints, floats, bools or strings.
        """
        self._check_fitted()
        # getattr: an unpickled model has no optimizer, and one pickled by an older version no
        # record of its fit's arguments
        state = {name: getattr(self, name, None) for name in self._all_fitted_attributes()}
        arrays: dict[str, np.ndarray] = {}
        for layer, (w, b) in enumerate(state["_params"], start=1):
            arrays[f"W{layer}"] = to_numpy(w)
            arrays[f"b{layer}"] = to_numpy(b)
        fitted: dict[str, Any] = {
            "hidden": state["_hidden"],
            "output": state["_output"],
            "n_features_in_": int(state["n_features_in_"]),
            "n_iter_": int(state["n_iter_"]),
            "loss_curve_": [float(c) for c in state["loss_curve_"]],
            "n_layers": len(state["_params"]),
        }
        if self._mlp_like:
            best = state["best_loss_"]
            scores = state["validation_scores_"]
            best_score = state["best_validation_score_"]
            fitted["best_loss_"] = None if best is None else float(best)
            fitted["validation_scores_"] = None if scores is None else [float(v) for v in scores]
            fitted["best_validation_score_"] = None if best_score is None else float(best_score)
        if state["_feature_names"] is not None:
            fitted["feature_names_in_"] = list(state["_feature_names"])
        self._extra_to_state(state, fitted, arrays)
        params = state["_fit_params"] or self._checked_params()
        return {"params": {k: _json_param(v) for k, v in params.items()}, "fitted": fitted}, arrays

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        """Add a subclass's own fitted attributes to the file's fields and arrays."""

    @classmethod
    def from_state(cls, state: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Any:
        """Rebuild a fitted estimator from what :meth:`to_state` returned, checking it all.

        Parameters
        ----------
        state : mapping
            ``{"params": ..., "fitted": ...}`` as read from a model file.
        arrays : mapping of str to numpy.ndarray
            The file's arrays, moved to the active backend once checked.

        Returns
        -------
        estimator
            Fitted.

        Raises
        ------
        ModelFileError
            When anything is missing, of the wrong type or inconsistent: keys, the layer
            shapes (W1 (n1, n_features_in_), b1 (n1, 1), W2 (n2, n1)...), dtypes (float32 or
            float64), finiteness, the classes against the output, the constructor arguments
            as fit checks them and against the weights (``hidden_layer_sizes``,
            ``activation``). The message names the field (the file is named by
            :func:`nnbackend.load`).
        """
        state = checks.fields(state, "", ("params", "fitted"))
        names = cls._param_names()
        model = cls(**checks.params(state["params"], names, check_hyperparameter))
        fit_params = model._checked_params()  # with the defaults of names left out
        fitted = checks.fields(
            state["fitted"],
            "fitted",
            cls._state_fields,
            (*cls._optional_state_fields, *(cls._mlp_fitted_attributes if cls._mlp_like else ())),
        )
        hidden = checks.choice(fitted["hidden"], "fitted.hidden", HIDDEN_ACTIVATIONS)
        output = checks.choice(fitted["output"], "fitted.output", cls._outputs)
        n_layers = checks.integer(fitted["n_layers"], "fitted.n_layers", 1)
        if "hidden_layer_sizes" not in names and n_layers != 1:
            checks.fail("fitted.n_layers", f"{cls.__name__} has 1 layer, got {n_layers}")
        n_features = checks.integer(fitted["n_features_in_"], "fitted.n_features_in_", 1)
        layers = checks.layers(arrays, n_layers, n_features)
        n_iter = checks.integer(fitted["n_iter_"], "fitted.n_iter_", 1)
        values: dict[str, Any] = {
            "_params": layers,
            "_hidden": hidden,
            "_output": output,
            "loss_curve_": checks.loss_curve(fitted["loss_curve_"], n_iter),
            "n_iter_": n_iter,
            "n_features_in_": n_features,
            "n_layers_": n_layers + 1,
            "n_outputs_": int(layers[-1][0].shape[0]),
            "out_activation_": output,
            "_fit_params": fit_params,
            "_feature_names": checks.feature_names(fitted.get("feature_names_in_"), n_features),
        }
        values["_optimizer"] = None
        if cls._mlp_like:
            values.update(_mlp_values(fitted, values["loss_curve_"]))
        used = {f"{kind}{layer}" for layer in range(1, n_layers + 1) for kind in "Wb"}
        used |= cls._extra_from_state(fitted, arrays, values)
        for name in arrays:
            if name not in used:
                checks.fail(f"arrays/{name}.npy", f"unexpected array for {cls.__name__}")
        checks.architecture(fit_params, hidden, layers)
        # Only a model that passed every check reaches the backend (a GPU, say).
        values["_params"] = [(asarray(w), asarray(b)) for w, b in layers]
        model._set_fitted({name: values[name] for name in cls._all_fitted_attributes()})
        return model

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        """Check and add a subclass's own fitted attributes; return the arrays it used."""
        return set()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # The optimizer's state lives in memory only: an unpickled model's partial_fit starts a
        # fresh optimizer from the fitted parameters.
        state.pop("_optimizer", None)
        if "_params" in state:
            # Host copies: a pickle must not hold GPU buffers or library-specific objects.
            state["_params"] = [(to_numpy(w), to_numpy(b)) for w, b in state["_params"]]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if "_params" in state:
            state["_params"] = [(asarray(w), asarray(b)) for w, b in state["_params"]]
        self.__dict__.update(state)


class ClassifierFileState(FileState):
    """A classifier's file adds its classes (an array, or typed JSON values)."""

    classes_: np.ndarray  # fitted state, as in _NetworkEstimator
    _fitted_attributes = (*FileState._fitted_attributes, "classes_")
    _outputs = ("sigmoid", "softmax")
    _optional_state_fields = (*FileState._optional_state_fields, "classes")

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        # Labels of a NumPy dtype stay an array of that dtype; object labels become typed
        # JSON values, so 1 stays the int 1 (not the string '1').
        array, values = checks.labels_for_file(state["classes_"])
        if array is not None:
            arrays["classes"] = array
        else:
            fitted["classes"] = values

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        if "classes" in fitted and "classes" in arrays:
            checks.fail("fitted.classes", "the classes are also in arrays/classes.npy")
        if "classes" in fitted:
            classes = checks.labels_from_json(fitted["classes"], "fitted.classes")
        elif "classes" in arrays:
            classes = checks.labels_from_array(arrays["classes"], "arrays/classes.npy")
        else:
            checks.fail("arrays/classes.npy", "missing: a classifier stores its classes")
        k = int(classes.shape[0])
        output, n_out = ("sigmoid", 1) if k <= 2 else ("softmax", k)  # one class: one unit
        if values["_output"] != output:
            checks.fail(
                "fitted.output", f"{values['_output']!r} with {k} classes: expected {output!r}"
            )
        if values["n_outputs_"] != n_out:
            checks.fail(
                f"arrays/W{values['n_layers_'] - 1}.npy",
                f"{values['n_outputs_']} outputs for {k} classes: expected {n_out}",
            )
        values["classes_"] = classes
        return {"classes"} if "classes" in arrays else set()


class RegressorFileState(FileState):
    """A regressor's file adds whether it was fit on 1-D targets."""

    _single_output: bool  # fitted state, as in _NetworkEstimator
    _fitted_attributes = (*FileState._fitted_attributes, "_single_output")
    _outputs = ("identity",)
    _state_fields = (*FileState._state_fields, "single_output")

    def _extra_to_state(
        self, state: dict[str, Any], fitted: dict[str, Any], arrays: dict[str, np.ndarray]
    ) -> None:
        fitted["single_output"] = bool(state["_single_output"])

    @classmethod
    def _extra_from_state(
        cls, fitted: dict[str, Any], arrays: Mapping[str, np.ndarray], values: dict[str, Any]
    ) -> set[str]:
        single = checks.boolean(fitted["single_output"], "fitted.single_output")
        if single and values["n_outputs_"] != 1:
            checks.fail(
                "fitted.single_output",
                f"true (fit on 1-D y), but the model has {values['n_outputs_']} outputs",
            )
        values["_single_output"] = single
        return set()
