"""Early stopping's held-out examples and their score, computed where the data is.

The score is written once, with array-API calls, so that the eager loop reads it as a float
and a compiled loop (a ``jax.jit`` device loop, the lean PyTorch loop, CuPy's queued steps)
computes it on the device after every iteration, with nothing read back until the block ends.
The held-out arrays travel as an argument of the program (never captured by a trace), so a
cached program serves every fit of the same shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from nnbackend._arrays import array_namespace, dtype_name
from nnbackend.core import network

__all__ = ["KINDS", "HeldOut", "accuracy", "r2"]

Array = Any
Params = list[tuple[Array, Array]]


def accuracy(out: Array, truth: Array, weights: Array | None, xp: Any) -> Array:
    """Classification accuracy from the output layer's logits, as a 0-d array.

    Parameters
    ----------
    out : array of shape (n_out, m)
        Logits (course layout): one row is a binary classifier (class 1 where positive), more
        rows pick the largest.
    truth : integer array of shape (m,)
        Class indices.
    weights : array of shape (m,), optional
        Example weights: the weighted mean of the hits, as ``numpy.average``.
    xp : module

    Returns
    -------
    0-d array
        In ``out``'s dtype.
    """
    if out.shape[0] == 1:
        predicted = xp.astype(out[0, :] > 0, truth.dtype)
    else:
        predicted = xp.astype(xp.argmax(out, axis=0), truth.dtype)
    hit = xp.astype(predicted == truth, out.dtype)
    if weights is None:
        return xp.mean(hit)
    return xp.sum(hit * weights) / xp.sum(weights)


def r2(out: Array, truth: Array, weights: Array | None, xp: Any) -> Array:
    """The coefficient of determination, per output and averaged uniformly, as a 0-d array.

    scikit-learn's ``r2_score``: a constant truth scores 1 where predicted exactly, else 0.

    Parameters
    ----------
    out, truth : arrays of shape (n_out, m)
        Predictions and targets, course layout.
    weights : array of shape (m,), optional
        Weights of the examples in every sum of squares.
    xp : module

    Returns
    -------
    0-d array
    """
    if weights is None:
        weights = xp.ones((int(truth.shape[1]),), dtype=truth.dtype)
    mean = xp.sum(weights * truth, axis=1, keepdims=True) / xp.sum(weights)
    residual = xp.sum(weights * (truth - out) ** 2, axis=1)
    total = xp.sum(weights * (truth - mean) ** 2, axis=1)
    one, zero = xp.ones_like(total), xp.zeros_like(total)
    positive = total > 0
    scores = xp.where(
        positive,
        one - residual / xp.where(positive, total, one),
        xp.where(residual == 0, one, zero),
    )
    return xp.mean(scores)


KINDS: dict[str, Callable[[Array, Array, Array | None, Any], Array]] = {
    "accuracy": accuracy,
    "r2": r2,
}
"""The held-out scores by name: a classifier's accuracy, a regressor's R²."""


class HeldOut:
    """The held-out examples of early stopping and their score (higher is better).

    Parameters
    ----------
    X : array of shape (n_x, m_val)
        Course layout, on the training data's library and device.
    truth : array
        Class indices of shape (m_val,) (``kind="accuracy"``) or targets of shape
        (n_out, m_val) (``kind="r2"``), on the same device.
    weights : array of shape (m_val,), optional
        Example weights, on the same device.
    kind : {"accuracy", "r2"}
    hidden : str
        The hidden activation (the output layer is scored from its pre-activation).

    Notes
    -----
    ``held(params)`` scores on the host's terms (a float, one device sync);
    :meth:`scorer` is the same score as a pure function of (parameters, :meth:`arrays`), for
    compiled programs.
    """

    def __init__(
        self, X: Array, truth: Array, weights: Array | None, *, kind: str, hidden: str
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
        if weights is None:
            # ones, not None: dividing by their sum, a runtime value, rounds as NumPy's mean
            # does, where XLA turns a division by a constant m into a product with 1/m
            xp = array_namespace(X)
            weights = xp.ones_like(X[0, :])
        self.X, self.truth, self.weights = X, truth, weights
        self.kind, self.hidden = kind, hidden

    def arrays(self) -> tuple[Array, Array, Array | None]:
        """What a program is handed: (X, truth, weights)."""
        return self.X, self.truth, self.weights

    def signature(self) -> Hashable:
        """What a compiled program built for this score depends on (part of its cache key)."""
        return (
            self.kind,
            self.hidden,
            tuple(self.X.shape),
            tuple(self.truth.shape),
            dtype_name(self.truth.dtype),
            self.weights is not None,
        )

    def scorer(self, xp: Any) -> Callable[[Params, tuple[Array, Array, Array | None]], Array]:
        """The score as a pure function ``score(params, arrays) -> 0-d array`` in ``xp``."""
        kind, hidden = KINDS[self.kind], self.hidden

        def score(params: Params, arrays: tuple[Array, Array, Array | None]) -> Array:
            X, truth, weights = arrays
            out = network.predict_output(X, params, hidden=hidden, output="identity", xp=xp)
            return kind(out, truth, weights, xp)

        return score

    def __call__(self, params: Params) -> float:
        """The score of ``params`` as a float."""
        xp = array_namespace(self.X)
        return float(self.scorer(xp)(params, self.arrays()))
