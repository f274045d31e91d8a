"""Compiled training: the training loop run by the adapter's compiler, in blocks.

When the library of the data has a compiler (:meth:`nnbackend.backends.Adapter.compiler`),
:func:`nnbackend.training.train` hands the run to :func:`train` here. The step is built from
the one implementation of the math — :func:`nnbackend.core.network.cost_and_gradients` and the
optimizer's update rule — and the compiler runs it many times per dispatch: ``jax.jit`` with a
device loop, a lean PyTorch loop, CUDA graphs. What the caller sees does not change:

* ``loss_curve`` holds every iteration's cost (full batch) or every epoch's mean cost
  (mini-batches, averaged on the host in float64 as the eager loop does), and ``n_iter`` counts
  them;
* the tolerance stop ends training at the same iteration as the eager loop, with the
  parameters of that iteration: a device loop that ran past it within a block is run again
  from a copy of the block's starting state, for exactly the iterations the eager loop ran;
* the progress display and the callback see every iteration, updated once per block;
* a cost or update that is not finite stops the loop at that step, which is not applied, and
  raises :class:`~nnbackend.errors.TrainingDivergedError` with its iteration and, on its
  ``params``, the last finite parameters; the caller's parameters are never written to;
* mini-batches follow the permutations drawn on the host from the same random generator, one
  per epoch, in the same order. A block draws its epochs' permutations up front, so a run
  that stops early may leave the generator further along than the eager loop would.

Compiled programs are cached per architecture, optimizer, shape, dtype and device in the
compiler, so that a second ``fit`` on data of the same shape (cross-validation, a grid search
over other parameters) does not compile again. ``NNBACKEND_COMPILED=0`` turns the compiled
loops off (the eager loop then runs on every library).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from nnbackend import backends
from nnbackend._arrays import array_namespace
from nnbackend.backends import Adapter, Placement, get_backend
from nnbackend.backends.loops import Block, Compiler, Layout, Program
from nnbackend.core.spec import NetworkSpec
from nnbackend.errors import BackendError, TrainingDivergedError
from nnbackend.training.holdout import HeldOut
from nnbackend.training.optimizer_base import Optimizer, _flat, _pairs  # the one flattening
from nnbackend.training.rules import (
    Epochs,
    History,
    Stall,
    epoch_cost,
)
from nnbackend.training.steps import cache_key, eager_step, functional_step

__all__ = [
    "BLOCK",
    "Run",
    "compiler_for",
    "computing",
    "enabled",
    "place",
    "train",
]

Array = Any
Params = list[tuple[Array, Array]]

BLOCK: int = 100
"""Iterations (full batch) per dispatch of a compiled loop."""

# Mini-batch blocks carry one permutation of the m examples per epoch: at most this many
# indices per block (16 MiB of int32), so that large data sets get fewer epochs per block.
_PERMUTATION_ELEMENTS = 1 << 22

_OFF = ("0", "false", "no", "off")


def enabled() -> bool:
    """Whether compiled loops may be used: ``NNBACKEND_COMPILED`` is not 0/false/no/off.

    Returns
    -------
    bool
    """
    return os.environ.get("NNBACKEND_COMPILED", "1").strip().lower() not in _OFF


def _adapter_of(X: Array) -> Adapter | None:
    try:
        active = get_backend().adapter
    except BackendError:  # a bad NNBACKEND only matters where the active backend is needed
        active = None
    return backends.adapter_of(X, prefer=active)


def place(X: Array, adapter: Adapter | None = None) -> Placement:
    """Where training on ``X`` computes: its adapter (found here unless given), device, dtype
    and compiler (None when compiled loops are off).

    Parameters
    ----------
    X : array
    adapter : Adapter, optional
        X's adapter, when the caller has found it already (then the registry is not asked).

    Returns
    -------
    Placement
    """
    return Placement.of(X, adapter or _adapter_of(X), compiled=enabled())


def computing(X: Array) -> contextlib.AbstractContextManager[Any]:
    """The context nnbackend computes on ``X`` in: its adapter's ``computing`` for its dtype.

    (On JAX: 64-bit mode, in this thread, for float64 data; nothing elsewhere.)

    Parameters
    ----------
    X : array

    Returns
    -------
    context manager
    """
    adapter = _adapter_of(X)
    if adapter is None:
        return contextlib.nullcontext()
    return adapter.computing(X.dtype)


def compiler_for(X: Array) -> Compiler | None:
    """The compiler of ``X``'s library, or None (no compiler, or compiled loops turned off).

    Parameters
    ----------
    X : array

    Returns
    -------
    Compiler or None
    """
    if not enabled():
        return None
    adapter = _adapter_of(X)
    return None if adapter is None else adapter.compiler()


# --------------------------------------------------------------------------- bookkeeping
class _History(History):
    """:class:`~nnbackend.training.rules.History` for a run in blocks: a block hands back
    each iteration's record (its cost, or its batches' costs), weighed here into the
    iteration's cost with the batches' weights."""

    def __init__(
        self,
        layout: Layout,
        tol: float | None,
        n_iter_no_change: int,
        progress: Any,
        callback: Callable[[int, float], None] | None,
        host_weights: np.ndarray | None = None,
        scored: bool = False,
        stall: Stall | None = None,
    ) -> None:
        super().__init__(tol, n_iter_no_change, progress, callback, scored, stall)
        self.layout = layout
        self.host_weights = host_weights
        # each iteration's batch weights (sizes, or weight sums), for the block being booked
        self.weights: list[list[float]] = []

    def block_weights(self, perms: np.ndarray | None) -> None:
        """Take the batches' weights of the next block's epochs from their permutations."""
        sizes = self.layout.batch_sizes
        if perms is None or self.host_weights is None:
            self.weights = [[float(size) for size in sizes]] * (1 if perms is None else len(perms))
            return
        self.weights = []
        for perm in perms:
            sums, start = [], 0
            for size in sizes:
                sums.append(float(self.host_weights[perm[start : start + size]].sum()))
                start += size
            self.weights.append(sums)

    def cost(self, record: Any, j: int) -> float:
        """An iteration's cost: its own (full batch), or its batches' weighted mean."""
        if self.layout.batch_size is None:
            return float(record)
        return epoch_cost(record, self.weights[j])

    def record(self, iteration: int, j: int, record: Any, score: float | None) -> bool:
        """Book the block's ``j``-th iteration from its record (:meth:`History.book`)."""
        return self.book(iteration, self.cost(record, j), score)


