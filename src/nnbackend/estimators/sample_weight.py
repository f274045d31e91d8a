"""Example weights at the estimators' boundary: checked once, then rescaled so that sums stay
finite in any dtype."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnbackend.backends import to_numpy
from nnbackend.estimators.validation import _reject_complex, _reject_sparse, _shape_text

__all__ = ["check_sample_weight", "rescale_sample_weight"]


def check_sample_weight(
    sample_weight: Any, n_samples: int, name: str = "sample_weight"
) -> np.ndarray | None:
    """Example weights as a float64 host array of shape (n_samples,), or None.

    Parameters
    ----------
    sample_weight : None, number or array_like of shape (n_samples,)
        A number weighs every example the same. Arrays of any supported library are accepted:
        weights are small and come to the host, like targets.
    n_samples : int
        The number of examples in X.
    name : str, default "sample_weight"

    Returns
    -------
    ndarray of shape (n_samples,) or None
        A new array (the caller's is never modified), or None when ``sample_weight`` is None.
        Its sum may overflow: :func:`rescale_sample_weight` makes it safe to sum.

    Raises
    ------
    ValueError
        Not 1-D, another length than X, complex, NaN or infinity, a negative weight, or all
        weights zero.
    TypeError
        Sparse or non-numeric weights.
    """
    if sample_weight is None:
        return None
    if isinstance(sample_weight, int | float | np.integer | np.floating) and not isinstance(
        sample_weight, bool
    ):
        try:
            arr = np.full(n_samples, float(sample_weight))
        except OverflowError:  # an int of 400 digits
            raise ValueError(
                f"{name} is an int too large for a float: expected a finite number or an "
                "array of weights."
            ) from None
    else:
        _reject_sparse(sample_weight, name)
        arr = to_numpy(sample_weight)
        # before the cast to float, which would drop the imaginary part silently
        _reject_complex(arr.reshape(-1), name, "weights")
        if arr.dtype.kind not in "biuf":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}: {exc}") from exc
        if arr.ndim != 1:
            raise ValueError(
                f"{name} must be 1-D of shape (n_samples,) = ({n_samples},), got shape "
                f"{_shape_text(arr.shape)}."
            )
        if arr.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {arr.shape[0]} weights, but X has {n_samples} samples: expected "
                "one weight per sample."
            )
    arr = np.array(arr, dtype=np.float64)  # a copy: the caller's array stays untouched
    if not np.isfinite(arr).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    if (arr < 0).any():
        first = int(np.flatnonzero(arr < 0)[0])
        raise ValueError(
            f"{name} has a negative weight ({float(arr[first])!r} at index {first}): weights "
            "must be >= 0."
        )
    if not arr.max() > 0:  # the max, not the sum: two weights of 1e308 sum to infinity
        raise ValueError(
            f"{name} sums to zero: every sample weight is zero, but at least one must be positive."
        )
    return arr


def rescale_sample_weight(
    weights: np.ndarray | None, alpha: float = 0.0, name: str = "sample_weight"
) -> tuple[np.ndarray | None, float]:
    """Weights divided by the largest, and the L2 strength that keeps the same cost.

    Every weighted quantity is a weighted mean, so only the weights' ratios matter, except
    the L2 penalty α / (2 Σ w), whose value ``alpha / largest`` keeps. With the largest weight
    1, sums cannot overflow (two weights of 1e308) and valid weights survive float32 (all
    near 1e40, or all subnormal).

    Parameters
    ----------
    weights : ndarray of shape (n_samples,) or None
        As :func:`check_sample_weight` returns them.
    alpha : float, default 0.0
        The L2 penalty's strength.
    name : str, default "sample_weight"

    Returns
    -------
    weights : ndarray of shape (n_samples,) or None
        Largest weight 1.
    alpha : float

    Raises
    ------
    ValueError
        When the weights are so small that the penalty α / (2 Σ w) is infinite: no training
        can minimise it, and the message names the weights.
    """
    if weights is None:
        return None, alpha
    largest = float(weights.max())
    scaled_alpha = alpha / largest
    if not math.isfinite(scaled_alpha):
        raise ValueError(
            f"{name} is too small for alpha={alpha!r}: its largest weight is {largest!r}, so "
            f"the L2 penalty alpha / (2 * sum of {name}) is infinite. Multiply the weights by "
            "a constant (only their ratios matter otherwise), or set alpha=0."
        )
    return weights / largest, scaled_alpha
