"""The training loop: full-batch or mini-batch descent, cost history, progress, early stop.

One loop serves every estimator. It works on data already converted to the backend and laid
out in course notation, and it never validates or converts user input: that happened once at
the boundary (:mod:`nnbackend.estimators.models`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, take_columns
from nnbackend.backends import Adapter, Placement, materialize_params
from nnbackend.core import network
from nnbackend.core.spec import NetworkSpec
from nnbackend.errors import PerformanceWarning, TrainingDivergedError, user_stacklevel
from nnbackend.training import compiled
from nnbackend.training.holdout import HeldOut
from nnbackend.training.optimizers import Optimizer
from nnbackend.training.progress import Progress
from nnbackend.training.rules import (
    Epochs,
    History,
    Stall,
    epoch_cost,
    finite_step,
)

__all__ = ["TrainingResult", "full_batch_step", "train"]

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
    validation_scores : list of float or None
        With ``validation_score``: the held-out score after each iteration (epoch); else None.
    best_validation_score : float or None
        The best of ``validation_scores``, whose parameters ``params`` are; else None.
    samples_seen : int
        The examples seen by the end, counted from ``train``'s ``samples_seen`` (``t_``).
    stall : Stall or None
        The stall count at the end, which a continued run may pass on (``stall=``).
    """

    params: Params
    loss_curve: list[float] = field(default_factory=list)
    n_iter: int = 0
    stopped_early: bool = False
    validation_scores: list[float] | None = None
    best_validation_score: float | None = None
    samples_seen: int = 0
    stall: Stall | None = None


def _finite_or_raise(
    cost: Array,
    updated: Params,
    xp: Any,
    iteration: int,
    last: float | None,
    previous: Params,
) -> float:
    value = float(cost)
    if finite_step(value, [a for pair in updated for a in pair], xp):
        return value
    raise TrainingDivergedError(iteration, last, value, params=previous)


def _batch_step(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    xp: Any,
    iteration: int,
    last: float | None,
    gradients: Callable[..., tuple[Array, Params]] | None = None,
    *,
    alpha: float = 0.0,
    sample_weight: Array | None = None,
) -> tuple[Params, float]:
    # the core's cost_and_gradients unless a data-parallel runner maps it over chunks; looked
    # up at call time, so that it stays one function wherever it is replaced
    gradients = gradients or network.cost_and_gradients
    scale = optimizer.preferred_grad_scale
    # the options travel only when set: a plain step is the core's plain call
    options: dict[str, Any] = {}
    if alpha:
        options["alpha"] = alpha
    if sample_weight is not None:
        options["sample_weight"] = sample_weight
    cost, grads = gradients(
        X, Y, params, hidden=spec.hidden, output=spec.output, slope=spec.slope,
        scale=scale, xp=xp, **options,
    )  # fmt: skip
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


# ----------------------------------------------------------------- data-parallel hook
def _data_parallel(
    X: Array,
    Y: Array,
    batch_size: int | None,
    adapter: Adapter | None,
    host_weights: np.ndarray | None = None,
) -> Any:
    """The data-parallel runner of X's adapter for chunked data (Dask), or None.

    Such a runner maps the core's ``cost_and_gradients`` over the data's chunks where they are
    and returns the summed cost and gradients on the host; the loop below stays the same.
    """
    hook = getattr(adapter, "data_parallel", None)
    if hook is None:
        return None
    return hook(
        X, Y, gradients=network.cost_and_gradients, batch_size=batch_size,
        sample_weight=host_weights,
    )  # fmt: skip


def _parallel_gradients(parallel: Any) -> Callable[..., tuple[Array, Params]]:
    # The runner's summed (weighted) mean terms, plus the L2 term of alpha: it depends on the
    # parameters only, so it is added once per step here, not once per chunk. The example
    # weights are the runner's own (they travel with its chunks).
    def gradients(
        batch: Any, targets: Any, params: Params, *, scale: float, alpha: float = 0.0,
        sample_weight: Any = None, **options: Any,
    ) -> tuple[Array, Params]:  # fmt: skip
        cost, grads = parallel.cost_and_gradients(batch, targets, params, scale=scale, **options)
        if alpha:
            cost = cost + network.l2_penalty(params, alpha, batch.total, xp=np)
            grads = network.add_l2_gradients(grads, params, alpha * scale / batch.total)
        return cost, grads

    return gradients


