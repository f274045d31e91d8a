"""The benchmark's steppers: one training step per call, as the training loops run it.

These exist only to be timed against hand-written steps (the ``nnbackend-<library>`` and
``fit step`` rows); training itself runs whole blocks (:mod:`nnbackend.training`). They use
only the training package's public pieces: the compiled step and its cache key
(:func:`nnbackend.training.steps.step_and_state`), and the full-batch step of the eager
loop (:func:`nnbackend.training.full_batch_step`).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from nnbackend.backends import Layout, array_namespace
from nnbackend.core.spec import NetworkSpec
from nnbackend.training import compiled, full_batch_step, steps
from nnbackend.training.optimizers import Optimizer

__all__ = ["Stepper", "Stepwise", "training_step"]

Array = Any
Params = list[tuple[Array, Array]]


class Stepwise:
    """One step per call with nothing read back, for a compiler without a single-step program
    of its own (PyTorch's lean path): the step as it is (an eager step reads its cost, as the
    eager loop does).

    Parameters
    ----------
    step : callable
        ``step(state, X, Y, scalars) -> (state, cost, finite)``.
    functional : bool
        Whether ``step`` is functional (a non-finite step is then not kept).
    """

    def __init__(self, step: Any, functional: bool) -> None:
        self.step = step
        self.functional = functional

    def prepare(self, state: Any) -> Any:
        """The state the steps may consume, from the caller's."""
        return state

    def advance(self, state: Any, X: Any, Y: Any, scalars: Any) -> Any:
        """One step from ``state``; returns the new state (the old one if not finite)."""
        new, _, finite = self.step(state, X, Y, scalars)
        if self.functional and not bool(finite):
            return state
        return new


class Stepper:
    """One compiled full-batch training step per call, reading nothing back.

    This is the unit the benchmark's nnbackend rows time against a hand-written step on the
    same library (a ``jax.jit`` step, a torch eager step): the library's compiled step —
    cost, gradients, the optimizer's update and the divergence check — dispatched once per
    call, as the training loop runs it.

    Parameters
    ----------
    X, Y : arrays
        Course layout, on a library with a compiler.
    params : list of (W, b)
    optimizer : Optimizer
    spec : NetworkSpec

    Raises
    ------
    ValueError
        When X's library has no compiler (or compiled loops are off), or the optimizer has no
        pure form.
    """

    def __init__(
        self, X: Array, Y: Array, params: Params, optimizer: Optimizer, spec: NetworkSpec
    ) -> None:
        place = compiled.place(X)
        compiler = place.compiler
        if compiler is None or not optimizer.compilable:
            raise ValueError(
                "Stepper needs X on a library whose adapter has a compiler, with compiled loops "
                f"on (NNBACKEND_COMPILED={os.environ.get('NNBACKEND_COMPILED')!r}), and an "
                f"optimizer with a pure form; got {type(X).__name__} and "
                f"{type(optimizer).__name__}"
            )
        self.X, self.Y, self.optimizer = X, Y, optimizer
        self._functional = compiler.functional
        with place.computing():
            xp = compiler.namespace(array_namespace(X, Y), place.device)
            step, state = steps.step_and_state(params, optimizer, spec, xp, self._functional)
            layout_m = int(X.shape[1])
            self._single: Any = compiler.program(
                steps.program_key(X, Y, params, spec, optimizer, place.device),
                lambda: (
                    compiler.single(step, _full_batch(layout_m, optimizer), xp)
                    or Stepwise(step, self._functional)
                ),
            )
            self.state = self._single.prepare(state)
        self._steps = 0
        # Made once and entered again at every step: a step of a small network takes tens of
        # microseconds, and making them (reading the environment, for one) would be a third.
        self._contexts = [
            context
            for context in (place.computing(), compiler.scope(X.dtype))
            if not isinstance(context, contextlib.nullcontext)
        ]
        self._scalars = self._functional and optimizer.n_step_scalars > 0

    def step(self) -> None:
        """Run one step (queued on the device where the library is asynchronous)."""
        if not self._contexts:
            self._advance()
            return
        with contextlib.ExitStack() as stack:
            for context in self._contexts:
                stack.enter_context(context)
            self._advance()

    def _advance(self) -> None:
        scalars = None
        if self._scalars:
            scalars = self.optimizer.step_scalars(1, offset=self._steps)[0]
        self.state = self._single.advance(self.state, self.X, self.Y, scalars)
        self._steps += 1

    @property
    def params(self) -> Params:
        """The current parameters (for a device sync or a look at the result)."""
        return steps.params_of(self.state, self._functional)


def _full_batch(m: int, optimizer: Optimizer) -> Layout:
    return Layout(m, None, 1, optimizer.n_step_scalars)


def training_step(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    *,
    xp: Any = None,
) -> tuple[Params, float]:
    """One iteration exactly as the eager loop runs it on a full batch (the "fit step" row).

    Parameters
    ----------
    X, Y, params, optimizer
        As in :func:`nnbackend.training.train`.
    spec : NetworkSpec
    xp : module, optional
        The namespace of X; resolved when omitted.

    Returns
    -------
    params : list of (W, b)
        New arrays; the ones passed in are not written to.
    cost : float
    """
    return full_batch_step(X, Y, params, optimizer, spec, xp=xp or array_namespace(X, Y))
