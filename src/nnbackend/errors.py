"""The exceptions nnbackend raises on purpose.

They live in one small module so that every layer can raise them without importing a layer
above it.
"""

from __future__ import annotations

__all__ = ["BackendError", "TrainingDivergedError"]


class BackendError(ImportError, RuntimeError):
    """The requested array library or device cannot be used.

    It subclasses :class:`ImportError` (the usual cause is a library that is not installed) and
    :class:`RuntimeError` (the other causes: an unknown name, no usable GPU, mixed libraries), so
    either ``except`` clause catches it.
    """


class TrainingDivergedError(FloatingPointError):
    """The cost or a gradient became NaN or infinite during training.

    Parameters
    ----------
    iteration : int
        The iteration (0-based) whose cost was not finite.
    last_finite_cost : float or None
        The last finite cost seen before it, or None when the very first cost was not finite.
    cost : float
        The cost at that iteration (NaN or ±inf, or finite when a gradient overflowed).
    """

    def __init__(self, iteration: int, last_finite_cost: float | None, cost: float) -> None:
        self.iteration = iteration
        self.last_finite_cost = last_finite_cost
        self.cost = cost
        last = "none" if last_finite_cost is None else f"{last_finite_cost:.6g}"
        super().__init__(
            f"training diverged at iteration {iteration}: the cost or a gradient became "
            f"NaN or infinite (cost: {cost}; last finite cost: {last}). The parameters were left at their last finite values. "
            "Try a smaller learning_rate, standardised inputs or another init."
        )