def _parallel_epoch(
    parallel: Any,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    batch_size: int | None,
    rng: Any,
    iteration: int,
    last: float | None,
    alpha: float = 0.0,
    order: Any = None,
) -> tuple[Params, float]:
    # One epoch of whole-chunk steps (one step for the full batch): each is _batch_step with
    # the runner's gradients, so the divergence check and the update are the loop's own.
    # Batches are weighed by their examples, or by their weight sums with sample_weight.
    costs: list[float] = []
    weights: list[float] = []
    gradients = _parallel_gradients(parallel)
    for batch in parallel.batches(batch_size, rng, order):
        try:
            params, cost = _batch_step(
                batch, None, params, optimizer, spec, np, iteration, last, gradients,
                alpha=alpha,
            )  # fmt: skip
        except TrainingDivergedError as exc:
            if exc.params is not None:  # the last finite parameters, in the data's library
                exc.params = parallel.restore(exc.params)
            raise
        costs.append(cost)
        weights.append(batch.total)
    return params, epoch_cost(costs, weights)


def full_batch_step(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    *,
    xp: Any,
    iteration: int = 0,
    last_cost: float | None = None,
) -> tuple[Params, float]:
    """One full-batch iteration exactly as :func:`train`'s eager loop runs it.

    Cost and gradients, the optimizer's step, the divergence check and the update (the unit
    the benchmark's "fit step" row times, :mod:`nnbackend.bench.stepping`).

    Parameters
    ----------
    X, Y, params, optimizer
        As in :func:`train`.
    spec : NetworkSpec
    xp : module
        The namespace of X.
    iteration : int, default 0
        Reported by :class:`TrainingDivergedError`.
    last_cost : float, optional
        The previous iteration's cost, reported by :class:`TrainingDivergedError`.

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
    return _batch_step(X, Y, params, optimizer, spec, xp, iteration, last_cost)


def train(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    *,
    spec: NetworkSpec | None = None,
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
    alpha: float = 0.0,
    sample_weight: Array | None = None,
    validation_score: Callable[[Params], float] | None = None,
    placement: Placement | None = None,
    shuffle: bool = True,
    samples_seen: int = 0,
    stall: Stall | None = None,
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
    spec : NetworkSpec, optional
        The network's activations (and sizes): what the estimators, the course's façade and
        the benchmark pass.
    hidden, output, slope
        As in :func:`nnbackend.core.network.forward`: a shorthand for ``spec`` when it is
        omitted (ignored otherwise).
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
    verbose : bool or "epochs", default False
        True shows the progress on stderr: a live display (a tqdm bar when tqdm is installed)
        and the cost at iteration 0, every tenth of the run and the last iteration, each
        once. ``"epochs"`` prints scikit-learn's lines on stdout instead (``Iteration i, loss
        = c`` every epoch, the validation score, the stall count's decision).
    callback : callable, optional
        Called as ``callback(iteration, cost)`` after every iteration (with a compiled loop,
        for each iteration of a block once the block has run).
    alpha : float, default 0.0
        The L2 penalty of :func:`nnbackend.core.network.cost_and_gradients`, part of the cost.
    sample_weight : array of shape (1, m), optional
        Example weights (see :func:`nnbackend.core.network.cost_and_gradients`). A mini-batch uses
        its own examples' weights; a mini-batch whose weights are all zero is skipped. The
        epoch's cost is the batches' costs averaged with their weight sums.
    validation_score : HeldOut or callable, optional
        Early stopping: ``validation_score(params)`` scores the parameters on held-out data
        after every iteration (epoch), higher being better. A
        :class:`~nnbackend.training.holdout.HeldOut` is also scored inside compiled loops, on
        the device; another callable keeps the eager loop. ``tol`` and ``n_iter_no_change``
        then apply to this score instead of the cost, and the parameters of the best score are
        returned.
    placement : Placement, optional
        Where X is (adapter, device, dtype, compiler), resolved by the caller, which has
        entered its ``computing`` scope (the estimators' boundary). When omitted it is
        resolved here, once, and its scope entered here.
    shuffle : bool, default True
        Mini-batches: each epoch shuffles the previous epoch's order, as scikit-learn does
        (:class:`~nnbackend.training.rules.Order`); False keeps the examples' order.
    samples_seen : int, default 0
        The examples seen before this run (scikit-learn's ``t_``): after each epoch the
        optimizer hears the new count (:meth:`Optimizer.epoch_ends`), which ``invscaling``
        reads.
    stall : Stall, optional
        The stall count to go on from (a warm start or ``partial_fit`` continuing the count
        and best value of the calls before, as scikit-learn's do); a fresh one by default.

    Returns
    -------
    TrainingResult

    Notes
    -----
    Where the data's library has a compiler (JAX, PyTorch, CuPy), the iterations run in
    blocks through :func:`nnbackend.training.compiled.train`, with the same results and behaviour;
    ``NNBACKEND_COMPILED=0`` keeps this eager loop.

    Raises
    ------
    TrainingDivergedError
        As soon as the cost or the updated parameters become NaN or infinite, with the
        iteration; the offending update is never kept, and the error's ``params`` holds the
        last finite parameters.
    """
    xp = array_namespace(X, Y)
    if spec is None:
        spec = NetworkSpec.of(params, hidden=hidden, output=output, slope=slope)
    m = int(X.shape[1])
    full_batch = batch_size is None or batch_size >= m
    rng = (
        random_state
        if isinstance(random_state, np.random.Generator | np.random.RandomState)
        else np.random.default_rng(random_state)
    )
    scope: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if placement is None:  # called directly (the course's façade, tests): resolve once here
        placement = compiled.place(X)
        scope = placement.computing()
    host_weights = None
    if sample_weight is not None:
        host_weights = placement.to_host(sample_weight).reshape(-1)
    if host_weights is not None and not host_weights.sum() > 0:
        raise ValueError(
            "sample_weight sums to zero (or is not finite): at least one example needs a "
            "positive weight."
        )
    scored = validation_score is not None
    stall = stall or Stall(tol, n_iter_no_change, higher_is_better=scored)
    epochs = Epochs(m, shuffle, samples_seen)
    result = TrainingResult(params, stall=stall)
    style = "epochs" if verbose == "epochs" else "course"
    progress = Progress(max_iter, verbose, "training", style)
    # Overflow is detected below and reported as TrainingDivergedError; NumPy's own warnings
    # about it would only be noise before that precise error.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), scope:
        try:
            compiler = placement.compiler if optimizer.compilable else None
            blocked = _not_compiled(validation_score, host_weights, full_batch)
            if compiler is not None and blocked is not None:
                _warn_eager(blocked, compiler.adapter.name)
            if compiler is not None and blocked is None:
                done = compiled.train(
                    X, Y, params, optimizer, spec, alpha=alpha, max_iter=max_iter,
                    batch_size=batch_size,
                    tol=tol, n_iter_no_change=n_iter_no_change, rng=rng, progress=progress,
                    callback=callback, compiler=compiler, sample_weight=sample_weight,
                    host_weights=host_weights, placement=placement,
                    holdout=validation_score if isinstance(validation_score, HeldOut) else None,
                    epochs=epochs, stall=stall,
                )  # fmt: skip
                assert done is not None  # a compiler and a compilable optimizer
                result.params, result.loss_curve, result.n_iter, result.stopped_early = done[:4]
                result.validation_scores = done.validation_scores
                result.best_validation_score = done.best_validation_score
                result.samples_seen = epochs.seen
                return result
            history = History(tol, n_iter_no_change, progress, callback, scored, stall)
            _eager(
                X, Y, params, optimizer, spec, xp, result, alpha=alpha, max_iter=max_iter,
                batch_size=None if full_batch else batch_size, rng=rng,
                sample_weight=sample_weight, host_weights=host_weights, score=validation_score,
                history=history, placement=placement, epochs=epochs,
            )  # fmt: skip
            result.samples_seen = epochs.seen
        finally:
            progress.close()
    return result


