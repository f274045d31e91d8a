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

Every rule also has a pure form for compiled training loops (:mod:`nnbackend.training.compiled`):
:meth:`Optimizer.functional_direction` maps (state, gradients, per-step scalars) to (steps, new
state) without touching the optimizer object. The eager functional path (JAX, Dask) calls the
same method, so each rule is written once; the in-place path is the same arithmetic on
writeable buffers. The per-step scalars (Adam's bias-corrected rate) are computed on the host
in float64 by :meth:`Optimizer.step_scalars`, exactly as the eager path computes them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace
from nnbackend.backends import is_writeable, materialize
from nnbackend.training.optimizer_base import (
    Optimizer,
    _flat,
    _fused,
    _zeros_like_all,
)

__all__ = [
    "LEARNING_RATE_SCHEDULES",
    "SGD",
    "SOLVERS",
    "Adam",
    "GradientDescent",
    "Momentum",
    "Optimizer",
    "make_optimizer",
]

Array = Any
Params = list[tuple[Array, Array]]
Grads = list[tuple[Array, Array]]

SOLVERS: tuple[str, ...] = ("gd", "momentum", "adam")
"""Solver names the estimators accept."""

LEARNING_RATE_SCHEDULES: tuple[str, ...] = ("constant", "invscaling", "adaptive")
"""scikit-learn's learning-rate schedules, which :class:`SGD` follows."""


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
        if lr != 1.0 and is_writeable(flat[0]):
            for g in flat:
                g *= lr
            return flat
        return self.functional_direction([], flat, (), grad_scale=grad_scale)[0]

    def functional_direction(
        self,
        state: list[Array],
        flat_grads: list[Array],
        scalars: Any,
        *,
        grad_scale: float = 1.0,
        xp: Any = None,
    ) -> tuple[list[Array], list[Array]]:
        """Δ = α dθ (the gradients themselves when they already carry α)."""
        lr = self.learning_rate / grad_scale
        return (flat_grads if lr == 1.0 else [lr * g for g in flat_grads]), []


class _VelocityState(Optimizer):
    """One velocity per parameter, zero at the start: momentum's and SGD's state, written once."""

    _velocity: list[Array] | None
    _state_fields = ("_velocity",)

    def _clear(self) -> None:
        self._velocity = None

    def state_arrays(self, flat_params: list[Array]) -> list[Array]:
        if self._velocity is None:
            self._velocity = _zeros_like_all(flat_params)
        self._velocity = self._placed(self._velocity, flat_params)
        return self._velocity

    def load_state(self, arrays: list[Array], steps: int) -> None:
        self._velocity = list(arrays)


class Momentum(_VelocityState):
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
        velocity = self.state_arrays(flat_g)
        beta, lr = self.beta, self.learning_rate
        fused = _fused(flat_g[0], velocity[0], "momentum_steps")
        steps = None if fused is None else fused(flat_g, velocity, beta, lr)
        if steps is not None:
            return steps
        if is_writeable(flat_g[0]):
            for g, v in zip(flat_g, velocity, strict=True):
                v *= beta
                g *= 1 - beta
                v += g
            return [lr * v for v in velocity]
        # Lazy (Dask) state is evaluated now so that its graph does not grow every step.
        self._velocity = materialize(self._advanced(velocity, flat_g))
        return [lr * v for v in self._velocity]

    def _advanced(self, velocity: list[Array], flat_g: list[Array]) -> list[Array]:
        beta = self.beta
        return [beta * v + (1 - beta) * g for v, g in zip(velocity, flat_g, strict=True)]

    def signature(self) -> tuple[Any, ...]:
        return (*super().signature(), self.beta)

    def functional_direction(
        self,
        state: list[Array],
        flat_grads: list[Array],
        scalars: Any,
        *,
        grad_scale: float = 1.0,
        xp: Any = None,
    ) -> tuple[list[Array], list[Array]]:
        """Δ = α v with v ← β v + (1 - β) dθ, as new arrays."""
        velocity = self._advanced(state, self._unscaled(flat_grads, grad_scale))
        return [self.learning_rate * v for v in velocity], velocity


class Adam(Optimizer):
    """Adam (Kingma & Ba), with bias correction.

    m ← β₁ m + (1 - β₁) dθ, v ← β₂ v + (1 - β₂) dθ², θ ← θ - α m̂ / (√v̂ + ε).

    Parameters
    ----------
    learning_rate : float
    beta1 : float, default 0.9
    beta2 : float, default 0.999
    epsilon : float, default 1e-8
    corrected_epsilon : bool, default True
        True (the textbook form, Kingma & Ba's Algorithm 1): ε is added to √v̂, the
        bias-corrected second moment. False places it as scikit-learn does, added to √v
        before the correction: Δ = α_t m / (√v + ε). The two differ only while ε is not
        negligible beside √v, early in training or for parameters with tiny gradients.
    """

    n_step_scalars = 2
    _state_fields = ("_m", "_v")

    def __init__(
        self,
        learning_rate: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
        *,
        corrected_epsilon: bool = True,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self.corrected_epsilon = bool(corrected_epsilon)
        self._m: list[Array] | None = None
        self._v: list[Array] | None = None
        self.t = 0

    def _corrected(self, t: int) -> tuple[float, float]:
        # α m̂/(√v̂ + ε) = α_t m/(√v + ε_t) with α_t = α √(1-β₂ᵗ)/(1-β₁ᵗ), ε_t = ε √(1-β₂ᵗ):
        # two scalars instead of two bias-correction passes over every array.
        b1, b2 = self.beta1, self.beta2
        lr_t = self.learning_rate * math.sqrt(1 - b2**t) / (1 - b1**t)
        if not self.corrected_epsilon:  # scikit-learn's placement: ε beside √v, uncorrected
            return lr_t, self.epsilon
        return lr_t, self.epsilon * math.sqrt(1 - b2**t)

    def direction(self, params: Params, grads: Grads, *, grad_scale: float = 1.0) -> list[Array]:
        """Δ = α_t m / (√v + ε_t), with both bias corrections folded into α_t and ε_t."""
        flat_g = self._unscaled(_flat(grads), grad_scale)
        state = self.state_arrays(flat_g)
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        lr_t, eps_t = self._corrected(self.t)
        fused = _fused(flat_g[0], state[0], "adam_steps")
        steps = None if fused is None else fused(flat_g, self._m, self._v, b1, b2, lr_t, eps_t)
        if steps is not None:
            return steps
        xp = array_namespace(flat_g[0])
        if is_writeable(flat_g[0]):
            deltas = []
            for g, m, v in zip(flat_g, self._m, self._v, strict=True):  # type: ignore[arg-type]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                g *= g
                g *= 1 - b2
                v += g
                deltas.append(lr_t * m / (xp.sqrt(v) + eps_t))
            return deltas
        # Lazy (Dask) moments are evaluated now so that their graph does not grow every step.
        self.load_state(materialize(self._advanced(state, flat_g)), 0)
        return self._steps(self._m, self._v, lr_t, eps_t, xp)  # type: ignore[arg-type]

    def _advanced(self, state: list[Array], flat_g: list[Array]) -> list[Array]:
        b1, b2 = self.beta1, self.beta2
        n = len(flat_g)
        m = [b1 * m + (1 - b1) * g for m, g in zip(state[:n], flat_g, strict=True)]
        v = [b2 * v + (1 - b2) * g * g for v, g in zip(state[n:], flat_g, strict=True)]
        return m + v

    @staticmethod
    def _steps(m: list[Array], v: list[Array], lr_t: Any, eps_t: Any, xp: Any) -> list[Array]:
        return [lr_t * mi / (xp.sqrt(vi) + eps_t) for mi, vi in zip(m, v, strict=True)]

    def signature(self) -> tuple[Any, ...]:
        return (
            *super().signature(),
            self.beta1,
            self.beta2,
            self.epsilon,
            self.corrected_epsilon,
        )

    def _clear(self) -> None:
        self._m = self._v = None
        self.t = 0

    def state_arrays(self, flat_params: list[Array]) -> list[Array]:
        if self._m is None or self._v is None:
            self._m = _zeros_like_all(flat_params)
            self._v = _zeros_like_all(flat_params)
        self._m = self._placed(self._m, flat_params)
        self._v = self._placed(self._v, flat_params)
        return [*self._m, *self._v]

    def load_state(self, arrays: list[Array], steps: int) -> None:
        n = len(arrays) // 2
        self._m, self._v = list(arrays[:n]), list(arrays[n:])
        self.t += steps

    def step_scalars(self, count: int, offset: int = 0) -> np.ndarray:
        rows = [self._corrected(self.t + offset + i) for i in range(1, count + 1)]
        return np.array(rows, dtype=np.float64).reshape(count, self.n_step_scalars)

    def functional_direction(
        self,
        state: list[Array],
        flat_grads: list[Array],
        scalars: Any,
        *,
        grad_scale: float = 1.0,
        xp: Any = None,
    ) -> tuple[list[Array], list[Array]]:
        """Δ = α_t m / (√v + ε_t) after updating both moments, as new arrays.

        ``scalars`` is (α_t, ε_t), this step's row of ``step_scalars``.
        """
        flat_g = self._unscaled(flat_grads, grad_scale)
        new = self._advanced(state, flat_g)
        n = len(flat_g)
        xp = xp or array_namespace(flat_g[0])
        return self._steps(new[:n], new[n:], scalars[0], scalars[1], xp), new


class SGD(_VelocityState):
    """Stochastic gradient descent as scikit-learn writes it: momentum, Nesterov, schedules.

    With the velocity v (zero at first) and the learning rate η of this epoch::

        v ← μ v - η dθ
        θ ← θ + v                  (classical momentum)
        θ ← θ + μ v - η dθ         (Nesterov's, with the v just updated)

    The state is kept as u = -v so that the step Δ (θ ← θ - Δ) is u itself, or μ u + η dθ:
    the same numbers as scikit-learn's, negated exactly. ``momentum=0`` is plain SGD.

    η follows scikit-learn's schedules: ``constant``; ``invscaling``, η = η₀ / (t + 1)^power_t
    after each epoch with t the examples seen so far (:meth:`epoch_ends`); ``adaptive``, which
    keeps η until the stopping rule fires and then divides it by 5 (:meth:`on_plateau`),
    stopping once η is at most 1e-6.

    η travels to compiled loops as the step's scalar (:meth:`step_scalars`), so a schedule
    never recompiles a loop.

    Parameters
    ----------
    learning_rate : float
        η₀, scikit-learn's ``learning_rate_init``.
    schedule : {"constant", "invscaling", "adaptive"}, default "constant"
    momentum : float, default 0.9
        μ, in [0, 1].
    nesterov : bool, default True
    power_t : float, default 0.5
    """

    n_step_scalars = 1

    def __init__(
        self,
        learning_rate: float,
        schedule: str = "constant",
        momentum: float = 0.9,
        nesterov: bool = True,
        power_t: float = 0.5,
    ) -> None:
        super().__init__(learning_rate)
        if schedule not in LEARNING_RATE_SCHEDULES:
            raise ValueError(
                f"schedule={schedule!r} is not valid: expected one of {LEARNING_RATE_SCHEDULES}"
            )
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"momentum={momentum!r} is not valid: expected a number in [0, 1]")
        self.learning_rate_init = float(learning_rate)
        self.schedule = schedule
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.power_t = float(power_t)
        self._velocity: list[Array] | None = None

    def direction(self, params: Params, grads: Grads, *, grad_scale: float = 1.0) -> list[Array]:
        """Δ after updating the (negated) velocity with this epoch's rate."""
        flat_g = self._unscaled(_flat(grads), grad_scale)
        state = self.state_arrays(flat_g)
        deltas, new = self.functional_direction(state, flat_g, (self.learning_rate,))
        # Lazy (Dask) state is evaluated now so that its graph does not grow every step.
        self._velocity = materialize(new) if not is_writeable(flat_g[0]) else new
        return deltas

    def functional_direction(
        self,
        state: list[Array],
        flat_grads: list[Array],
        scalars: Any,
        *,
        grad_scale: float = 1.0,
        xp: Any = None,
    ) -> tuple[list[Array], list[Array]]:
        """Δ with u ← μ u + η dθ (u = -v), as new arrays; ``scalars`` is (η,)."""
        lr, mu = scalars[0], self.momentum
        flat_g = self._unscaled(flat_grads, grad_scale)
        velocity = [mu * u + lr * g for u, g in zip(state, flat_g, strict=True)]
        if self.nesterov:
            deltas = [mu * u + lr * g for u, g in zip(velocity, flat_g, strict=True)]
        else:
            # the caller may overwrite the steps (propose does): they must not be the state
            deltas = [1.0 * u for u in velocity] if len(velocity) else velocity
        return deltas, velocity

    def step_scalars(self, count: int, offset: int = 0) -> np.ndarray:
        # η changes only between epochs, so every step of a block shares it
        return np.full((count, 1), self.learning_rate, dtype=np.float64)

    @property
    def rate_per_epoch(self) -> bool:  # type: ignore[override]
        return self.schedule == "invscaling"

    def epoch_ends(self, samples_seen: int) -> None:
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (samples_seen + 1) ** self.power_t

    def on_plateau(self) -> bool:
        if self.schedule != "adaptive" or self.learning_rate <= 1e-6:
            return False
        self.learning_rate /= 5.0
        return True

    def signature(self) -> tuple[Any, ...]:
        # η is a step scalar, not baked in: only what the compiled step computes with
        return (type(self), self.momentum, self.nesterov)


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
