"""Checks of a fitted state read from a model file, and the label encoding it uses.

The estimators' ``from_state`` calls these on a header and arrays that passed the file
format's own checks (:mod:`nnbackend.model_file`). Each raises
:class:`~nnbackend.errors.ModelFileError` naming the field at fault (``fitted.n_layers``,
``arrays/W2.npy``); the model file module then adds the file's name. Nothing here knows an
estimator class.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable, Collection, Mapping
from typing import Any, NoReturn

import numpy as np

from nnbackend.errors import ModelFileError

__all__ = [
    "architecture",
    "boolean",
    "choice",
    "fail",
    "feature_names",
    "fields",
    "finite_numbers",
    "integer",
    "labels_for_file",
    "labels_from_array",
    "labels_from_json",
    "layers",
    "loss_curve",
    "params",
]

_show = reprlib.Repr()
_show.maxstring = 60
_show.maxother = 60
_show.maxlist = 6
_show.maxlevel = 2

# No count or size in a model file exceeds int64's range (JSON's ints have no bound).
_MAX_INT = 2**63 - 1
# The label types a model file stores as typed JSON values.
_LABEL_TYPES: tuple[type, ...] = (bool, int, float, str)


def fail(field: str, problem: str) -> NoReturn:
    """Raise ModelFileError for ``field`` (the file is named by the caller)."""
    raise ModelFileError(f"{field}: {problem}", field=field)


def fields(
    value: Any, field: str, required: Collection[str], optional: Collection[str] = ()
) -> dict[str, Any]:
    """``value`` as a JSON object holding every required key and no unknown one.

    ``field`` is the object's name in messages ("" for the header itself).
    """
    if not isinstance(value, dict):
        fail(field or "header", f"expected an object, got {_show.repr(value)}")
    for key in required:
        if key not in value:
            fail(_member(field, key), "missing")
    for key in value:
        if key not in required and key not in optional:
            fail(_member(field, key), "unexpected field")
    return value


def _member(field: str, key: str) -> str:
    # fitted.hidden; a key that is not a name is quoted: fitted[''], fitted['a b']
    if key.isidentifier():
        return f"{field}.{key}" if field else key
    return f"{field}[{_show.repr(key)}]" if field else f"[{_show.repr(key)}]"


def integer(value: Any, field: str, minimum: int) -> int:
    """An int (not a bool, not a float, not a string) from ``minimum`` to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        fail(field, f"expected an int, got {_show.repr(value)}")
    if value < minimum:
        fail(field, f"expected an int >= {minimum}, got {value}")
    if value > _MAX_INT:
        fail(field, f"expected an int of at most 2**63 - 1, got {_show.repr(value)}")
    return value


def boolean(value: Any, field: str) -> bool:
    """A JSON true or false."""
    if not isinstance(value, bool):
        fail(field, f"expected true or false, got {_show.repr(value)}")
    return value


