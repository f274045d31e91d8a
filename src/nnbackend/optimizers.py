"""Parameter update rules: plain gradient descent (the course's), momentum and Adam.

An optimizer holds its per-parameter state (velocities, moments) as arrays of the parameters'
library and device. Updates happen in place where the arrays are writeable; for immutable
arrays (JAX) and lazy ones (Dask) every rule has a functional path that returns new arrays.
"""

from __future__ import annotations

import math
from typing import Any

from array_api_compat import array_namespace

from nnbackend.network import is_writeable, update

__all__ = ["SOLVERS", "Adam", "GradientDescent", "Momentum", "Optimizer", "make_optimizer"]

Array = Any
Params = list[tuple[Array, Array]]
Grads = list[tuple[Array, Array]]

#: Solver names the estimators accept.
SOLVERS: tuple[str, ...] = ("gd", "momentum", "adam")


class Optimizer:
    """Base class: ``step(params, grads)`` returns the updated parameters.

    Parameters
    ----------
    learning_rate : float
        The step size α.
    """

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = float(learning_rate)

    def step(self, params: Params, grads: Grads) -> Params:  # pragma: no cover - abstract
        """Apply one update and return the parameters."""
        raise NotImplementedError


class GradientDescent(Optimizer):
    """The course's update: θ ← θ - α dθ (see :func:`nnbackend.network.update`)."""

    def step(self, params: Params, grads: Grads) -> Params:
        """Apply one update; the gradients are consumed (scaled in place where possible)."""
        return update(params, grads, self.learning_rate, consume_grads=True)


class Momentum(Optimizer):
    """Gradient descent with momentum: v ← β v + (1 - β) dθ, θ ← θ - α v.

    Parameters
    ----------
    learning_rate : float
    beta : float, default 0.9
    """

    def __init__(self, learning_rate: float, beta: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.beta = float(beta)
        self._velocity: list[Array] | None = None

    def step(self, params: Params, grads: Grads) -> Params:
        """Apply one update and return the parameters."""
        flat_p = [p for pair in params for p in pair]
        flat_g = [g for pair in grads for g in pair]
        xp = array_namespace(flat_p[0])
        if self._velocity is None:
            self._velocity = [xp.zeros_like(p) for p in flat_p]
        beta, lr = self.beta, self.learning_rate
        if is_writeable(flat_p[0]):
            for p, g, v in zip(flat_p, flat_g, self._velocity, strict=True):
                v *= beta
                g *= 1 - beta  # gradients are discarded after the step
                v += g
                p -= lr * v
            return params
        new_v = [beta * v + (1 - beta) * g for v, g in zip(self._velocity, flat_g, strict=True)]
        self._velocity = new_v
        new_p = [p - lr * v for p, v in zip(flat_p, new_v, strict=True)]
        return list(zip(new_p[0::2], new_p[1::2], strict=True))


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction.

    m ← β₁ m + (1 - β₁) dθ, v ← β₂ v + (1 - β₂) dθ², θ ← θ - α m̂ / (√v̂ + ε).

    Parameters
    ----------
    learning_rate : float
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-8
    """

    def __init__(
        self, learning_rate: float, beta1: float = 0.9, beta2: float = 0.999, epsilon: float = 1e-8
    ) -> None:
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self._m: list[Array] | None = None
        self._v: list[Array] | None = None
        self.t = 0

    def step(self, params: Params, grads: Grads) -> Params:
        """Apply one update and return the parameters."""
        flat_p = [p for pair in params for p in pair]
        flat_g = [g for pair in grads for g in pair]
        xp = array_namespace(flat_p[0])
        if self._m is None or self._v is None:
            self._m = [xp.zeros_like(p) for p in flat_p]
            self._v = [xp.zeros_like(p) for p in flat_p]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # Fold both bias corrections into the step size: one scalar instead of two array ops.
        lr_t = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps_t = self.epsilon * math.sqrt(1 - b2**self.t)
        if is_writeable(flat_p[0]):
            for p, g, m, v in zip(flat_p, flat_g, self._m, self._v, strict=True):
                m *= b1
                m += (1 - b1) * g
                v *= b2
                g *= g
                g *= 1 - b2
                v += g
                p -= lr_t * m / (xp.sqrt(v) + eps_t)
            return params
        self._m = [b1 * m + (1 - b1) * g for m, g in zip(self._m, flat_g, strict=True)]
        self._v = [b2 * v + (1 - b2) * g * g for v, g in zip(self._v, flat_g, strict=True)]
        new_p = [
            p - lr_t * m / (xp.sqrt(v) + eps_t)
            for p, m, v in zip(flat_p, self._m, self._v, strict=True)
        ]
        return list(zip(new_p[0::2], new_p[1::2], strict=True))


def make_optimizer(solver: str, learning_rate: float) -> Optimizer:
    """Build the optimizer called ``solver``.

    Parameters
    ----------
    solver : {"gd", "momentum", "adam"}
    learning_rate : float

    Returns
    -------
    Optimizer

    Raises
    ------
    ValueError
        For an unknown solver name.
    """
    if solver == "gd":
        return GradientDescent(learning_rate)
    if solver == "momentum":
        return Momentum(learning_rate)
    if solver == "adam":
        return Adam(learning_rate)
    raise ValueError(f"solver={solver!r} is not valid: expected one of {SOLVERS}")
