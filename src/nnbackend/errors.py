"""The exceptions nnbackend raises on purpose.

They live in one small module so that every layer can raise them without importing a layer
above it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = [
    "BackendError",
    "ConvergenceWarning",
    "DataConversionWarning",
    "ModelFileError",
    "NotFittedError",
    "PerformanceWarning",
    "TrainingDivergedError",
]


class BackendError(ImportError, RuntimeError):
    """The requested array library or device cannot be used.

    It subclasses :class:`ImportError` (the usual cause is a library that is not installed) and
    :class:`RuntimeError` (the other causes: an unknown name, no usable GPU, mixed libraries), so
    either ``except`` clause catches it.
    """


class TrainingDivergedError(FloatingPointError):
    """The cost or the updated parameters became NaN or infinite during training.

    Parameters
    ----------
    iteration : int
        The iteration (0-based) whose cost or update was not finite.
    last_finite_cost : float or None
        The last finite cost seen before it, or None when the very first cost was not finite.
    cost : float
        The cost at that iteration (NaN or ±inf, or finite when the update overflowed).
    params : list of (W, b), optional
        The last finite parameters: those the failed update started from.

    Attributes
    ----------
    iteration, last_finite_cost, cost, params
        As given.
    """

    def __init__(
        self,
        iteration: int,
        last_finite_cost: float | None,
        cost: float,
        params: list[tuple[Any, Any]] | None = None,
    ) -> None:
        self.iteration = iteration
        self.last_finite_cost = last_finite_cost
        self.cost = cost
        self.params = params
        last = "none" if last_finite_cost is None else f"{last_finite_cost:.6g}"
        super().__init__(
            f"training diverged at iteration {iteration}: the cost or the updated parameters "
            f"became NaN or infinite (cost: {cost}; last finite cost: {last}). The update was "
            "not applied: training stopped at the last finite parameters. Try a smaller "
            "learning_rate, standardised inputs or another init."
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from the constructor's arguments (an exception pickles its args, here the
        # message only); the parameters stay behind, as they may be GPU buffers.
        return (type(self), (self.iteration, self.last_finite_cost, self.cost))


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``.

    It subclasses both :class:`ValueError` and :class:`AttributeError`, as scikit-learn's does,
    so ``hasattr(model, "coefs_")`` is False before fitting.
    """


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, too large, inconsistent, or not an nnbackend model.

    The message names the file and, where one is to blame, the field (``fitted.n_layers``,
    ``arrays/W2.npy``...). Both are also attributes, for programs that handle the error.

    Parameters
    ----------
    message : str
        What is wrong, naming the file and the field.
    path : str, optional
        The model file as the caller named it.
    field : str, optional
        The header field or archive member at fault, when there is one.
    """

    def __init__(self, message: str, *, path: str | None = None, field: str | None = None):
        super().__init__(message)
        self.path = path
        self.field = field


class DataConversionWarning(UserWarning):
    """Input was converted in a way the user may not expect (a column-vector y, say)."""


class ConvergenceWarning(UserWarning):
    """Training used all ``max_iter`` iterations before its stopping criterion (``tol``) was met.

    The fitted model is usable; raise ``max_iter`` (or the learning rate) to let it converge,
    or pass ``tol=None`` to train for exactly ``max_iter`` iterations on purpose.
    """


class PerformanceWarning(UserWarning):
    """An option keeps a fit off its library's compiled loop: the same numbers, more slowly.

    The message names the option. Filter it (``warnings.simplefilter("ignore",
    PerformanceWarning)``) once the choice is deliberate.
    """


_WITH_SKLEARN: dict[type, type] = {}


def _also_sklearn(ours: type, name: str) -> type:
    # nnbackend does not depend on scikit-learn, but code that catches scikit-learn's
    # exception or filters its warning (scikit-learn's own checks among it) should see ours
    # too. The combined class is made only when scikit-learn is already imported.
    sklearn_exceptions = sys.modules.get("sklearn.exceptions")
    if sklearn_exceptions is None:
        return ours
    base = getattr(sklearn_exceptions, name)
    combined = _WITH_SKLEARN.get(base)
    if combined is None:
        combined = type(name, (ours, base), {"__module__": __name__, "__doc__": ours.__doc__})
        _WITH_SKLEARN[base] = combined
    return combined


def not_fitted_error(message: str) -> NotFittedError:
    """A :class:`NotFittedError`, which is also scikit-learn's when scikit-learn is loaded."""
    return _also_sklearn(NotFittedError, "NotFittedError")(message)


def data_conversion_warning() -> type[DataConversionWarning]:
    """:class:`DataConversionWarning`, also scikit-learn's when scikit-learn is loaded."""
    return _also_sklearn(DataConversionWarning, "DataConversionWarning")


def convergence_warning() -> type[ConvergenceWarning]:
    """:class:`ConvergenceWarning`, also scikit-learn's when scikit-learn is loaded."""
    return _also_sklearn(ConvergenceWarning, "ConvergenceWarning")


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning point at the first caller outside nnbackend.

    Call it in the ``warnings.warn(..., stacklevel=user_stacklevel())`` call itself. A fixed
    number is right for one call path only: ``fit`` and ``partial_fit`` reach the same warning
    through wrappers and helpers of different depths, so the frames are counted instead.
    (Python 3.12's ``skip_file_prefixes`` does this, but 3.10 must work too.)

    Returns
    -------
    int
    """
    frame = sys._getframe(1)  # the function that calls warnings.warn: stacklevel 1
    level = 1
    while frame.f_back is not None and _inside(frame):
        frame = frame.f_back
        level += 1
    return level


# scikit-learn's parameter-validation decorator (``_fit_context``) wraps the drop-in's fit:
# its frame sits between two of ours and is skipped with them
_SKLEARN_WRAPPER = os.path.join("sklearn", "base.py")


def _inside(frame: Any) -> bool:
    filename = frame.f_code.co_filename
    if filename.startswith(_PACKAGE_DIR):
        return True
    outer = frame.f_back
    return (
        filename.endswith(_SKLEARN_WRAPPER)
        and outer is not None
        and outer.f_code.co_filename.startswith(_PACKAGE_DIR)
    )