def choice(value: Any, field: str, choices: Collection[str]) -> str:
    """One of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        fail(field, f"expected one of {tuple(choices)}, got {_show.repr(value)}")
    return value


def feature_names(value: Any, n_features: int) -> tuple[str, ...] | None:
    """A model file's ``fitted.feature_names_in_``: absent (None), or one distinct column
    name (a string) per feature."""
    field = "fitted.feature_names_in_"
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        fail(field, f"expected a list of column names (strings), got {_show.repr(value)}")
    if len(value) != n_features:
        fail(field, f"{len(value)} names for n_features_in_={n_features}: expected one each")
    if len(set(value)) != len(value):
        fail(field, "a column name is repeated: expected distinct names")
    return tuple(value)


def finite_numbers(value: Any, field: str, length: int) -> list[float]:
    """A list of ``length`` finite numbers, as floats."""
    if not isinstance(value, list):
        fail(field, f"expected a list of numbers, got {_show.repr(value)}")
    if len(value) != length:
        fail(field, f"expected {length} values (one per iteration), got {len(value)}")
    out = []
    for i, item in enumerate(value):
        number = _finite(item)
        if number is None:
            fail(f"{field}[{i}]", f"expected a finite number, got {_show.repr(item)}")
        out.append(number)
    return out


def _finite(item: Any) -> float | None:
    # A JSON number as a finite float, else None; an int of 400 digits has no float (and
    # np.isfinite would raise TypeError on it)
    if isinstance(item, bool) or not isinstance(item, int | float):
        return None
    try:
        number = float(item)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def loss_curve(value: Any, n_iter: int) -> list[float]:
    """``fitted.loss_curve_``: finite numbers, at least ``n_iter`` of them.

    ``n_iter_`` counts the last call's iterations (as scikit-learn's does), while warm starts
    and partial_fit append to the curve: the curve is never shorter.
    """
    length = len(value) if isinstance(value, list) else -1
    curve = finite_numbers(value, "fitted.loss_curve_", length)
    if len(curve) < n_iter:
        fail(
            "fitted.n_iter_",
            f"{n_iter} iterations, but fitted.loss_curve_ holds {len(curve)} values (one per "
            "iteration, the last call's among them)",
        )
    return curve


def params(value: Any, names: Collection[str], rule: Callable[[str, Any], Any]) -> dict[str, Any]:
    """Constructor arguments: known names; JSON scalars, or a list of ints (layer sizes).

    Each is checked by ``rule(name, value)``, the rule ``fit`` uses, and returned as the
    plain value it returns; a ``ValueError`` from it names the field. A name missing from the
    file keeps the constructor's default.
    """
    value = fields(value, "params", (), names)
    out: dict[str, Any] = {}
    for key, item in value.items():
        field = f"params.{key}"
        if isinstance(item, list):
            if not all(isinstance(i, int) and not isinstance(i, bool) for i in item):
                fail(
                    field, f"expected a number, a string or a list of ints, got {_show.repr(item)}"
                )
            item = tuple(item)
        elif item is not None and not isinstance(item, bool | int | float | str):
            fail(field, f"expected a number, a string or null, got {_show.repr(item)}")
        out[key] = item
    if isinstance(out.get("random_state"), bool | float | str | tuple):
        fail(
            "params.random_state", f"expected an int or null, got {_show.repr(out['random_state'])}"
        )
    for key, item in out.items():
        try:
            out[key] = rule(key, item)
        except ValueError as exc:
            fail(f"params.{key}", str(exc))
    return out


def architecture(
    params: Mapping[str, Any], hidden: str, layers: list[tuple[np.ndarray, np.ndarray]]
) -> None:
    """The constructor arguments that describe the network agree with its weights.

    ``params`` is checked and plain (as :func:`params` returns it, defaults included):
    ``hidden_layer_sizes`` must be the weights' hidden layer sizes and ``activation`` the
    hidden activation (``fitted.hidden``), as the fit that made them recorded them.
    """
    if "hidden_layer_sizes" in params:
        sizes = tuple(int(w.shape[0]) for w, _ in layers[:-1])
        if tuple(params["hidden_layer_sizes"]) != sizes:
            fail(
                "params.hidden_layer_sizes",
                f"{_show.repr(params['hidden_layer_sizes'])}, but the weights' hidden layers "
                f"have {sizes} units",
            )
    if "activation" in params and params["activation"] != hidden:
        fail(
            "params.activation",
            f"{params['activation']!r}, but the hidden layers use {hidden!r} (fitted.hidden)",
        )


def _array(arrays: Mapping[str, np.ndarray], name: str, why: str) -> np.ndarray:
    if name not in arrays:
        fail(f"arrays/{name}.npy", f"missing ({why})")
    return arrays[name]


def layers(
    arrays: Mapping[str, np.ndarray], n_layers: int, n_features: int, *, layout: str = "course"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The weights and biases, checked as a chain.

    ``layout="course"``: W1 is (n1, n_features), b1 (n1, 1), W2 (n2, n1), ...
    ``layout="sklearn"`` (scikit-learn's ``coefs_`` and ``intercepts_``): coef0 is
    (n_features, n1), intercept0 (n1,), coef1 (n1, n2), ... Either way float32 or float64, one
    dtype for all, every value finite. The pairs come back as the file holds them.
    """
    out = []
    n_in = n_features
    dtype = None
    sklearn = layout == "sklearn"
    for layer in range(1, n_layers + 1):
        why = f"fitted.n_layers{'_' if sklearn else ''} is {n_layers + sklearn}"
        w_name, b_name = (
            (f"coef{layer - 1}", f"intercept{layer - 1}")
            if sklearn
            else (
                f"W{layer}",
                f"b{layer}",
            )
        )
        W = _array(arrays, w_name, why)
        b = _array(arrays, b_name, why)
        for name, a in ((w_name, W), (b_name, b)):
            field = f"arrays/{name}.npy"
            if a.dtype not in (np.float32, np.float64):
                fail(field, f"dtype {a.dtype}: weights and biases are float32 or float64")
            if dtype is None:
                dtype = a.dtype
            elif a.dtype != dtype:
                first = "coef0" if sklearn else "W1"
                fail(field, f"dtype {a.dtype}, but {first} is {dtype}: every layer has one dtype")
        units = W.shape[-1 if sklearn else 0] if W.ndim == 2 else 0
        expected = (n_in, units) if sklearn else (units, n_in)
        if W.ndim != 2 or units < 1 or W.shape != expected:
            source = "fitted.n_features_in_" if layer == 1 else f"the layer before has {n_in} units"
            shown = f"({n_in}, n{layer})" if sklearn else f"(n{layer}, {n_in})"
            fail(
                f"arrays/{w_name}.npy",
                f"shape {W.shape}, expected {shown} with n{layer} >= 1 ({source})",
            )
        b_shape = (units,) if sklearn else (units, 1)
        if b.shape != b_shape:
            fail(f"arrays/{b_name}.npy", f"shape {b.shape}, expected {b_shape} (as {w_name})")
        for name, a in ((w_name, W), (b_name, b)):
            if not np.isfinite(a).all():
                fail(f"arrays/{name}.npy", "holds NaN or infinity")
        out.append((W, b))
        n_in = units
    return out


