"""The training loop: full-batch or mini-batch descent, cost history, progress, early stop.

One loop serves every estimator. It works on data already converted to the backend and laid
out in course notation, and it never validates or converts user input: that happened once at
the boundary (:mod:`nnbackend.models`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnbackend import network
from nnbackend._arrays import array_namespace, total_sum
from nnbackend.backend import materialize_params, move_like
from nnbackend.errors import TrainingDivergedError
from nnbackend.optimizers import Optimizer

__all__ = ["TrainingResult", "train", "training_step"]

Array = Any
Params = list[tuple[Array, Array]]


@dataclass
class TrainingResult:
    """What :func:`train` returns.

    Attributes
    ----------
    params : list of (W, b)
        The trained parameters.
    loss_curve : list of float
        The cost at each iteration (full batch) or the mean cost of each epoch (mini-batches).
    n_iter : int
        Iterations (full batch) or epochs (mini-batches) run.
    stopped_early : bool
        Whether the tolerance stop ended training before ``max_iter``.
    """

    params: Params
    loss_curve: list[float] = field(default_factory=list)
    n_iter: int = 0
    stopped_early: bool = False


class _Progress:
    """A tqdm bar with the cost when tqdm is installed, else a line every tenth of the run."""

    def __init__(self, total: int, enabled: bool, desc: str) -> None:
        self.enabled = enabled
        self.total = total
        self.bar = None
        if not enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.every = max(1, total // 10)
            return
        self.bar = tqdm(total=total, desc=desc, unit="it", leave=True, file=sys.stderr)

    def update(self, iteration: int, cost: float) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.set_postfix(cost=f"{cost:.6f}", refresh=False)
            self.bar.update(1)
        elif iteration % self.every == 0 or iteration == self.total - 1:
            print(f"iteration {iteration}: cost {cost:.6f}", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _all_finite(arrays: list[Array], xp: Any) -> bool:
    return all(bool(xp.all(xp.isfinite(a))) for a in arrays)


def _finite_or_raise(
    cost: Array,
    updated: Params,
    xp: Any,
    iteration: int,
    last: float | None,
    previous: Params,
) -> float:
    # One reduction checks every updated parameter: a NaN or inf anywhere makes the sum
    # non-finite. Reading it costs one device sync, as reading the cost does. A non-finite
    # sum of finite parameters (large ones overflowing float32 together) is no divergence:
    # only then is each array checked on its own.
    value = float(cost)
    flat = [a for pair in updated for a in pair]
    if math.isfinite(value) and (
        math.isfinite(float(total_sum(flat, xp))) or _all_finite(flat, xp)
    ):
        return value
    raise TrainingDivergedError(iteration, last, value, params=previous)


def _batch_step(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    kwargs: dict[str, Any],
    xp: Any,
    iteration: int,
    last: float | None,
) -> tuple[Params, float]:
    scale = optimizer.preferred_grad_scale
    cost, grads = network.cost_and_gradients(X, Y, params, scale=scale, xp=xp, **kwargs)
    deltas = optimizer.direction(params, grads, grad_scale=scale)
    # The update is checked as it lands, on the parameters it produces, and it lands in new
    # arrays that replace ``params`` only once found finite. Updating in place and undoing
    # on failure (θ += Δ) cannot work: where θ - Δ overflowed or Δ was NaN the old value is
    # gone, and elsewhere (θ - Δ) + Δ rounds to a neighbour of θ. Copying θ before each step
    # would cost a pass over every parameter; propose writes θ - Δ over Δ's own buffers
    # instead (NumPy), one pass like θ -= Δ, and ``params`` is never touched. Lazy (Dask)
    # results are evaluated before the check reads them, once per step, so that the task
    # graph does not grow.
    updated = materialize_params(optimizer.propose(params, deltas))
    return updated, _finite_or_raise(cost, updated, xp, iteration, last, params)


def training_step(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    iteration: int = 0,
    last_cost: float | None = None,
    xp: Any = None,
) -> tuple[Params, float]:
    """One iteration exactly as :func:`train` runs it on a full batch.

    Cost and gradients, the optimizer's step, the divergence check and the update: the unit the
    benchmark's "fit step" row times.

    Parameters
    ----------
    X, Y, params, optimizer, hidden, output, slope
        As in :func:`train`.
    iteration : int, default 0
        Reported by :class:`TrainingDivergedError`.
    last_cost : float, optional
        The previous iteration's cost, reported by :class:`TrainingDivergedError`.
    xp : module, optional
        The namespace of X; resolved when omitted.

    Returns
    -------
    params : list of (W, b)
        The updated parameters, as new arrays: the ones passed in are not written to.
    cost : float
        The cost before the update.

    Raises
    ------
    TrainingDivergedError
        When the cost or the updated parameters are NaN or infinite.
    """
    xp = xp or array_namespace(X, Y)
    kwargs = {"hidden": hidden, "output": output, "slope": slope}
    return _batch_step(X, Y, params, optimizer, kwargs, xp, iteration, last_cost)


def train(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    *,
    hidden: str = "relu",
    output: str = "sigmoid",
    slope: float = 0.01,
    max_iter: int = 200,
    batch_size: int | None = None,
    tol: float | None = None,
    n_iter_no_change: int = 10,
    random_state: int | np.random.Generator | np.random.RandomState | None = None,
    verbose: bool = False,
    callback: Callable[[int, float], None] | None = None,
) -> TrainingResult:
    """Train ``params`` on (X, Y) and return them with the cost history.

    Parameters
    ----------
    X : array of shape (n_x, m)
        Inputs, in course layout, on the backend.
    Y : array of shape (n_L, m)
        Targets (one-hot for a softmax output).
    params : list of (W, b)
        Initial parameters. They are never written to: every update makes new arrays, so a
        failed or interrupted run leaves them as they were.
    optimizer : Optimizer
    hidden, output, slope
        As in :func:`nnbackend.network.forward`.
    max_iter : int, default 200
        Iterations (full batch) or epochs (mini-batches).
    batch_size : int, optional
        None trains on the full batch each iteration, as the course does. An int trains on
        mini-batches of that size, reshuffled every epoch with ``random_state``.
    tol : float, optional
        Stop once the cost has failed to improve on its best value by at least ``tol`` for
        ``n_iter_no_change`` consecutive iterations. None never stops early.
    n_iter_no_change : int, default 10
    random_state : int, Generator, RandomState or None
        Seeds the shuffling. It is drawn on the host, so every backend sees the same batches.
    verbose : bool, default False
        Show a tqdm progress bar with the current cost.
    callback : callable, optional
        Called as ``callback(iteration, cost)`` after every iteration.

    Returns
    -------
    TrainingResult

    Raises
    ------
    TrainingDivergedError
        As soon as the cost or the updated parameters become NaN or infinite, with the
        iteration; the offending update is never kept, and the error's ``params`` holds the
        last finite parameters.
    """
    xp = array_namespace(X, Y)
    kwargs = {"hidden": hidden, "output": output, "slope": slope}
    m = int(X.shape[1])
    full_batch = batch_size is None or batch_size >= m
    rng = (
        random_state
        if isinstance(random_state, np.random.Generator | np.random.RandomState)
        else np.random.default_rng(random_state)
    )
    result = TrainingResult(params)
    best = math.inf
    stall = 0
    last: float | None = None
    progress = _Progress(max_iter, verbose, "training")
    # Overflow is detected below and reported as TrainingDivergedError; NumPy's own warnings
    # about it would only be noise before that precise error.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            for iteration in range(max_iter):
                if full_batch:
                    params, cost = _batch_step(X, Y, params, optimizer, kwargs, xp, iteration, last)
                else:
                    assert batch_size is not None
                    order = move_like(rng.permutation(m), X, keep_dtype=True)
                    total = 0.0
                    for start in range(0, m, batch_size):
                        idx = order[start : min(start + batch_size, m)]  # in-range stop: array API
                        xb = xp.take(X, idx, axis=1)
                        yb = xp.take(Y, idx, axis=1)
                        params, batch_cost = _batch_step(
                            xb, yb, params, optimizer, kwargs, xp, iteration, last
                        )
                        total += batch_cost * int(xb.shape[1])
                    cost = total / m
                last = cost
                result.loss_curve.append(cost)
                result.n_iter = iteration + 1
                progress.update(iteration, cost)
                if callback is not None:
                    callback(iteration, cost)
                if tol is not None:
                    if cost < best - tol:
                        stall = 0
                    else:
                        stall += 1
                    best = min(best, cost)
                    if stall >= n_iter_no_change:
                        result.stopped_early = True
                        break
        finally:
            progress.close()
    result.params = params
    return result
