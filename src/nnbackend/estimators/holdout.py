"""The held-out split for early stopping, drawn on the host so every backend sees the same one.

Classifiers stratify it as scikit-learn does: each class gives the validation set its share of
the examples, so a rare class is not left out by chance.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["holdout_split"]


def _stratified_counts(
    class_sizes: np.ndarray, n_val: int, rng: np.random.Generator | np.random.RandomState
) -> np.ndarray:
    # Each class's share of n_val, rounded down, then the remainder one by one to the classes
    # with the largest fractional share (ties at random). A class keeps at least one training
    # example; the caller has checked that the others have room for the rest.
    exact = class_sizes * (n_val / class_sizes.sum())
    counts = np.floor(exact).astype(np.int64)
    order = np.lexsort((rng.random(class_sizes.shape[0]), -(exact - counts)))
    remaining = n_val - int(counts.sum())
    while remaining > 0:
        for c in order:
            if remaining == 0:
                break
            if counts[c] < class_sizes[c] - 1:
                counts[c] += 1
                remaining -= 1
    return counts


def holdout_split(
    n_samples: int,
    fraction: float,
    rng: np.random.Generator | np.random.RandomState,
    labels: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and the validation examples.

    Parameters
    ----------
    n_samples : int
    fraction : float
        The validation share, in (0, 1); the validation set has ceil(fraction · n_samples)
        examples, as scikit-learn's ``train_test_split`` gives.
    rng : Generator or RandomState
        Draws the split.
    labels : ndarray of shape (n_samples,), int, optional
        Class indices: when given, the split is stratified.

    Returns
    -------
    train, validation : ndarrays of int
        Sorted, disjoint, together 0..n_samples-1.

    Raises
    ------
    ValueError
        When the validation set would have fewer than 2 examples, or nothing would be left to
        train on.
    """
    n_val = math.ceil(fraction * n_samples)
    n_classes = 0 if labels is None else int(np.unique(labels).shape[0])
    if n_val < 2 or n_samples - n_val < max(1, n_classes):
        raise ValueError(
            f"early_stopping cannot split n_samples={n_samples} with "
            f"validation_fraction={fraction}: the validation set would have {n_val} sample(s) "
            f"(at least 2 are needed) and {n_samples - n_val} would be left to train on (at "
            f"least {max(1, n_classes)}). Use more data, another validation_fraction, or "
            "early_stopping=False."
        )
    if labels is None:
        validation = rng.permutation(n_samples)[:n_val]
    else:
        classes, inverse = np.unique(labels, return_inverse=True)
        members = [np.flatnonzero(inverse == c) for c in range(classes.shape[0])]
        counts = _stratified_counts(np.array([len(m) for m in members]), n_val, rng)
        validation = np.concatenate(
            [rng.permutation(m)[:k] for m, k in zip(members, counts, strict=True)]
        )
    is_validation = np.zeros(n_samples, dtype=bool)
    is_validation[validation] = True
    return np.flatnonzero(~is_validation), np.flatnonzero(is_validation)