# --------------------------------------------------------------------------- the run
class Run(NamedTuple):
    """What :func:`train` returns."""

    params: Params
    loss_curve: list[float]
    n_iter: int
    stopped_early: bool
    validation_scores: list[float] | None = None
    best_validation_score: float | None = None


def _layout(m: int, batch_size: int | None, optimizer: Optimizer) -> Layout:
    if batch_size is None or batch_size >= m:
        return Layout(m, None, BLOCK, optimizer.n_step_scalars)
    epochs = max(1, min(BLOCK, _PERMUTATION_ELEMENTS // m))
    return Layout(m, int(batch_size), epochs, optimizer.n_step_scalars)


def train(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    *,
    alpha: float = 0.0,
    max_iter: int,
    batch_size: int | None,
    tol: float | None,
    n_iter_no_change: int,
    rng: np.random.Generator | np.random.RandomState,
    progress: Any,
    callback: Callable[[int, float], None] | None = None,
    compiler: Compiler | None = None,
    sample_weight: Array | None = None,
    host_weights: np.ndarray | None = None,
    holdout: HeldOut | None = None,
    placement: Placement | None = None,
    epochs: Epochs | None = None,
    stall: Stall | None = None,
) -> Run | None:
    """Train with the compiled loop of X's library, or return None when there is none.

    The arguments are :func:`nnbackend.training.train`'s, already checked and prepared there.

    Parameters
    ----------
    X, Y : arrays
        Course layout, on the backend.
    params : list of (W, b)
    optimizer : Optimizer
        None is returned for an optimizer without a pure form (:attr:`Optimizer.compilable`).
    spec : NetworkSpec
        The network's activations.
    alpha : float, default 0.0
        The L2 penalty.
    max_iter, batch_size, tol, n_iter_no_change
        As in :func:`nnbackend.training.train`.
    rng : numpy Generator or RandomState
        Draws the mini-batch permutations.
    progress : object
        Its ``update(iteration, cost)`` is called for every iteration.
    callback : callable, optional
        Called as ``callback(iteration, cost)`` for every iteration, after its block.
    compiler : Compiler, optional
        X's compiler, when the caller has looked it up already (else ``placement``'s).
    sample_weight : array of shape (1, m), optional
        Example weights, on X's library; they travel with the examples as Y's last row, so
        each mini-batch carries its own.
    host_weights : numpy.ndarray of shape (m,), optional
        The same weights on the host (each epoch's cost averages its batches with their
        weight sums). Mini-batches need them all positive (the caller checks).
    holdout : HeldOut, optional
        Early stopping: the held-out score is computed in the loop after every iteration,
        ``tol`` and ``n_iter_no_change`` apply to it, and the parameters of the best score
        are returned. A host loop hands back the best score's state itself (its states are
        new arrays at every step); a device loop's are found by running the best score's
        block again from its snapshot, up to that iteration: one snapshot per block and one
        partial block at the end, where keeping them in the loop would select over every
        parameter at every step.
    placement : Placement, optional
        Where X is, resolved by the caller (:func:`nnbackend.training.train`), which has
        entered its ``computing`` scope; resolved here (and entered) when omitted.
    epochs, stall : optional
        The examples' order and count (:class:`~nnbackend.training.rules.Epochs`); the stall
        count to go on from.

    Returns
    -------
    Run or None

    Raises
    ------
    TrainingDivergedError
        At the first step whose cost or update is not finite.
    """
    scope: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if placement is None:
        placement = place(X)
        scope = placement.computing()
    compiler = compiler or placement.compiler
    if compiler is None or not optimizer.compilable:
        return None
    weighted = sample_weight is not None
    if weighted:
        xp = array_namespace(X, Y)
        Y = xp.concat([Y, xp.astype(sample_weight, Y.dtype)], axis=0)
    functional = compiler.functional  # read once: it may follow an environment variable
    layout = _layout(int(X.shape[1]), batch_size, optimizer)
    with scope:
        opt_state = optimizer.state_arrays(_flat(params))  # made outside the compiler's scope
        try:
            trained, history, stopped = _train_in_scope(
                compiler, functional, X, Y, params, optimizer, spec, alpha, opt_state, layout,
                placement.device, max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
                rng=rng, progress=progress, callback=callback, weighted=weighted,
                host_weights=host_weights, holdout=holdout,
                epochs=epochs or Epochs(int(X.shape[1])), stall=stall,
            )  # fmt: skip
        except TrainingDivergedError as error:
            if error.params is not None:
                error.params = compiler.release(error.params)
            raise
    loss_curve = history.loss_curve
    if holdout is None:
        return Run(compiler.release(trained), loss_curve, len(loss_curve), stopped)
    best = history.stall.best if history.scores else None
    return Run(
        compiler.release(trained), loss_curve, len(loss_curve), stopped, history.scores, best
    )


def _train_in_scope(
    compiler: Compiler,
    functional: bool,
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    alpha: float,
    opt_state: list[Array],
    layout: Layout,
    device: Any,
    *,
    max_iter: int,
    tol: float | None,
    n_iter_no_change: int,
    rng: np.random.Generator | np.random.RandomState,
    progress: Any,
    callback: Callable[[int, float], None] | None,
    weighted: bool = False,
    host_weights: np.ndarray | None = None,
    holdout: HeldOut | None = None,
    epochs: Epochs,
    stall: Stall | None = None,
) -> tuple[Params, _History, bool]:
    # The run itself, in the compiler's scope; returns (params, history, stopped early).
    xp = compiler.namespace(array_namespace(X, Y), device)
    with compiler.scope(X.dtype):
        if functional:
            step = functional_step(spec, optimizer.fresh(), xp, weighted, alpha)
            state: Any = (tuple(_flat(params)), tuple(opt_state))
        else:
            step = eager_step(spec, xp, weighted, alpha)
            state = (params, optimizer)
        score, held, signature = _score(holdout, functional, xp)

        def build() -> Program:
            if score is None:  # a compiler written before scores takes three arguments
                return compiler.loop(step, layout, xp)
            return compiler.loop(step, layout, xp, score)

        program = compiler.program(
            cache_key(X, Y, params, spec, (alpha, weighted, signature), optimizer, layout, device),
            build,
        )
        history = _History(
            layout, tol, n_iter_no_change, progress, callback, host_weights, score is not None,
            stall,
        )  # fmt: skip
        with program.session():
            state, stopped, best = _run(
                program, functional, state, X, Y, optimizer, layout, max_iter, rng, history,
                held, epochs,
            )  # fmt: skip
    if best is not None:
        state = best
    return (_pairs(state[0]) if functional else state[0]), history, stopped


def _score(
    holdout: HeldOut | None, functional: bool, xp: Any
) -> tuple[Callable[[Any, Any], Array] | None, Any, Any]:
    # Early stopping's score of a program's state, its held-out arrays and its cache key.
    if holdout is None:
        return None, None, None
    scorer = holdout.scorer(xp)

    def score(state: Any, held: Any) -> Array:
        return scorer(_pairs(state[0]) if functional else state[0], held)

    return score, holdout.arrays(), holdout.signature()


def _snapshot(program: Program, state: Any, functional: bool) -> Any:
    # A copy of a state that survives a run: an eager step's optimizer updates its own state
    # in place (its parameters are never written to).
    if functional:
        return program.snapshot(state)
    params, optimizer = state
    return params, optimizer.copy()


def _run(
    program: Program,
    functional: bool,
    state: Any,
    X: Array,
    Y: Array,
    optimizer: Optimizer,
    layout: Layout,
    max_iter: int,
    rng: np.random.Generator | np.random.RandomState,
    history: _History,
    held: Any,
    epochs: Epochs,
) -> tuple[Any, bool, Any]:
    # The block loop. Returns the final state, handed back by the program, whether the
    # tolerance stop ended the run, and with early stopping the state of the best score;
    # a functional run gives the optimizer its final state.
    width = len(layout.batch_sizes)
    state = program.prepare(state)
    iteration = steps = 0
    # the best score's block: its snapshot, iterations up to the best, scalars, permutations
    best: tuple[Any, int, Any, Any] | None = None

    def redo(saved: Any, count: int, scalars: Any, perms: Any) -> Any:
        # on a copy: a snapshot may serve the best score's redo as well as the stop's
        return _redo(
            program, _snapshot(program, saved, functional), X, Y, count, scalars, perms, held
        )

    def finish(state: Any, steps: int, stopped: bool) -> tuple[Any, bool, Any]:
        # the final state is copied out of the program's buffers before a redo reuses them
        state = program.finish(state)
        if functional:
            optimizer.load_state(list(state[1]), steps)
        kept = None if best is None else program.finish(redo(*best))
        return state, stopped, kept

    leftover: list[np.ndarray] = []
    while iteration < max_iter:
        # a program that reads the optimizer's rate, not scalars, runs a per-epoch schedule
        # one epoch per block
        per_epoch = optimizer.rate_per_epoch and not functional
        n = 1 if per_epoch else min(layout.block, max_iter - iteration)
        scalars = None
        if functional:  # each epoch's rates, its schedule's (invscaling)
            scalars = epochs.scalars(optimizer, n, width, steps)
        perms = None
        if layout.batch_size is not None:
            # epochs a plateau left undone keep the orders already drawn for them, so that the
            # examples' order stays the eager loop's
            fresh = [epochs.order.next(rng) for _ in range(n - len(leftover))]
            perms = np.stack([*leftover[:n], *fresh])
            leftover = leftover[n:]
        rerun = (history.scored and not program.keeps_best) or (
            program.device_loop and (history.stall.may_trip_within(n) or not program.keeps_finite)
        )
        saved = _snapshot(program, state, functional) if rerun else None
        history.block_weights(perms)
        block = program.run(state, X, Y, n, scalars, perms, history.lookahead(history.cost), held)
        state = block.state
        plateau = None
        for j, record in enumerate(block.records):
            tripped = history.record(
                iteration + j, j, record, block.scores[j] if history.scored else None
            )
            if history.new_best:
                if block.best is not None and block.best[0] == j + 1:
                    best = (block.best[1], 0, None, None)  # the state itself: no redo
                else:
                    best = (saved, j + 1, scalars, perms)
            epochs.ended(optimizer)
            if tripped:
                # the device loop went past the stop, or stopped at a non-finite step that it
                # did not undo: either way its state is not the stop's
                if j + 1 < block.done or (block.diverged and not program.keeps_finite):
                    state = redo(saved, j + 1, scalars, perms)
                if not history.go_on(optimizer):
                    return finish(state, steps + (j + 1) * width, True)
                # the optimizer lowered its rate: go on from this iteration with its new
                # per-step scalars
                plateau = j + 1
                break
        if plateau is not None:
            iteration += plateau
            steps += plateau * width
            if perms is not None:
                leftover = [*perms[plateau:], *leftover]
            continue
        if block.diverged:
            if not program.keeps_finite:
                # again from the block's start, up to the last finite step: the finished
                # iterations, then the diverged epoch's finite batches, which the careful
                # twin of the program stops after
                careful = program.careful()
                count = block.done + (1 if block.bad_batches else 0)
                block.state = _redo(
                    careful, _snapshot(careful, saved, functional), X, Y, count, scalars,
                    perms, held,
                )  # fmt: skip
            done = steps + block.done * width + block.bad_batches
            if history.ends_with_best(iteration + block.done, best is not None):
                return finish(block.state, done, True)
            _diverged(finish(block.state, done, False)[0], block, iteration, history, functional)
        iteration += block.done
        steps += block.done * width
    return finish(state, steps, False)


def _redo(
    program: Program,
    saved: Any,
    X: Array,
    Y: Array,
    count: int,
    scalars: np.ndarray | None,
    perms: np.ndarray | None,
    held: Any = None,
) -> Any:
    # The block again from its saved start, for exactly ``count`` iterations: the same steps
    # on the same state give the same numbers.
    if count == 0:
        return saved
    return program.run(
        saved,
        X,
        Y,
        count,
        None if scalars is None else scalars[:count],
        None if perms is None else perms[:count],
        held=held,
    ).state


def _diverged(
    state: Any, block: Block, iteration: int, history: _History, functional: bool
) -> None:
    raise TrainingDivergedError(
        iteration + block.done,
        history.last,
        math.nan if block.bad_cost is None else block.bad_cost,
        params=_pairs(state[0]) if functional else state[0],
    )
