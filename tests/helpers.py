"""Helpers shared by the test modules."""

from __future__ import annotations

import numpy as np

import nnbackend
from nnbackend import datasets


def host(x) -> np.ndarray:
    """Any library's array on the host, for comparisons with NumPy."""
    return nnbackend.to_numpy(x)


def blobs(n: int = 120, seed: int = 3, cluster_std: float = 1.5):
    """Three standardised blobs in four features: the suites' small multiclass problem."""
    X, y = datasets.make_blobs(n, centers=3, n_features=4, cluster_std=cluster_std, seed=seed)
    return (X - X.mean(0)) / X.std(0), y


def rtol_for(dtype) -> float:
    """The comparison tolerance a dtype affords, against a float64 NumPy reference."""
    return 1e-5 if np.dtype(str(dtype).rsplit(".", 1)[-1]) == np.float32 else 1e-12


def central_differences(cost, params, h: float = 1e-6) -> np.ndarray:
    """Every parameter's derivative of ``cost()`` by central differences, flat in (W1, b1, ...)
    order; each entry of the (writeable, float64) parameters is nudged in place and restored."""
    numeric = []
    for w, b in params:
        for arr in (w, b):
            for idx in np.ndindex(arr.shape):
                keep = arr[idx]
                arr[idx] = keep + h
                plus = cost()
                arr[idx] = keep - h
                minus = cost()
                arr[idx] = keep
                numeric.append((plus - minus) / (2 * h))
    return np.array(numeric)