def labels_for_file(classes: np.ndarray) -> tuple[np.ndarray | None, list[Any] | None]:
    """Classes as a model file stores them: a NumPy array, or typed JSON values.

    Labels of a NumPy dtype (bool, int, float, str, bytes) stay an array of that dtype.
    Object-dtype labels (Python ints, floats, bools or strings, as ``np.unique`` returns them
    for ``dtype=object``) become a JSON list, whose values keep their type.

    Returns
    -------
    array : ndarray or None
    values : list or None
        Exactly one of the two is not None.

    Raises
    ------
    TypeError
        For any other label type (None, Decimal, tuples, dates, complex numbers...).
    """
    classes = np.asarray(classes)
    if classes.dtype.kind in "biufUS":
        return classes, None
    if classes.dtype == object:
        return None, [_label_value(label) for label in classes.tolist()]
    raise TypeError(
        f"classes_ has dtype {classes.dtype}: a model file stores int, float, bool and str "
        "labels only. Encode the labels as one of these before fit."
    )


def _label_value(label: Any) -> bool | int | float | str:
    # bool before int: a bool is an Integral. NumPy scalars count as their Python kind.
    if isinstance(label, bool | np.bool_):
        return bool(label)
    if isinstance(label, numbers.Integral):
        return int(label)
    if isinstance(label, float | np.floating):
        return float(label)
    if isinstance(label, str):
        return str(label)
    raise TypeError(
        f"classes_ holds the label {_show.repr(label)} of type {type(label).__name__}: a "
        "model file stores int, float, bool and str labels only. Encode the labels as one "
        "of these before fit."
    )


def _check_sorted_unique(classes: np.ndarray, field: str) -> None:
    if classes.shape[0] < 1:
        fail(field, "expected at least 1 class, got none")
    if classes.shape != np.unique(classes).shape or not np.array_equal(classes, np.unique(classes)):
        fail(field, "the classes are not sorted and unique, as fit stores them")


def labels_from_array(arr: np.ndarray, field: str) -> np.ndarray:
    """Classes read from an array: 1-D, a label dtype, finite, sorted and unique."""
    if arr.ndim != 1:
        fail(field, f"shape {arr.shape}, expected (n_classes,)")
    if arr.dtype.kind not in "biufUS":
        fail(field, f"dtype {arr.dtype} is not a label dtype")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        fail(field, "holds NaN or infinity")
    _check_sorted_unique(arr, field)
    return arr


def labels_from_json(values: Any, field: str) -> np.ndarray:
    """Classes read from JSON: one type of int, float, bool or str, sorted and unique.

    They come back as an object array of Python values, as ``fit`` saw them.
    """
    if not isinstance(values, list):
        fail(field, f"expected a list of labels, got {_show.repr(values)}")
    kinds = {type(v) for v in values}
    if len(kinds) > 1 or not kinds <= set(_LABEL_TYPES):
        fail(
            field,
            "expected labels of one type among int, float, bool, str, got "
            f"{sorted(k.__name__ for k in kinds)}",
        )
    if float in kinds and not all(np.isfinite(v) for v in values):
        fail(field, "holds NaN or infinity")
    classes = np.empty(len(values), dtype=object)
    classes[:] = values
    _check_sorted_unique(classes, field)
    return classes
