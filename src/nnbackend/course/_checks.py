"""The façade's input checks: label rows, parameter dicts, layer sizes and training settings.

The notebooks' inputs always pass them. What they refuse would otherwise broadcast into a
wrong number (a column of labels), silently change the network (a parameter dict with a
missing or extra layer), or fail deep inside NumPy with a message that names nothing.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, check_allocation, short_int

Array = Any
_KEY = re.compile(r"([Wb])([1-9][0-9]*)")


def label_rows(Y: Array, m: int, name: str = "Y", rows: int | None = 1, of: str = "X") -> Array:
    """``Y`` as the notebooks' labels: ``rows`` rows of ``m`` examples, else a ValueError.

    A 1-D ``Y`` of shape (m,) is read as the row (1, m). Any other shape, a column (m, 1)
    above all, would broadcast against the output (1, m) into an (m, m) cost or gradient
    without an error, so it is refused, naming the argument.

    Parameters
    ----------
    Y : array
        Already an array of the computation's library (see :func:`match`).
    m : int
        The number of examples: the columns of X (or of the output).
    name : str, default "Y"
        The argument's name, for the error.
    rows : int or None, default 1
        The rows expected (the output layer's units); None accepts any number of rows.
    of : str, default "X"
        The argument ``m`` was read from, for the error.

    Returns
    -------
    array of shape (rows, m)
    """
    if m < 1:
        # every cost and gradient is a mean over the examples: none is a division by zero
        raise ValueError(
            f"{of} and {name} hold no example (m = 0 columns): expected at least one example, "
            "one per column"
        )
    shape = _shape(Y, name)
    if shape == (m,) and rows in (None, 1):
        return array_namespace(Y).reshape(Y, (1, m))
    if len(shape) == 2 and shape[1] == m and shape[0] >= 1 and rows in (None, shape[0]):
        return Y
    if rows == 1:
        expected = f"(1, m) = (1, {m}) or (m,) = ({m},)"
    elif rows is None:
        expected = f"(n_y, m) = (n_y, {m}) or (m,) = ({m},)"
    else:
        expected = f"(n_y, m) = ({rows}, {m})"
    raise ValueError(
        f"{name} has shape {shape}, but expected {expected}, with m = {m} the number of "
        f"examples (the columns of {of})"
    )


def positive_size(value: Any, name: str) -> int:
    """``value`` as a layer size: an int of at least 1, else an error naming ``name``.

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for the error.

    Returns
    -------
    int
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} is not valid: expected an int (a number of units), got "
            f"{type(value).__name__}"
        )
    if value < 1:
        raise ValueError(f"{name}={value!r} is not valid: expected a number of units >= 1")
    return int(value)


def parameters_fit(dims: Sequence[int], setting: str) -> None:
    """Refuse, before any draw, layer sizes whose parameters would pass the allocation cap.

    Parameters
    ----------
    dims : sequence of int
        ``[n_x, n_1, ..., n_L]``, already checked (see :func:`layer_dims`).
    setting : str
        The size arguments as the caller names them, for the error (``"n_h=10**12"``).

    Raises
    ------
    ValueError
        See :func:`nnbackend._arrays.check_allocation`.
    """
    count = sum(n * (n_prev + 1) for n_prev, n in itertools.pairwise(dims))
    check_allocation(setting, 8 * count, f"{short_int(count)} float64 weights and biases")


def sizes_setting(**sizes: Any) -> str:
    """``"n_x=2, n_h=1000000000000"``: size arguments for a message, long ints shortened."""
    return ", ".join(f"{name}={_size_text(value)}" for name, value in sizes.items())


def _size_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_size_text(v) for v in value) + "]"
    return short_int(value) if isinstance(value, int) else repr(value)


