"""The drop-in's constructor arguments: one rule per name, for ``fit`` and for model files alike.

A rule is scikit-learn's own constraint for the name (its ``_parameter_constraints``, so the
message is scikit-learn's), then, where the argument means what a native estimator's argument
means, the native rule of :mod:`nnbackend.estimators.hyperparams`: it refuses what the
constraint lets through but the training cannot use (``hidden_layer_sizes=(True,)``,
``dtype="float16"``) and makes the value plain (``np.array([3, 2])`` becomes ``(3, 2)``, a
``Fraction`` a float). ``fit`` checks its arguments with these rules and a model file's
``params`` are read back with the very same ones, so a file holds only what ``fit`` accepts.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils._param_validation import validate_parameter_constraints

from nnbackend.estimators.hyperparams import RULES, show

__all__ = ["check_param", "plain_params"]


def _native(native: str) -> Callable[[str, Any], Any]:
    # the native rule under scikit-learn's name (learning_rate_init is the course's learning_rate)
    return lambda name, value: RULES[native](name, value)


def _batch_size(name: str, value: Any) -> Any:
    return "auto" if isinstance(value, str) else RULES["batch_size"](name, value)


def _n_iter_no_change(name: str, value: Any) -> Any:
    # scikit-learn takes np.inf: never stop on a stall
    real = isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral)
    if real and math.isinf(value):
        return math.inf
    return RULES["n_iter_no_change"](name, value)


def _dtype(name: str, value: Any) -> Any:
    if isinstance(value, type):  # np.float32, as NumPy names a dtype by its scalar type
        with contextlib.suppress(TypeError):  # the native rule names it
            value = np.dtype(value)
    return RULES["dtype"](name, value)


def _plain(name: str, value: Any) -> Any:
    # what scikit-learn's constraint accepted, as a Python value a model file can hold
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:  # Fraction(10**400, 3)
            raise ValueError(
                f"{name}={show(value)} is not valid: expected a number that fits a float"
            ) from None
    return str(value) if isinstance(value, str) else value


_RULES: dict[str, Callable[[str, Any], Any]] = {
    "hidden_layer_sizes": _native("hidden_layer_sizes"),
    "learning_rate_init": _native("learning_rate"),
    "max_iter": _native("max_iter"),
    "tol": _native("tol"),
    "random_state": _native("random_state"),
    "verbose": _native("verbose"),
    "alpha": _native("alpha"),
    "early_stopping": _native("early_stopping"),
    "warm_start": _native("warm_start"),
    "batch_size": _batch_size,
    "n_iter_no_change": _n_iter_no_change,
    "dtype": _dtype,
}


def check_param(cls: Any, name: str, value: Any) -> Any:
    """One constructor argument of ``cls`` as a plain value, checked as ``fit`` checks it.

    Parameters
    ----------
    cls : type
        :class:`~nnbackend.sklearn.MLPClassifier` or :class:`~nnbackend.sklearn.MLPRegressor`.
    name : str
        A constructor argument of ``cls``.
    value : object

    Returns
    -------
    int, float, bool, str, None or tuple of int

    Raises
    ------
    ValueError
        Naming the parameter and the value (scikit-learn's ``InvalidParameterError`` for what
        its constraint refuses).
    """
    key = _key(cls, name, value)
    if key is None:
        return _check(cls, name, value)
    plain = _CHECKED.get(key, _MISSING)
    if plain is _MISSING:
        plain = _check(cls, name, value)
        if len(_CHECKED) >= _CACHE_SIZE:
            _CHECKED.clear()
        _CHECKED[key] = plain
    return plain


# every fit checks all of its two dozen arguments (about 0.2 ms, a few percent of a small
# fit): what was accepted once is remembered, for values that cannot change and whose repr
# tells them apart (1, 1.0 and True are equal; 0.0 and -0.0 too)
_CACHE_SIZE = 4096
_CHECKED: dict[tuple[Any, ...], Any] = {}
_MISSING = object()
_SCALARS = (bool, int, float, str, type(None))


def _key(cls: Any, name: str, value: Any) -> tuple[Any, ...] | None:
    kind = type(value)
    if kind in _SCALARS or (kind is tuple and all(type(v) is int for v in value)):
        return (cls, name, kind, repr(value))
    return None


def _check(cls: Any, name: str, value: Any) -> Any:
    try:
        validate_parameter_constraints(
            {name: cls._parameter_constraints[name]}, {name: value}, caller_name=cls.__name__
        )
    except ValueError:
        raise  # scikit-learn's InvalidParameterError, which names the parameter
    except TypeError:
        # scikit-learn's intervals call np.isnan, which takes no Fraction or Decimal
        raise ValueError(
            f"{name}={show(value)} is not valid: expected a Python or NumPy number, not a "
            f"{type(value).__name__}"
        ) from None
    return _RULES.get(name, _plain)(name, value)


def plain_params(estimator: Any) -> dict[str, Any]:
    """Every constructor argument of ``estimator`` as :func:`check_param` returns it.

    Parameters
    ----------
    estimator : MLPClassifier or MLPRegressor

    Returns
    -------
    dict
        By name; a Generator or RandomState ``random_state`` is None (its state is no part
        of the model).
    """
    cls = type(estimator)
    return {name: check_param(cls, name, v) for name, v in estimator.get_params().items()}