def _not_compiled(
    validation_score: Callable[[Params], float] | None,
    host_weights: np.ndarray | None,
    full_batch: bool,
) -> str | None:
    # The option that keeps a fit on the eager loop, or None. Zero weights in mini-batches
    # may leave a batch with nothing to learn from, which the eager loop skips and a
    # compiled block cannot. A compiled loop scores a HeldOut on the device; any other
    # callable is the host's.
    if validation_score is not None and not isinstance(validation_score, HeldOut):
        return "early_stopping with a host score"
    if host_weights is not None and not full_batch and not (host_weights > 0).all():
        return "sample_weight with zero weights and batch_size"
    return None


def _warn_eager(option: str, library: str) -> None:
    warnings.warn(
        f"{option} runs the eager training loop on {library}, not its compiled loop: "
        "the fit gives the same numbers, more slowly.",
        PerformanceWarning,
        stacklevel=user_stacklevel(),
    )


def _eager(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    xp: Any,
    result: TrainingResult,
    *,
    alpha: float,
    max_iter: int,
    batch_size: int | None,
    rng: Any,
    sample_weight: Array | None,
    host_weights: np.ndarray | None,
    score: Callable[[Params], float] | None,
    history: History,
    placement: Placement,
    epochs: Epochs,
) -> None:
    # The eager program: each iteration's step here, its record and the stopping rules in
    # ``history`` (:mod:`nnbackend.training.rules`), as the compiled driver books its blocks.
    # Dask arrays train data-parallel over their chunks.
    full_weights = sample_weight if host_weights is not None and batch_size is None else None
    parallel = _data_parallel(X, Y, batch_size, placement.adapter, host_weights)
    if parallel is not None and score is not None:
        if isinstance(score, HeldOut):  # scored where the held-out examples are
            score = score.on_host(parallel.outputs(score.X, score.predictor()), placement.to_host)
        else:
            _warn_eager("early_stopping with a host score", placement.name)
            parallel = None
    if parallel is not None:
        note = parallel.batch_size_note(batch_size)
        if note is not None:  # an option that cannot be honoured says so, once per fit
            warnings.warn(note, UserWarning, stacklevel=user_stacklevel())
        params = parallel.host_params(params)  # small: updated on the host, sent out each step
    best: Params | None = None  # early stopping's: never written to again (updates are new)
    for iteration in range(max_iter):
        try:
            if parallel is not None:
                params, cost = _parallel_epoch(
                    parallel, params, optimizer, spec, batch_size, rng, iteration, history.last,
                    alpha, epochs.order,
                )  # fmt: skip
            elif batch_size is None:
                params, cost = _batch_step(
                    X, Y, params, optimizer, spec, xp, iteration, history.last, alpha=alpha,
                    sample_weight=full_weights,
                )  # fmt: skip
            else:
                params, cost = _minibatch_epoch(
                    X, Y, params, optimizer, spec, xp, iteration, history.last, batch_size,
                    epochs.order.next(rng), sample_weight, host_weights, alpha, placement,
                )  # fmt: skip
        except TrainingDivergedError as exc:
            if not history.ends_with_best(exc.iteration, best is not None):
                raise
            result.stopped_early = True
            break
        tripped = history.book(iteration, cost, None if score is None else float(score(params)))
        if history.new_best:
            best = params
        epochs.ended(optimizer)
        if tripped and not history.go_on(optimizer):
            result.stopped_early = True
            break
    result.loss_curve = history.loss_curve
    result.n_iter = len(history.loss_curve)
    result.params = params if parallel is None else parallel.restore(params)
    if score is not None:
        result.validation_scores = history.scores
        if best is not None:  # None only when no score was a number
            result.params = best if parallel is None else parallel.restore(best)
            result.best_validation_score = history.stall.best