def iterations(value: Any, name: str = "num_iterations") -> int:
    """``value`` as a number of iterations: an int >= 0, else an error naming ``name``.

    Zero trains nothing and returns the initial parameters, as the notebooks' loops do.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name}={value!r} is not valid: expected an int >= 0 (a number of iterations), "
            f"got {type(value).__name__}"
        )
    if value < 0:
        raise ValueError(f"{name}={value!r} is not valid: expected an int >= 0")
    return int(value)


def binary_labels(Y: Array, name: str = "Y") -> None:
    """Refuse labels outside [0, 1] (or NaN), naming ``name``.

    The course's cross-entropy reads Y as the probability of class 1: a label 2 or -1 gives a
    cost and gradients of nothing, without an error. One pass over Y, before training.
    """
    _in_unit_interval(Y, name, "labels 0 or 1 (or probabilities in [0, 1])")


def probabilities(A: Array, name: str) -> None:
    """Refuse an output layer's activations outside [0, 1] (or NaN), naming ``name``.

    The cost clips them into (0, 1), so an AL of 2 would give a finite cost of nothing.
    """
    _in_unit_interval(A, name, "probabilities in [0, 1], the sigmoid's output")


def _in_unit_interval(A: Array, name: str, expected: str) -> None:
    xp = array_namespace(A)
    if not bool(xp.all((A >= 0) & (A <= 1))):
        low, high = float(xp.min(A)), float(xp.max(A))
        raise ValueError(f"{name} holds values from {low:g} to {high:g}: expected {expected}")


def finite_output(A: Array, inputs: str) -> None:
    """Refuse a forward pass that gave NaN or infinity, naming where it came from.

    Predictions compare the output with 0.5, which NaN never passes: NaN parameters would
    predict class 0 everywhere, without an error.
    """
    xp = array_namespace(A)
    if not bool(xp.all(xp.isfinite(A))):
        raise ValueError(
            f"the network's output holds NaN or infinite values: {inputs} hold NaN or "
            "infinite values, so there is nothing to predict from"
        )


def layer_dims(dims: Any, name: str, length: int | None = None) -> list[int]:
    """``dims`` as the course's [n_x, n_1, ..., n_L], else an error naming ``name``.

    Parameters
    ----------
    dims : sequence of int
        At least two sizes (an input and an output layer), each at least 1, whose parameters
        fit the allocation cap (see :func:`parameters_fit`).
    name : str
        The argument's name, for the error.
    length : int, optional
        The exact number of sizes expected (3 for a two-layer model).

    Returns
    -------
    list of int
    """
    if isinstance(dims, np.ndarray) and dims.ndim == 1:
        dims = dims.tolist()
    if isinstance(dims, str | bytes) or not isinstance(dims, Sequence):
        raise TypeError(
            f"{name}={dims!r} is not valid: expected a list of layer sizes [n_x, ..., n_L]"
        )
    sizes = [positive_size(size, f"{name}[{i}]") for i, size in enumerate(dims)]
    if length is not None and len(sizes) != length:
        raise ValueError(
            f"{name}={list(dims)!r} is not valid: expected {length} layer sizes, got {len(sizes)}"
        )
    if len(sizes) < 2:
        raise ValueError(
            f"{name}={list(dims)!r} is not valid: expected at least 2 layer sizes (the input "
            "and the output layer), [n_x, n_1, ..., n_L]"
        )
    parameters_fit(sizes, sizes_setting(**{name: sizes}))
    return sizes


def two_layer_sizes(n_x: Any, n_h: Any, n_y: Any) -> list[int]:
    """``[n_x, n_h, n_y]`` checked as layer sizes whose parameters fit the allocation cap."""
    sizes = [positive_size(n, name) for n, name in ((n_x, "n_x"), (n_h, "n_h"), (n_y, "n_y"))]
    parameters_fit(sizes, sizes_setting(n_x=sizes[0], n_h=sizes[1], n_y=sizes[2]))
    return sizes


def parameter_list(
    parameters: Any, name: str = "parameters", layers: int | None = None
) -> list[tuple[Array, Array]]:
    """The core's list of (W, b) from a course parameter dict, checked.

    The keys must be exactly ``W1``..``WL`` and ``b1``..``bL`` for one L, W[l] of shape
    (n_l, n_{l-1}) and b[l] of shape (n_l, 1): a missing ``b2`` would otherwise end the
    network a layer early, and an extra ``W3`` would be ignored.

    Parameters
    ----------
    parameters : dict
    name : str, default "parameters"
        The argument's name, for the error.
    layers : int, optional
        The exact L expected (2 for the shallow network).

    Returns
    -------
    list of (W, b)

    Raises
    ------
    TypeError
        Not a dict, or a value that is not an array.
    ValueError
        Keys that do not form W1..WL, b1..bL, or shapes that do not chain.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"{name} must be a dict of W1, b1, ..., WL, bL, got {type(parameters).__name__}"
        )
    found = [_KEY.fullmatch(str(key)) for key in parameters]
    count = layers or max((int(m.group(2)) for m in found if m), default=0)
    expected = {f"{kind}{layer}" for layer in range(1, count + 1) for kind in "Wb"}
    missing = sorted(expected - set(parameters), key=_order)
    unexpected = sorted((repr(k) for k in set(parameters) - expected), key=str)
    if missing or unexpected or count == 0:
        form = "W1, b1, W2, b2" if layers == 2 else "W1..WL, b1..bL for one L >= 1"
        details = [f"missing {', '.join(missing)}"] if missing else []
        details += [f"unexpected {', '.join(unexpected)}"] if unexpected else []
        raise ValueError(
            f"{name} has the keys {sorted(map(str, parameters), key=_order)}, which do not "
            f"form {form}: {'; '.join(details) or 'no layer'}"
        )
    params = [(parameters[f"W{layer}"], parameters[f"b{layer}"]) for layer in range(1, count + 1)]
    previous = None
    for layer, (W, b) in enumerate(params, start=1):
        for key, value in ((f"W{layer}", W), (f"b{layer}", b)):
            if not hasattr(value, "shape"):
                raise TypeError(
                    f"{name}[{key!r}] is a {type(value).__name__}, but expected an array"
                )
        w_shape, b_shape = tuple(W.shape), tuple(b.shape)
        if len(w_shape) != 2 or (previous is not None and w_shape[1] != previous):
            wanted = "(n_l, n_{l-1})" if previous is None else f"(n_{layer}, {previous})"
            raise ValueError(
                f"{name}['W{layer}'] has shape {w_shape}, but expected {wanted}: each W[l] "
                "takes the previous layer's units as its columns"
            )
        if b_shape != (w_shape[0], 1):
            raise ValueError(
                f"{name}['b{layer}'] has shape {b_shape}, but expected ({w_shape[0]}, 1), "
                f"a column with one bias per unit of W{layer}"
            )
        previous = w_shape[0]
    return params


