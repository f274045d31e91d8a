"""The training step a compiled program runs, written once from the core and the optimizer.

:mod:`nnbackend.training.compiled` builds its programs from these steps; the benchmark's
steppers (:mod:`nnbackend.bench.stepping`) run the same steps one call at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnbackend._arrays import dtype_name
from nnbackend.backends.loops import Layout
from nnbackend.core import network
from nnbackend.core.spec import NetworkSpec
from nnbackend.training.optimizer_base import Optimizer, _flat, _pairs
from nnbackend.training.rules import finite_flag, finite_step

__all__ = [
    "cache_key",
    "eager_step",
    "functional_step",
    "params_of",
    "program_key",
    "step_and_state",
]

Array = Any
Params = list[tuple[Array, Array]]


def _split(Y: Array, weighted: bool) -> tuple[Array, Array | None]:
    # Weighted runs carry the example weights as Y's last row, so that every program's
    # gathering of a mini-batch (a take along the examples) hands each batch its own weights.
    if not weighted:
        return Y, None
    n = int(Y.shape[0]) - 1
    return Y[:n, :], Y[n:, :]


def _cost_and_gradients(
    spec: NetworkSpec, alpha: float, X: Array, Y: Array, params: Params, scale: float, xp: Any,
    weights: Array | None,
) -> tuple[Array, Params]:  # fmt: skip
    # The core's one cost-and-gradients call, with the spec's activations spelled out.
    return network.cost_and_gradients(
        X, Y, params, hidden=spec.hidden, output=spec.output, slope=spec.slope, scale=scale,
        alpha=alpha, sample_weight=weights, xp=xp,
    )  # fmt: skip


def functional_step(
    spec: NetworkSpec, rule: Optimizer, xp: Any, weighted: bool = False, alpha: float = 0.0
) -> Callable[[Any, Array, Array, Any], tuple[Any, Array, Array]]:
    """The pure step a tracing compiler runs: state = (flat parameters, flat optimizer state).

    Returns ``step(state, X, Y, scalars) -> (state, cost, finite)`` with 0-d arrays.
    """
    scale = rule.preferred_grad_scale

    def step(state: Any, X: Array, Y: Array, scalars: Any) -> tuple[Any, Array, Array]:
        flat, opt_state = state
        Y, weights = _split(Y, weighted)
        cost, grads = _cost_and_gradients(spec, alpha, X, Y, _pairs(flat), scale, xp, weights)
        deltas, opt_state = rule.functional_direction(
            list(opt_state), _flat(grads), scalars, grad_scale=scale, xp=xp
        )
        new = tuple(p - d for p, d in zip(flat, deltas, strict=True))
        return (new, tuple(opt_state)), cost, finite_flag(cost, new, xp)

    return step


def eager_step(
    spec: NetworkSpec, xp: Any, weighted: bool = False, alpha: float = 0.0
) -> Callable[[Any, Array, Array, Any], tuple[Any, float, bool]]:
    """The eager loop's step through the compiler's namespace: state = (params, optimizer).

    The update lands in new arrays, kept only when they are finite; returns
    ``step(state, X, Y, scalars) -> (state, cost, finite)`` with host values.
    """

    def step(state: Any, X: Array, Y: Array, scalars: Any) -> tuple[Any, float, bool]:
        params, optimizer = state
        Y, weights = _split(Y, weighted)
        scale = optimizer.preferred_grad_scale
        cost, grads = _cost_and_gradients(spec, alpha, X, Y, params, scale, xp, weights)
        updated = optimizer.propose(params, optimizer.direction(params, grads, grad_scale=scale))
        value = float(cost)
        if finite_step(value, _flat(updated), xp):
            return (updated, optimizer), value, True
        return state, value, False

    return step


def cache_key(
    X: Array,
    Y: Array,
    params: Params,
    spec: NetworkSpec,
    options: tuple[Any, ...],
    optimizer: Optimizer,
    layout: Layout,
    device: Any,
) -> tuple[Any, ...]:
    """A compiled program's cache key: architecture, shapes, dtype, device, options, rule."""
    shapes = tuple((tuple(w.shape), tuple(b.shape)) for w, b in params)
    return (
        shapes,
        tuple(X.shape),
        tuple(Y.shape),
        dtype_name(X.dtype),
        str(device),
        spec,
        options,
        optimizer.signature(),
        layout,
    )


# --------------------------------------------------------------------------- for benchmarks
def step_and_state(
    params: Params, optimizer: Optimizer, spec: NetworkSpec, xp: Any, functional: bool
) -> tuple[Callable[..., Any], Any]:
    """The full-batch step a compiled program runs, and its starting state for ``params``.

    The step is ``step(state, X, Y, scalars) -> (state, cost, finite)``, exactly the one
    :func:`nnbackend.training.compiled.train` compiles; the benchmark's steppers
    (:mod:`nnbackend.bench.stepping`) run it one call at a time. Call it inside the
    adapter's ``computing`` scope.

    Parameters
    ----------
    params : list of (W, b)
    optimizer : Optimizer
    spec : NetworkSpec
    xp : module
        The compiler's namespace (:meth:`Compiler.namespace`).
    functional : bool
        The compiler's ``Compiler.functional``.

    Returns
    -------
    (step, state)
    """
    if functional:
        flat = _flat(params)
        state = (tuple(flat), tuple(optimizer.state_arrays(flat)))
        return functional_step(spec, optimizer.fresh(), xp), state
    return eager_step(spec, xp), (params, optimizer)


def params_of(state: Any, functional: bool) -> Params:
    """The (W, b) pairs of a step's state (see :func:`step_and_state`)."""
    return _pairs(state[0]) if functional else state[0]


def program_key(
    X: Array, Y: Array, params: Params, spec: NetworkSpec, optimizer: Optimizer, device: Any
) -> tuple[Any, ...]:
    """The compiler's cache key of a single full-batch step program on (X, Y).

    Parameters
    ----------
    X, Y : arrays
    params : list of (W, b)
    spec : NetworkSpec
    optimizer : Optimizer
    device : object
        X's device, as its adapter names it.

    Returns
    -------
    tuple
    """
    layout = Layout(int(X.shape[1]), None, 1, optimizer.n_step_scalars)
    return ("single", *cache_key(X, Y, params, spec, (), optimizer, layout, device))
