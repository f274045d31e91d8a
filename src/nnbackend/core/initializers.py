"""Parameter initialisation for an L-layer dense network in course notation.

Random draws happen on the host with NumPy, then the arrays move to the data's library and
device. One seed therefore gives the same parameters, digit for digit, on every backend, and the
course's legacy ``RandomState`` stream can be replayed exactly.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nnbackend.backends import move_like

__all__ = ["INITS", "draw_parameters", "initialize_parameters", "move_like"]

Array = Any
Params = list[tuple[Array, Array]]

INITS: dict[str, str] = {
    "he": "sqrt(2 / n_prev): for ReLU-family hidden layers",
    "xavier": "sqrt(1 / n_prev): for tanh/sigmoid; the course's L_layer_model uses it",
    "small": "0.01: the course's randn * 0.01",
    "zeros": "0: shows the symmetry problem; fine for logistic regression only",
}
"""Initialisation schemes and the standard deviation each gives W[l] (n_prev = n_{l-1})."""


def _scale(init: str, n_prev: int) -> float:
    if init == "he":
        return math.sqrt(2.0 / n_prev)
    if init == "xavier":
        return math.sqrt(1.0 / n_prev)
    if init == "small":
        return 0.01
    if init == "zeros":
        return 0.0
    raise ValueError(f"init={init!r} is not valid: expected one of {tuple(INITS)}")


def draw_parameters(
    layer_dims: Sequence[int],
    init: str,
    rng: np.random.Generator | np.random.RandomState,
    dtype: Any = np.float64,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Draw W[l] and b[l] on the host, layer by layer.

    W[l] = standard_normal((n_l, n_{l-1})) · scale, drawn in layer order; b[l] = zeros((n_l, 1)).
    With a ``RandomState`` this is the course's ``np.random.randn(n_l, n_prev) * scale`` stream.

    Parameters
    ----------
    layer_dims : sequence of int
        [n_x, n_1, ..., n_L].
    init : {"he", "xavier", "small", "zeros"}
    rng : numpy.random.Generator or numpy.random.RandomState
    dtype : dtype, default float64
        The draws are made in float64 and then cast, so float32 parameters equal the float64
        ones rounded.

    Returns
    -------
    list of (W, b) NumPy arrays
    """
    params = []
    for n_prev, n in itertools.pairwise(layer_dims):
        scale = _scale(init, n_prev)
        # zeros draw nothing, so the stream stays aligned with the course's for later layers
        if scale == 0.0:
            w = np.zeros((n, n_prev))
        else:
            w = rng.standard_normal((n, n_prev))
            w *= scale  # the draw is ours: scaled in place (the cat network's W1 is 2 MB)
        params.append((w.astype(dtype, copy=False), np.zeros((n, 1), dtype=dtype)))
    return params


def initialize_parameters(
    layer_dims: Sequence[int],
    like: Array,
    *,
    init: str = "he",
    rng: np.random.Generator | np.random.RandomState | int | None = 0,
) -> Params:
    """Create the network's parameters on the library, device and dtype of ``like``.

    Parameters
    ----------
    layer_dims : sequence of int
        [n_x, n_1, ..., n_L].
    like : array
        Any array of the target library/device/dtype, usually the training data X.
    init : {"he", "xavier", "small", "zeros"}, default "he"
    rng : Generator, RandomState, int or None, default 0
        The host random source or a seed for ``numpy.random.default_rng``.

    Returns
    -------
    list of (W, b)
        W[l] of shape (n_l, n_{l-1}) and b[l] of shape (n_l, 1).
    """
    if not isinstance(rng, np.random.Generator | np.random.RandomState):
        rng = np.random.default_rng(rng)
    host = draw_parameters(layer_dims, init, rng)
    return [(move_like(w, like), move_like(b, like)) for w, b in host]