def _minibatch_epoch(
    X: Array,
    Y: Array,
    params: Params,
    optimizer: Optimizer,
    spec: NetworkSpec,
    xp: Any,
    iteration: int,
    last: float | None,
    batch_size: int,
    host_order: np.ndarray,
    sample_weight: Array | None,
    host_weights: np.ndarray | None,
    alpha: float,
    placement: Placement,
) -> tuple[Params, float]:
    # One epoch in the given order (host indices); each batch carries its examples' weights.
    m = int(X.shape[1])
    order = placement.move(host_order, keep_dtype=True)
    costs: list[float] = []
    weights: list[float] = []
    for start in range(0, m, batch_size):
        stop = min(start + batch_size, m)
        idx = order[start:stop]  # in-range stop: array API
        weight: float = stop - start
        batch_weights = None
        if host_weights is not None:
            weight = float(host_weights[host_order[start:stop]].sum())
            if weight == 0.0:
                continue  # no example of this batch counts: nothing to learn
            batch_weights = take_columns(sample_weight, idx, xp)
        xb = take_columns(X, idx, xp)
        yb = take_columns(Y, idx, xp)
        params, cost = _batch_step(
            xb, yb, params, optimizer, spec, xp, iteration, last, alpha=alpha,
            sample_weight=batch_weights,
        )  # fmt: skip
        costs.append(cost)
        weights.append(weight)
    return params, epoch_cost(costs, weights)
