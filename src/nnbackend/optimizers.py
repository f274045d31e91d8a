"""Parameter update rules: plain gradient descent (the course's), momentum and Adam.

Every rule is split in two: :meth:`Optimizer.direction` turns gradients into the step Δ
(θ ← θ - Δ), and :meth:`Optimizer.apply` subtracts it in place. The training loop takes the
step with :meth:`Optimizer.propose` instead, which builds θ - Δ as new arrays: it checks them
for NaN and infinity and keeps them only when they are finite, so a diverging step never
replaces the last finite parameters.

An optimizer holds its per-parameter state (velocities, moments) as arrays of the parameters'
library and device. Where arrays are writeable the work happens in place, reusing the gradient
buffers; for immutable arrays (JAX) and lazy ones (Dask) there is a functional path that
returns new arrays.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from nnbackend import _numpy_kernels
from nnbackend._arrays import array_namespace
from nnbackend.backend import is_writeable, materialize

__all__ = ["SOLVERS", "Adam", "GradientDescent", "Momentum", "Optimizer", "make_optimizer"]

Array = Any
Params = list[tuple[Array, Array]]
Grads = list[tuple[Array, Array]]

SOLVERS: tuple[str, ...] = ("gd", "momentum", "adam")
"""Solver names the estimators accept."""


def _flat(pairs: list[tuple[Array, Array]]) -> list[Array]:
    return [a for pair in pairs for a in pair]


def _pairs(flat: list[Array]) -> list[tuple[Array, Array]]:
    return list(zip(flat[0::2], flat[1::2], strict=True))


class Optimizer:
    """Base class: ``direction`` computes the step, ``apply`` takes it, ``step`` does both.

    Parameters
    ----------
    learning_rate : float
        The step size α.
    """

    #: The factor this rule would like the gradients computed with (see
    #: :func:`nnbackend.network.backward`'s ``scale``); 1.0 means plain gradients.
    preferred_grad_scale: float = 1.0

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = float(learning_rate)

    def direction(
        self, params: Params, grads: Grads, *, grad_scale: float = 1.0
    ) -> list[Array]:  # pragma: no cover
        """The step Δ for every parameter, flat in (W1, b1, W2, b2, ...) order.

        Parameters
        ----------
        params : list of (W, b)
        grads : list of (dW, db)
            Consumed: the arrays may be overwritten.
        grad_scale : float, default 1.0
            The factor the gradients were computed with.

        Returns
        -------
        list of arrays
            The caller's to overwrite (:meth:`propose` does): never the optimizer's own state.
        """
        raise NotImplementedError

    @staticmethod
    def _unscaled(flat: list[Array], grad_scale: float) -> list[Array]:
        if grad_scale == 1.0:
            return flat
        return [g / grad_scale for g in flat]

    def apply(self, params: Params, deltas: list[Array]) -> Params:
        """θ ← θ - Δ, in place where the parameters are writeable; returns the parameters."""
        flat = _flat(params)
        if is_writeable(flat[0]):
            for p, d in zip(flat, deltas, strict=True):
                p -= d
            return params
        return _pairs([p - d for p, d in zip(flat, deltas, strict=True)])

    def propose(self, params: Params, deltas: list[Array]) -> Params:
        """θ - Δ as new parameters, leaving ``params`` untouched.

        On writeable NumPy steps the difference is written over Δ's own buffers: the same one
        pass as an in-place ``θ -= Δ``, and no allocation. Other libraries get ``θ - Δ`` as
        fresh arrays (the functional path; their allocators cache).

        Parameters
        ----------
        params : list of (W, b)
        deltas : list of arrays
            From :meth:`direction`; consumed (they may be overwritten).

        Returns
        -------
        list of (W, b)
            New arrays; ``params`` keeps its values.
        """
        flat = _flat(params)
        # one check for all: direction makes every Δ the same way, so the first stands for all
        if _numpy_kernels.applies(deltas[0], flat[0]):
            return _pairs(_numpy_kernels.subtract_over(flat, deltas))
        return _pairs([p - d for p, d in zip(flat, deltas, strict=True)])

    def step(self, params: Params, grads: Grads) -> Params:
        """Apply one update and return the parameters."""
        return self.apply(params, self.direction(params, grads))

    def copy(self) -> Optimizer:
        """An independent copy, state included (velocities, moments, step count).

        Training updates the state arrays in place where they are writeable, so a caller that
        must be able to go back to this state (an estimator whose ``partial_fit`` fails) trains
        a copy.

        Returns
        -------
        Optimizer
        """
        twin = copy.copy(self)
        for name, value in vars(self).items():
            if isinstance(value, list):  # the per-parameter state arrays
                setattr(twin, name, [_copy_array(a) for a in value])
        return twin


def _copy_array(x: Array) -> Array:
    return array_namespace(x).asarray(x, copy=True) if is_writeable(x) else x


class GradientDescent(Optimizer):
    """The course's update: θ ← θ - α dθ.

    It asks for gradients already multiplied by α (``preferred_grad_scale``), which backward
    produces for the price of one small multiplication: they are then the steps themselves.
    """

    @property
    def preferred_grad_scale(self) -> float:  # type: ignore[override]
        return self.learning_rate

    def direction(self, params: Params, grads: Grads, *, grad_scale: float = 1.0) -> list[Array]:
        """Δ = α dθ, scaled in place in the gradient buffers where they are writeable."""
        flat = _flat(grads)
        lr = self.learning_rate / grad_scale
        if lr == 1.0:
            return flat
        if is_writeable(flat[0]):
            for g in flat:
                g *= lr
            return flat
        return [lr * g for g in flat]


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

    def direction(self, params: Params, grads: Grads, *, grad_scale: float = 1.0) -> list[Array]:
        """Δ = α v after updating the velocity v."""
        flat_g = self._unscaled(_flat(grads), grad_scale)
        if self._velocity is None:
            xp = array_namespace(flat_g[0])
            self._velocity = [xp.zeros_like(g) for g in flat_g]
        beta, lr = self.beta, self.learning_rate
        if is_writeable(flat_g[0]):
            for g, v in zip(flat_g, self._velocity, strict=True):
                v *= beta
                g *= 1 - beta
                v += g
            return [lr * v for v in self._velocity]
        # Lazy (Dask) state is evaluated now so that its graph does not grow every step.
        self._velocity = materialize(
            [beta * v + (1 - beta) * g for v, g in zip(self._velocity, flat_g, strict=True)]
        )
        return [lr * v for v in self._velocity]


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

    def direction(self, params: Params, grads: Grads, *, grad_scale: float = 1.0) -> list[Array]:
        """Δ = α_t m / (√v + ε_t), with both bias corrections folded into α_t and ε_t."""
        flat_g = self._unscaled(_flat(grads), grad_scale)
        xp = array_namespace(flat_g[0])
        if self._m is None or self._v is None:
            self._m = [xp.zeros_like(g) for g in flat_g]
            self._v = [xp.zeros_like(g) for g in flat_g]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # α m̂/(√v̂ + ε) = α_t m/(√v + ε_t) with α_t = α √(1-β₂ᵗ)/(1-β₁ᵗ), ε_t = ε √(1-β₂ᵗ):
        # two scalars instead of two bias-correction passes over every array.
        lr_t = self.learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        eps_t = self.epsilon * math.sqrt(1 - b2**self.t)
        if is_writeable(flat_g[0]):
            deltas = []
            for g, m, v in zip(flat_g, self._m, self._v, strict=True):
                m *= b1
                m += (1 - b1) * g
                v *= b2
                g *= g
                g *= 1 - b2
                v += g
                deltas.append(lr_t * m / (xp.sqrt(v) + eps_t))
            return deltas
        self._m = materialize([b1 * m + (1 - b1) * g for m, g in zip(self._m, flat_g, strict=True)])
        self._v = materialize(
            [b2 * v + (1 - b2) * g * g for v, g in zip(self._v, flat_g, strict=True)]
        )
        return [lr_t * m / (xp.sqrt(v) + eps_t) for m, v in zip(self._m, self._v, strict=True)]


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