def check_inputs(X: Array, n_x: int, name: str = "X", what: str = "W1 has columns") -> int:
    """Raise unless X is (n_x, m), one column per example; return m.

    Parameters
    ----------
    X : array
    n_x : int
        The input units.
    name : str, default "X"
        The argument's name, for the error.
    what : str, default "W1 has columns"
        Where ``n_x`` comes from, for the error.

    Returns
    -------
    m : int
        The number of examples.
    """
    shape = _shape(X, name)
    if len(shape) != 2 or shape[0] != n_x:
        raise ValueError(
            f"{name} has shape {shape}, but expected (n_x, m) = ({n_x}, m): one column per "
            f"example, with as many rows as {what}"
        )
    return shape[1]


def columns(A: Array, name: str) -> int:
    """The number of examples (columns) of the 2-D ``A``, else a ValueError naming it."""
    shape = _shape(A, name)
    if len(shape) != 2:
        raise ValueError(
            f"{name} has shape {shape}, but expected a 2-D array (units, m) with one column "
            "per example"
        )
    return shape[1]


def gradient_list(
    grads: Any, params: list[tuple[Array, Array]], name: str = "grads"
) -> list[tuple[Array, Array]]:
    """The core's list of (dW, db) from a course gradient dict, checked against ``params``.

    Other keys (the ``dA`` entries of ``L_model_backward``) are left alone.
    """
    if not isinstance(grads, Mapping):
        raise TypeError(f"{name} must be a dict of dW1, db1, ..., got {type(grads).__name__}")
    out = []
    for layer, pair in enumerate(params, start=1):
        found = []
        for key, like in zip((f"dW{layer}", f"db{layer}"), pair, strict=True):
            if key not in grads:
                raise ValueError(
                    f"{name} has no {key!r}: the parameters have {len(params)} layers, which "
                    f"need dW1..dW{len(params)} and db1..db{len(params)}"
                )
            value = grads[key]
            if not hasattr(value, "shape") or tuple(value.shape) != tuple(like.shape):
                got = tuple(value.shape) if hasattr(value, "shape") else type(value).__name__
                raise ValueError(
                    f"{name}[{key!r}] has shape {got}, but expected {tuple(like.shape)}, the "
                    f"shape of {key[1:]}"
                )
            found.append(value)
        out.append((found[0], found[1]))
    return out


def _shape(A: Array, name: str) -> tuple[int, ...]:
    # A Dask array after boolean indexing does not know its chunks' sizes (NaN in its shape)
    shape = tuple(A.shape)
    if any(isinstance(s, float) and math.isnan(s) for s in shape) or None in shape:
        raise ValueError(
            f"{name} has unknown sizes (shape {shape}), as a Dask array has after boolean "
            f"indexing: call {name}.compute_chunk_sizes() first"
        )
    return tuple(int(s) for s in shape)


def _order(key: str) -> tuple[int, str]:
    match = _KEY.fullmatch(key)
    return (int(match.group(2)), match.group(1)) if match else (1 << 30, key)
