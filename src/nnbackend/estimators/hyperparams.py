"""The estimators' constructor arguments: one rule per name, checked as ``fit`` checks them.

Each rule takes what a user passed and returns it as a plain Python value (an int, a float, a
bool, a str, None, or a tuple of ints), or raises ``ValueError`` naming the parameter, the
value and what was expected. So ``hidden_layer_sizes=np.array([3, 2])`` or ``range(3, 5)``
becomes ``(3, 2)`` or ``(3, 4)``, a ``Fraction`` or a NumPy scalar becomes a float, and
``10**400`` as a learning rate is refused by name instead of raising ``OverflowError``.

``fit`` leaves the constructor's attributes as the user passed them (scikit-learn's ``clone``
checks that ``get_params`` returns the very objects given) and keeps the plain values in its
fitted state, which is what a model file records; ``load`` checks a file's values with the
same rules.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import numpy as np

from nnbackend.core.activations import HIDDEN_ACTIVATIONS
from nnbackend.core.initializers import INITS
from nnbackend.training.optimizers import SOLVERS

__all__ = ["MAX_INT", "RULES", "check_hyperparameter", "check_hyperparameters", "show"]

MAX_INT = 2**63 - 1
"""The largest count or size a parameter may hold: int64's, which every library's shapes and
loop counters use."""

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxset = 8


def show(value: Any) -> str:
    """A short repr for messages, safe for any value.

    An int too long to print in full (Python refuses to print one of over 4300 digits) is
    described by its size.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        number = int(value)
        if abs(number) > 10**30:
            digits = int(abs(number).bit_length() * math.log10(2)) + 1
            return f"{'-' if number < 0 else ''}<an int of about {digits} digits>"
    try:
        return _repr.repr(value)
    except (ValueError, TypeError):  # a Fraction of huge ints, a broken __repr__
        return f"<a {type(value).__name__}>"


def _invalid(name: str, value: Any, expected: str) -> NoReturn:
    raise ValueError(f"{name}={show(value)} is not valid: expected {expected}")


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _real(name: str, value: Any, expected: str, ok: Callable[[float], bool]) -> float:
    # numbers.Real takes NumPy's floats and ints and Fractions; a bool is no number here
    if _is_bool(value) or not isinstance(value, numbers.Real):
        _invalid(name, value, expected)
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):  # 10**400, Fraction(10**400, 3)
        _invalid(name, value, f"{expected} (it is too large for a float)")
    if not (math.isfinite(number) and ok(number)):
        _invalid(name, value, expected)
    return number


def _int(name: str, value: Any, minimum: int, expected: str) -> int:
    # numbers.Integral takes NumPy's integers; a bool is an int to Python, never a count here
    if _is_bool(value) or not isinstance(value, numbers.Integral):
        _invalid(name, value, expected)
    number = int(value)
    if number < minimum:
        _invalid(name, value, expected)
    if number > MAX_INT:
        _invalid(name, value, f"{expected} (at most 2**63 - 1)")
    return number


def _choice(choices: tuple[str, ...]) -> Callable[[str, Any], str]:
    def rule(name: str, value: Any) -> str:
        # the type first: ``value in choices`` fails on its own for a dict or an array
        if not isinstance(value, str) or value not in choices:
            _invalid(name, value, f"one of {choices}")
        return str(value)  # np.str_ -> str

    return rule


def _flag(name: str, value: Any) -> bool:
    if not _is_bool(value):
        _invalid(name, value, "True or False")
    return bool(value)


def _hidden_layer_sizes(name: str, value: Any) -> tuple[int, ...]:
    expected = "a tuple of positive ints"
    if isinstance(value, numbers.Integral) and not _is_bool(value):
        value = (value,)
    # a set or a dict has no order, and a string's characters are no sizes
    if isinstance(value, str | bytes | set | frozenset | Mapping):
        _invalid(name, value, expected)
    try:
        sizes = tuple(value)
    except TypeError:
        _invalid(name, value, expected)
    if not all(isinstance(s, numbers.Integral) and not _is_bool(s) and s > 0 for s in sizes):
        _invalid(name, value, expected)
    if any(s > MAX_INT for s in sizes):
        _invalid(name, value, f"{expected} (at most 2**63 - 1)")
    return tuple(int(s) for s in sizes)


def _random_state(name: str, value: Any) -> int | None:
    # A Generator or RandomState seeds the fit; its state is not part of the model, so the
    # plain value is None.
    if value is None or isinstance(value, np.random.Generator | np.random.RandomState):
        return None
    if _is_bool(value) or not isinstance(value, numbers.Integral) or value < 0:
        _invalid(name, value, "None, an int >= 0, or a NumPy Generator/RandomState")
    return int(value)  # NumPy takes seeds of any size


def _dtype(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, np.dtype):
        value = value.name
    if not isinstance(value, str) or value not in ("float32", "float64"):
        _invalid(name, value, "None, 'float32' or 'float64'")
    return str(value)


def _verbose(name: str, value: Any) -> bool | int:
    if _is_bool(value):
        return bool(value)
    return _int(name, value, 0, "True, False or an int >= 0")


RULES: dict[str, Callable[[str, Any], Any]] = {
    "hidden_layer_sizes": _hidden_layer_sizes,
    "activation": _choice(HIDDEN_ACTIVATIONS),
    "init": _choice(tuple(INITS)),
    "solver": _choice(SOLVERS),
    "learning_rate": lambda n, v: _real(n, v, "a finite number > 0", lambda x: x > 0),
    "max_iter": lambda n, v: _int(n, v, 1, "an int >= 1"),
    "batch_size": lambda n, v: None if v is None else _int(n, v, 1, "None or an int >= 1"),
    "tol": lambda n, v: (
        None if v is None else _real(n, v, "None or a finite number >= 0", lambda x: x >= 0)
    ),
    "random_state": _random_state,
    "dtype": _dtype,
    "verbose": _verbose,
    "alpha": lambda n, v: _real(n, v, "a finite number >= 0", lambda x: x >= 0),
    "early_stopping": _flag,
    "validation_fraction": lambda n, v: _real(
        n, v, "a number strictly between 0 and 1", lambda x: 0 < x < 1
    ),
    "n_iter_no_change": lambda n, v: _int(n, v, 1, "an int >= 1"),
    "warm_start": _flag,
}
"""The rule of every constructor argument, by name."""


def check_hyperparameter(name: str, value: Any) -> Any:
    """One constructor argument as a plain value, checked as ``fit`` checks it.

    Parameters
    ----------
    name : str
        A key of :data:`RULES`.
    value : object

    Returns
    -------
    int, float, bool, str, None or tuple of int

    Raises
    ------
    ValueError
        When the value breaks the rule; the message names the parameter and the value.
    """
    return RULES[name](name, value)


def check_hyperparameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """Every constructor argument as a plain value (see :func:`check_hyperparameter`).

    Parameters
    ----------
    params : mapping
        What ``get_params`` returns.

    Returns
    -------
    dict
        The same keys, plain JSON-able values (tuples of layer sizes aside).
    """
    return {name: check_hyperparameter(name, value) for name, value in params.items()}
