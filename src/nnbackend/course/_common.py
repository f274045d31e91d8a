"""Plumbing shared by the course modules: legacy seeding and moving arrays where they belong."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from array_api_compat import device

from nnbackend import training
from nnbackend._arrays import array_namespace, numpy_dtype
from nnbackend.backends import asarray, backend_of, library_of, materialize, to_numpy
from nnbackend.core import network
from nnbackend.core.initializers import draw_parameters, move_like
from nnbackend.core.spec import NetworkSpec
from nnbackend.course._checks import gradient_list, parameter_list, sizes_setting
from nnbackend.estimators.memory import check_fit_memory
from nnbackend.training.optimizers import GradientDescent

Array = Any


def _is_float_array(x: Any) -> bool:
    return hasattr(x, "dtype") and array_namespace(x).isdtype(x.dtype, "real floating")


def as_float_array(x: Any, like: Array | None = None, *, name: str = "x") -> Array:
    """``x`` as a floating-point array, as NumPy's ``np.exp`` or ``np.dot`` would see it.

    Python scalars and lists become float64 NumPy arrays. Integer and boolean arrays (the
    notebooks' ``np.array([0, 2])``, uint8 pixels, 0/1 labels) are cast in their own library:
    to ``like``'s float dtype when ``like`` is given and floating, else to the library's default
    float (float64 on NumPy). Floating arrays pass through untouched. ``name`` is the
    argument's name, for the error on anything else.
    """
    if isinstance(x, bool | int | float | list | tuple):
        return np.asarray(x, dtype=float)
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if not hasattr(x, "dtype"):
        raise TypeError(
            f"{name}={x!r} is not valid: expected an array or a number, got {type(x).__name__}"
        )
    xp = array_namespace(x)
    if xp.isdtype(x.dtype, ("real floating", "complex floating")):
        return x
    if like is not None and _is_float_array(like) and library_of(like) == library_of(x):
        return xp.astype(x, like.dtype)
    info = xp.__array_namespace_info__()
    return xp.astype(x, info.default_dtypes(device=device(x))["real floating"])


def on_parameters(x: Any, like: Array, *, name: str = "X") -> Array:
    """Host data ``x`` on the library and device of the parameter ``like``, when that is not NumPy.

    The notebooks load their data as NumPy arrays, while ``initialize_*`` makes the parameters
    on the active backend: with ``NNBACKEND=cupy`` the two meet here, and the data moves to the
    GPU. When both are NumPy, or ``x`` is already an array of a library, ``x`` is left as it is.
    Integer data is cast to ``like``'s float dtype first (see :func:`as_float_array`).
    """
    x = as_float_array(x, like, name=name)
    if library_of(x) is None and library_of(like) is not None:
        return move_like(np.asarray(x), like)
    return x


def match(y: Any, like: Array) -> Array:
    """``y`` in the library, device and float dtype of ``like`` (the assignment's X).

    The notebooks pass integer or uint8 labels next to float data; NumPy mixes them silently,
    strict array-API libraries do not, so labels are cast here, at the façade's edge.
    """
    if library_of(y) is None and library_of(like) is not None:
        return move_like(np.asarray(y), like)
    y = as_float_array(y)
    if isinstance(y, np.ndarray) and isinstance(like, np.ndarray):
        return y if y.dtype == like.dtype else y.astype(like.dtype)
    xp = array_namespace(like)
    return y if y.dtype == like.dtype else xp.astype(y, like.dtype)


def copy(x: Array) -> Array:
    """A copy of ``x`` (so that in-place updates never touch the learner's arrays)."""
    xp = array_namespace(x)
    return xp.asarray(x, copy=True)


def legacy_parameters(
    layer_dims: Sequence[int], seed: int | None, init: str
) -> list[tuple[Any, Any]]:
    """The notebooks' ``np.random.seed(seed)`` + ``randn`` draws, layer by layer, on the host.

    ``seed=None`` draws from NumPy's global stream instead, as the notebooks do whose
    ``initialize_parameters`` does not reseed (the learner or the test seeds it beforehand).
    The global stream advances, exactly as ``np.random.randn`` would advance it.
    """
    if seed is None:
        # the np.random module has the legacy global RandomState's methods
        return draw_parameters(layer_dims, init, np.random)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(
            f"seed={seed!r} is not valid: expected an int (np.random.seed(seed) before the "
            "draws) or None (draw from NumPy's global random state)"
        )
    return draw_parameters(layer_dims, init, np.random.RandomState(seed))


def check_training_memory(dims: Sequence[int], X: Array, **setting: Any) -> None:
    """Refuse, before any draw, a training whose arrays cannot fit in the memory available.

    The estimators' estimate (parameters, their gradients and the activations that backward
    keeps for all m examples), with the sizes named as the caller's arguments (``n_h=...``).
    """
    try:
        check_fit_memory(dims, int(X.shape[1]), X.dtype, setting=sizes_setting(**setting))
    except ValueError as exc:
        # the course trains on the full batch: there is no mini-batch option to suggest
        raise ValueError(str(exc).replace(", or mini-batches", ", or fewer examples")) from None


def squeeze_cost(cost: Array, xp: Any) -> Array:
    """The notebooks' ``np.squeeze(cost)``: a 0-d array of the backend (a 0-d ndarray on NumPy).

    The graders compare types: NumPy reductions give a ``np.float64`` scalar, which
    ``np.squeeze`` (and so ``xp.reshape``) turns into a 0-d ``ndarray``.
    """
    return xp.reshape(xp.asarray(cost), ())


def first_element(a: Array) -> Array:
    """``a[0, 0]``: a NumPy scalar (``np.float64``) on NumPy, a 0-d array elsewhere.

    That is the type of the notebooks' ``db = 1/m * np.sum(dZ)`` and ``b = b - α db``.
    """
    return a[0, 0]


def to_dict(params: list[tuple[Array, Array]], like: Array | None = None) -> dict[str, Array]:
    """Course parameter dict {"W1", "b1", ...}, on the active backend or like ``like``."""
    move = asarray if like is None else (lambda a: move_like(a, like))
    out = {}
    for layer, (w, b) in enumerate(params, start=1):
        out[f"W{layer}"] = move(w)
        out[f"b{layer}"] = move(b)
    return out


def as_dict(params: list[tuple[Array, Array]]) -> dict[str, Array]:
    """Course parameter dict {"W1", "b1", ...} of the arrays themselves (nothing moves)."""
    return {
        key: arr for i, (w, b) in enumerate(params, 1) for key, arr in ((f"W{i}", w), (f"b{i}", b))
    }


def from_dict(
    parameters: dict[str, Array], name: str = "parameters", layers: int | None = None
) -> list[tuple[Array, Array]]:
    """The core's list of (W, b) from a course parameter dict, checked (see parameter_list)."""
    return parameter_list(parameters, name, layers)


def updated_parameters(
    parameters: dict[str, Array], grads: dict[str, Array], learning_rate: float
) -> dict[str, Array]:
    """The course's ``update_parameters``: new arrays θ - α dθ, the learner's left untouched."""
    checked = from_dict(parameters)
    steps = gradient_list(grads, checked)
    current = [(copy(w), copy(b)) for w, b in checked]
    updated = network.update(current, steps, learning_rate)
    return as_dict(updated)


def materialize_dict(parameters: dict[str, Array]) -> dict[str, Array]:
    """The parameter dict with lazy (Dask) arrays evaluated, once per training iteration."""
    keys = list(parameters)
    return dict(zip(keys, materialize([parameters[k] for k in keys]), strict=True))


def print_cost_line(iteration: int, cost: Any, *, full: bool = False, dtype: Any = None) -> None:
    """The notebooks' progress line, in the format of the notebook it comes from.

    Parameters
    ----------
    iteration : int
    cost : float or 0-d array
    full : bool, default False
        False: Weeks 2 and 3, ``"Cost after iteration %i: %f" % (i, cost)`` (6 decimals).
        True: the Week 4 application, ``"Cost after iteration {}: {}".format(i,
        np.squeeze(cost))``, the full value as NumPy writes it in the cost's dtype.
    dtype : dtype, optional
        The cost's dtype, for ``full`` (float32 is written with float32's shortest digits);
        by default the cost's own, or float64 for a Python float.
    """
    if not full:
        print(f"Cost after iteration {iteration}: {float(cost):f}")  # the notebooks' "%f"
        return
    value = np.asarray(to_numpy(cost), dtype=None if dtype is None else numpy_dtype(dtype))
    print(f"Cost after iteration {iteration}: {np.squeeze(value)}")


def compiled_descent(
    X: Array,
    Y: Array,
    params: list[tuple[Array, Array]],
    learning_rate: float,
    num_iterations: int,
    *,
    hidden: str,
    print_at: Callable[[int], bool] | None = None,
    full_cost: bool = False,
) -> tuple[list[tuple[Array, Array]], list[Array]] | None:
    """The notebooks' gradient-descent loop, run by the training driver on every library.

    The same descent as the notebooks' loops (sigmoid output, cross-entropy, α·dθ), run by
    :func:`nnbackend.training.train`: by X's library's compiled loop where it has one, in
    blocks of :data:`nnbackend.training.compiled.BLOCK` iterations per dispatch (the cost lines
    the notebooks print come out after each block, one per iteration ``print_at`` accepts), by
    the eager loop elsewhere. Every library runs it, so that a run that diverges fails in the
    same way on all of them (the notebooks' own loops, with the course's
    dAL = -(Y/AL - (1-Y)/(1-AL)), turn a saturated AL into NaN parameters where the driver's
    stable dZ = AL - Y does not).

    Parameters
    ----------
    X, Y : arrays
        Course layout, on one library.
    params : list of (W, b)
        On X's library; trained in place where the library allows.
    learning_rate : float
    num_iterations : int
    hidden : str
        The hidden layers' activation.
    print_at : callable, optional
        ``print_at(i)`` True prints the notebook's cost line for iteration i.
    full_cost : bool, default False
        Print the cost in full (the Week 4 notebook) rather than with 6 decimals.

    Returns
    -------
    (params, costs) or None
        The trained parameters and the cost of every 100th iteration (i % 100 == 0), each a
        0-d array of X's library as the notebooks' loops keep them; None for fewer than one
        iteration (the caller then returns the initial parameters and no costs).

    Raises
    ------
    TrainingDivergedError
        When the cost or the updated parameters become NaN or infinite, on every library (the
        notebooks' loops would carry on with NaN).
    """
    if num_iterations < 1:
        return None
    dtype = numpy_dtype(X.dtype)

    def show(iteration: int, cost: float) -> None:
        if print_at is not None and print_at(iteration):
            print_cost_line(iteration, cost, full=full_cost, dtype=dtype)

    result = training.train(
        X,
        Y,
        params,
        GradientDescent(learning_rate),
        spec=NetworkSpec(hidden=hidden, output="sigmoid"),
        max_iter=num_iterations,
        tol=None,
        callback=show,
    )
    costs = [move_like(np.asarray(c, dtype=dtype), X) for c in result.loss_curve[::100]]
    return result.params, costs


def _adapter_in(values: Any, depth: int = 0) -> Any:
    # The adapter of the first library array among the arguments (through dicts, tuples and
    # lists: parameter dicts and caches), or None when everything is host data.
    for value in values:
        if isinstance(value, dict):
            value = _adapter_in(value.values(), depth + 1) if depth < 3 else None
        elif isinstance(value, tuple | list):
            value = _adapter_in(value, depth + 1) if depth < 3 else None
        else:
            owner = backend_of(value)
            value = None if owner is None else owner.adapter
        if value is not None:
            return value
    return None


def computing_in_their_library(namespace: dict[str, Any], names: Sequence[str]) -> None:
    """Make the public functions ``names`` of a course module run in their arrays' context.

    Each call then runs inside the ``computing`` context of the library of its first array
    argument (JAX: 64-bit mode for the call, so that float64 is computed in float64 without
    switching JAX to 64 bits for the whole process). Calls on host data are unchanged.

    Parameters
    ----------
    namespace : dict
        The module's ``globals()``; its functions are replaced by wrappers.
    names : sequence of str
        The module's ``__all__``.
    """
    for name in names:
        namespace[name] = _in_their_context(namespace[name])


def _in_their_context(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        adapter = _adapter_in([*args, *kwargs.values()])
        with contextlib.nullcontext() if adapter is None else adapter.computing():
            return func(*args, **kwargs)

    return wrapper
