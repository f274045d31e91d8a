"""The rules of a run, each written once: the divergence check, the tolerance stop, early
stopping's best-validation bookkeeping, the run's record (loss curve, progress, callback,
plateaus) and the epoch's cost.

The eager loop (:mod:`nnbackend.training.loop`) and the compiled driver
(:mod:`nnbackend.training.compiled`) both read these; no program keeps a copy. The stall
count follows scikit-learn's ``_update_no_improvement_count`` exactly, so that the course's
estimators and the scikit-learn vocabulary stop at the same iteration as scikit-learn.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nnbackend._arrays import total_sum
from nnbackend.errors import user_stacklevel

__all__ = [
    "Epochs",
    "History",
    "Lookahead",
    "Order",
    "Stall",
    "epoch_cost",
    "finite_flag",
    "finite_step",
    "on_plateau",
    "stall_message",
    "warn_diverged_keeps_best",
]

Array = Any


# ----------------------------------------------------------------- divergence
def finite_step(value: float, updated: Sequence[Array], xp: Any) -> bool:
    """Whether a step is finite: its cost and every updated parameter (host form).

    One reduction checks every parameter: a NaN or inf anywhere makes the sum non-finite.
    Reading it costs one device sync, as reading the cost does. A non-finite sum of finite
    parameters (large ones overflowing float32 together) is no divergence: only then is each
    array checked on its own.

    Parameters
    ----------
    value : float
        The step's cost, read on the host.
    updated : sequence of arrays
        The updated parameters, flat.
    xp : module

    Returns
    -------
    bool
    """
    return math.isfinite(value) and (
        math.isfinite(float(total_sum(list(updated), xp)))
        or all(bool(xp.all(xp.isfinite(a))) for a in updated)
    )


def finite_flag(cost: Array, updated: Sequence[Array], xp: Any) -> Array:
    """:func:`finite_step` as a 0-d boolean array, for traced (compiled) steps.

    ``max`` propagates NaN (the array API says so): one reduction per array, which compilers
    fuse with the update, where ``all(isfinite)`` writes a mask first. A namespace with an
    ``all_finite`` of its own (JAX's on the CPU) gets that instead.
    """
    own = getattr(xp, "all_finite", None)
    if own is not None:
        return own(cost, updated)
    finite = xp.isfinite(cost)
    for p in updated:
        finite = finite & xp.isfinite(xp.max(xp.abs(p)))
    return finite


def warn_diverged_keeps_best(iteration: int) -> None:
    """Early stopping's answer to a diverged step: the fit ends with the parameters of the
    best validation score (scikit-learn's behaviour since its issue 29504), and says so.

    Parameters
    ----------
    iteration : int
        The iteration that diverged.
    """
    warnings.warn(
        f"Training diverged at iteration {iteration} (the cost or the parameters became NaN "
        "or infinite); early_stopping keeps the parameters of the best validation score. "
        "Lower learning_rate.",
        RuntimeWarning,
        stacklevel=user_stacklevel(),
    )


# ----------------------------------------------------------------- the epoch's cost
def epoch_cost(costs: Sequence[float], weights: Sequence[float]) -> float:
    """An epoch's cost: its batches' costs averaged with their weights (sizes or weight sums).

    Summed in batch order in float64, the same in every program.
    """
    total = weight_total = 0.0
    for cost, weight in zip(costs, weights, strict=True):
        total += float(cost) * float(weight)
        weight_total += float(weight)
    return total / weight_total


# ----------------------------------------------------------------- the examples' order
class Order:
    """The order of the examples in each mini-batch epoch, as scikit-learn draws it.

    With ``shuffle``, every epoch shuffles the previous epoch's order (scikit-learn's
    ``sample_idx = shuffle(sample_idx, random_state)``: one ``rng.permutation(m)`` per epoch,
    composed), so that one seed gives scikit-learn's batches; without, the examples keep their
    order and nothing is drawn.

    Parameters
    ----------
    m : int
        The number of examples.
    shuffle : bool
    """

    def __init__(self, m: int, shuffle: bool) -> None:
        self.order = np.arange(m)
        self.shuffle = shuffle

    def next(self, rng: np.random.Generator | np.random.RandomState) -> np.ndarray:
        """The next epoch's order (host indices)."""
        if self.shuffle:
            self.order = self.order[rng.permutation(self.order.shape[0])]
        return self.order


class Epochs:
    """What passes from one epoch to the next in a run: the examples' order and the count of
    examples seen (scikit-learn's ``t_``), which the optimizer's schedule reads.

    Parameters
    ----------
    m : int
        The training examples, seen once per epoch.
    shuffle : bool
        See :class:`Order`.
    samples_seen : int, default 0
        The count at the start (a warm start's or ``partial_fit``'s ``t_``).
    """

    def __init__(self, m: int, shuffle: bool = True, samples_seen: int = 0) -> None:
        self.m = m
        self.order = Order(m, shuffle)
        self.seen = int(samples_seen)

    def ended(self, optimizer: Any) -> None:
        """One epoch ended: count its examples and tell the optimizer's schedule."""
        self.seen += self.m
        optimizer.epoch_ends(self.seen)

    def scalars(self, optimizer: Any, n: int, width: int, steps: int) -> np.ndarray:
        """The per-step scalars of the next ``n`` epochs of ``width`` steps, of shape
        ``(n, width, k)``, each epoch with the rate its schedule gives it.

        The optimizer is told of the epochs ahead; :meth:`ended`, called as each epoch is
        booked, sets it to where the run really is again (a schedule's rate depends only on
        the count).
        """
        rows = []
        for e in range(n):
            if e:
                optimizer.epoch_ends(self.seen + e * self.m)
            rows.append(optimizer.step_scalars(width, offset=steps + e * width))
        return np.concatenate(rows).reshape(n, width, -1)


def on_plateau(optimizer: Any, progress: Any, message: str) -> bool:
    """The stall count tripped: True when the optimizer lowered its rate (go on), False to
    stop; a verbose run says which (:meth:`~nnbackend.training.progress.Progress.plateau`)."""
    lowered = bool(optimizer.on_plateau())
    progress.plateau(message, optimizer.learning_rate if lowered else None)
    return lowered


# ----------------------------------------------------------------- stopping
def stall_message(scored: bool, tol: float | None, n_iter_no_change: int) -> str:
    """What a verbose run says when the stall count trips (scikit-learn's words)."""
    what = "Validation score" if scored else "Training loss"
    return (
        f"{what} did not improve more than tol={tol if tol is not None else 0.0:f} for "
        f"{n_iter_no_change} consecutive epochs."
    )


class Stall:
    """The tolerance stop and early stopping's bookkeeping, as scikit-learn counts them.

    Without early stopping (``higher_is_better=False``, on the training cost)::

        if value > best - tol: count += 1 else: count = 0
        if value < best: best = value

    with early stopping (``higher_is_better=True``, on the held-out score)::

        if value < best + tol: count += 1 else: count = 0
        if value > best: best = value   # and the caller keeps these parameters

    The run stops when ``count > n_iter_no_change`` (so with nothing improving it stops after
    ``n_iter_no_change + 2`` iterations). ``tol=None`` never stops but still tracks the best.

    Parameters
    ----------
    tol : float or None
    n_iter_no_change : int
    higher_is_better : bool, default False
    """

    def __init__(
        self, tol: float | None, n_iter_no_change: int, *, higher_is_better: bool = False
    ) -> None:
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.higher = higher_is_better
        self.best = -math.inf if higher_is_better else math.inf
        self.count = 0
        self.improved = False

    def update(self, value: float) -> bool:
        """Book one iteration's value; True when the count has tripped.

        :attr:`improved` tells whether ``value`` is a new best.
        """
        if self.higher:
            if self.tol is not None:
                self.count = self.count + 1 if value < self.best + self.tol else 0
            self.improved = value > self.best
        else:
            if self.tol is not None:
                self.count = self.count + 1 if value > self.best - self.tol else 0
            self.improved = value < self.best
        if self.improved:
            self.best = value
        return self.tol is not None and self.count > self.n_iter_no_change

    def may_trip_within(self, n: int) -> bool:
        """Whether the count can trip in the next ``n`` iterations (it grows by one at most
        per iteration): a device loop that runs them unwatched needs a snapshot to stop
        where it trips only then."""
        return self.tol is not None and self.count + n > self.n_iter_no_change

    def reset(self) -> None:
        """Start counting again (the optimizer lowered its rate on a plateau)."""
        self.count = 0

    def copy(self) -> Stall:
        """An independent copy (host loops look ahead on one)."""
        twin = Stall(self.tol, self.n_iter_no_change, higher_is_better=self.higher)
        twin.best, twin.count, twin.improved = self.best, self.count, self.improved
        return twin


# ----------------------------------------------------------------- the run's record
class History:
    """The record of a run, kept the same way by every program (the eager loop and the
    compiled driver): the loss curve (whose length is ``n_iter_``), progress, the callback,
    the held-out scores, the stall count on the cost or, with early stopping (``scored``), on
    the score, and which iteration's parameters early stopping keeps.

    Parameters
    ----------
    tol : float or None
    n_iter_no_change : int
    progress : Progress
        Its ``update(iteration, cost)``, ``score(value)`` and ``plateau(...)`` are called.
    callback : callable, optional
        ``callback(iteration, cost)`` after every iteration.
    scored : bool, default False
        Early stopping: the stall count reads the held-out score.
    stall : Stall, optional
        The stall count to go on from (a warm start's); a fresh one by default.
    """

    def __init__(
        self,
        tol: float | None,
        n_iter_no_change: int,
        progress: Any,
        callback: Callable[[int, float], None] | None = None,
        scored: bool = False,
        stall: Stall | None = None,
    ) -> None:
        self.tol = tol
        self.progress = progress
        self.callback = callback
        self.scored = scored
        self.loss_curve: list[float] = []
        self.scores: list[float] = []
        self.stall = stall or Stall(tol, n_iter_no_change, higher_is_better=scored)
        self.message = stall_message(scored, tol, n_iter_no_change)

    @property
    def last(self) -> float | None:
        """The last iteration's cost (None before the first)."""
        return self.loss_curve[-1] if self.loss_curve else None

    def book(self, iteration: int, cost: float, score: float | None = None) -> bool:
        """Book one finished iteration (its cost, and with early stopping its held-out
        score); True when the stall count trips there."""
        self.loss_curve.append(cost)
        self.progress.update(iteration, cost)
        if self.callback is not None:
            self.callback(iteration, cost)
        if not self.scored:
            return self.stall.update(cost)
        assert score is not None
        self.scores.append(score)
        self.progress.score(score)
        return self.stall.update(score)

    @property
    def new_best(self) -> bool:
        """Whether the iteration just booked has the best held-out score so far: early
        stopping keeps its parameters (the first of equal scores, as scikit-learn does)."""
        return self.scored and self.stall.improved

    def ends_with_best(self, iteration: int, kept: bool) -> bool:
        """A step diverged at ``iteration``: True when early stopping ends the run there with
        the best parameters it kept (``kept``) and says so, False when the run raises."""
        if kept:
            warn_diverged_keeps_best(iteration)
        return kept

    def go_on(self, optimizer: Any) -> bool:
        """The stall count tripped: True when the optimizer lowered its rate (the count
        starts again and the run goes on), False when the run stops."""
        if on_plateau(optimizer, self.progress, self.message):
            self.stall.reset()
            return True
        return False

    def lookahead(self, cost: Callable[[Any, int], float]) -> Lookahead | None:
        """The stall count run ahead of the booking, for a program that decides inside a
        block (None when nothing can trip and nothing is scored).

        Parameters
        ----------
        cost : callable
            ``cost(record, j)``: the cost of the block's ``j``-th iteration from its record.
        """
        if self.tol is None and not self.scored:
            return None
        return Lookahead(self.stall, self.scored, cost)


class Lookahead:
    """:class:`History`'s stall count on a copy, told each iteration of a block as a host
    loop finishes it: where it trips the loop stops, and a new best score's state is kept,
    by the same :class:`Stall` rule that books the block afterwards.

    Parameters
    ----------
    stall : Stall
        Copied: the booking goes on from the original.
    scored : bool
    cost : callable
        ``cost(record, j)`` of the block's ``j``-th iteration.
    """

    def __init__(self, stall: Stall, scored: bool, cost: Callable[[Any, int], float]) -> None:
        self.stall = stall.copy()
        self.scored = scored
        self.cost = cost
        self.count = 0

    @property
    def improved(self) -> bool:
        """Whether the iteration just told has the best held-out score so far."""
        return self.scored and self.stall.improved

    def update(self, record: Any, score: float | None) -> bool:
        """Tell one finished iteration; True when the stall count trips there."""
        self.count += 1
        if self.scored:
            assert score is not None
            return self.stall.update(score)
        return self.stall.update(self.cost(record, self.count - 1))
