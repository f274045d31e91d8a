"""Declarative parameter checks and the normalised configuration of a fit.

Every estimator declares ``_parameter_constraints``: one :class:`Rule` per constructor
argument, in the way of scikit-learn's ``_parameter_constraints``. :func:`validate_params`
reads the table and nothing else, so a message always names the parameter, the value and what
was expected (``"alpha=-0.1 is not valid: expected a finite number >= 0"``).

A vocabulary (the course's words here, scikit-learn's in :mod:`nnbackend.sklearn`) maps its
validated constructor arguments into one :class:`FitConfig`; the fitting core reads only that.
A second vocabulary is a parameter table and a mapping, never a second training loop.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend.training.optimizers import Optimizer

__all__ = [
    "FitConfig",
    "Rule",
    "boolean",
    "hidden_sizes",
    "integer",
    "is_int",
    "make_rng",
    "none_or",
    "one_of",
    "real",
    "validate_params",
]


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer count (NumPy's included; never a bool)."""
    # bool is an int to Python, never a count here
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_finite_real(value: Any) -> bool:
    # numbers.Real takes NumPy's floats and ints (np.float32(0.1), np.int64(1)); NumPy's bool
    # is no numbers.Real, Python's is excluded by hand
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True)
class Rule:
    """One constructor argument's constraint.

    Attributes
    ----------
    accepts : callable
        ``accepts(value) -> bool``.
    expected : str
        What a valid value is, in the words of the error message.
    """

    accepts: Callable[[Any], bool]
    expected: str

    def check(self, name: str, value: Any) -> None:
        """Raise ``ValueError`` naming ``name``, ``value`` and :attr:`expected` when refused.

        Parameters
        ----------
        name : str
        value : object
        """
        try:
            ok = bool(self.accepts(value))
        except (TypeError, ValueError):  # an unhashable or array value is simply refused
            ok = False
        if not ok:
            raise ValueError(f"{name}={value!r} is not valid: expected {self.expected}")


def one_of(*choices: str) -> Rule:
    """A string from ``choices``."""
    # the type first: ``value in choices`` fails on its own for a dict (unhashable)
    return Rule(lambda v: isinstance(v, str) and v in choices, f"one of {choices}")


def real(low: float, *, strict: bool = False, high: float | None = None) -> Rule:
    """A finite number >= low (> low when ``strict``; strictly below ``high`` when given)."""
    if high is not None:
        return Rule(
            lambda v: _is_finite_real(v) and low < v < high,
            f"a number strictly between {low:g} and {high:g}",
        )
    if strict:
        return Rule(lambda v: _is_finite_real(v) and v > low, f"a finite number > {low:g}")
    return Rule(lambda v: _is_finite_real(v) and v >= low, f"a finite number >= {low:g}")


def integer(low: int) -> Rule:
    """An int >= low."""
    return Rule(lambda v: is_int(v) and v >= low, f"an int >= {low}")


def boolean() -> Rule:
    """True or False (NumPy's bool too)."""
    return Rule(lambda v: isinstance(v, bool | np.bool_), "True or False")


def none_or(rule: Rule) -> Rule:
    """None, or what ``rule`` accepts."""
    return Rule(lambda v: v is None or rule.accepts(v), f"None or {rule.expected}")


def hidden_sizes() -> Rule:
    """A positive int or a sequence of positive ints."""

    def accepts(value: Any) -> bool:
        sizes = (value,) if is_int(value) else tuple(value)
        return all(is_int(s) and s > 0 for s in sizes)

    return Rule(accepts, "a tuple of positive ints")


def validate_params(estimator: Any, table: Mapping[str, Rule]) -> dict[str, Any]:
    """Check the estimator's constructor arguments against ``table``; return them.

    Parameters
    ----------
    estimator : object
        Read with ``getattr`` for every name of the table.
    table : mapping of str to Rule

    Returns
    -------
    dict
        The checked values, by name.

    Raises
    ------
    ValueError
        For the first value its rule refuses, naming the parameter, the value and what was
        expected.
    """
    values = {}
    for name, rule in table.items():
        value = getattr(estimator, name)
        rule.check(name, value)
        values[name] = value
    return values


def make_rng(random_state: Any) -> np.random.Generator | np.random.RandomState:
    """The random generator a ``random_state`` argument stands for.

    Parameters
    ----------
    random_state : None, int >= 0, numpy Generator or RandomState
        A RandomState is used as is: with init="xavier" or "small" it replays the course's
        legacy ``np.random.seed(n)`` + ``randn`` stream exactly.

    Returns
    -------
    numpy Generator or RandomState
    """
    if isinstance(random_state, np.random.Generator | np.random.RandomState):
        return random_state
    if random_state is None:
        return np.random.default_rng()
    if is_int(random_state) and int(random_state) >= 0:
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state={random_state!r} is not valid: expected None, an int >= 0, or a NumPy "
        "Generator/RandomState"
    )


@dataclass(frozen=True)
class FitConfig:
    """A fit's settings, normalised from one vocabulary's constructor arguments.

    The fitting core (:meth:`nnbackend.estimators.base.NetworkEstimator._fit`) reads only
    this. Every field is plain and already checked.

    Attributes
    ----------
    sizes : tuple of int
        Hidden layer sizes (empty for logistic regression).
    activation : str
        The hidden layers' activation.
    init : str
        The weight initialisation.
    optimizer : callable
        ``optimizer() -> Optimizer``: a fresh optimizer (solver, rate, schedule, momentum...).
    max_iter : int
    batch_size : int or None
    tol : float or None
        None never stops on the tolerance (and never warns).
    n_iter_no_change : int
    alpha : float
        L2 penalty.
    early_stopping : bool
    validation_fraction : float
    warm_start : bool
    dtype : {None, "float32", "float64"}
    verbose : bool
    random_state : object
        As the estimator stores it; :func:`make_rng` reads it at fit time.
    """

    sizes: tuple[int, ...]
    activation: str
    init: str
    optimizer: Callable[[], Optimizer]
    max_iter: int
    batch_size: int | None
    tol: float | None
    n_iter_no_change: int = 10
    alpha: float = 0.0
    early_stopping: bool = False
    validation_fraction: float = 0.1
    warm_start: bool = False
    dtype: str | None = None
    verbose: bool = False
    random_state: Any = None
