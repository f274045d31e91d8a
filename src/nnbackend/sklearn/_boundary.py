"""Where data enters the scikit-learn front door: validated, its library chosen, converted once.

Host data (NumPy arrays, lists, pandas objects, SciPy sparse matrices) is validated by
scikit-learn's own ``validate_data`` (so the messages, feature names and dtype rules are
scikit-learn's) and then sent to the active backend (``NNBACKEND`` / ``use_backend``). An
array of a supported library (torch, JAX, CuPy, Dask, array-api-strict) picks that library
and device: it is checked for its shape and dtype where it is and never copied to the host.

Sparse matrices are densified here: the network's products are dense-only on every library
(scikit-learn's own MLP densifies each layer's output after the first product as well).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, numpy_dtype
from nnbackend.backends import asarray, backend_of, get_backend, move_like, to_numpy

Array = Any


@dataclass(frozen=True)
class Placement:
    """Where one fit computes: the backend, and whether its results go back to the host."""

    backend: Any
    host: bool


def placement_of(X: Any) -> Placement:
    """The backend that owns ``X`` (arrays of a library), else the active one (host data)."""
    owner = backend_of(X)
    if owner is None:
        return Placement(get_backend(), True)
    return Placement(owner, False)


def float_dtype(X: Any, dtype: Any) -> np.dtype:
    """The working dtype: ``dtype`` when set, else X's when floating (float32/64), else float64."""
    if dtype is not None:
        return numpy_dtype(dtype)
    kind = numpy_dtype(X.dtype) if hasattr(X, "dtype") else np.dtype(np.float64)
    return kind if kind in (np.dtype(np.float32), np.dtype(np.float64)) else np.dtype(np.float64)


def check_library_X(est: Any, X: Any, *, reset: bool) -> None:
    """Shape checks for X of a non-host library (scikit-learn's ``validate_data`` is host-only)."""
    if X.ndim != 2:
        raise ValueError(f"Expected 2D array, got {X.ndim}D array instead.")
    n_features = int(X.shape[1])
    if reset:
        est.n_features_in_ = n_features
        if hasattr(est, "feature_names_in_"):
            del est.feature_names_in_
    elif n_features != est.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(est).__name__} is expecting "
            f"{est.n_features_in_} features as input."
        )


def densify(X: Any) -> Any:
    """A SciPy sparse matrix as a dense NumPy array; anything else unchanged."""
    return X.toarray() if hasattr(X, "toarray") and hasattr(X, "nnz") else X


def to_course(X: Any, place: Placement, dtype: np.dtype) -> Array:
    """X (n_samples, n_features) as course layout (n_features, n_samples) on ``place``."""
    if place.host:
        X = asarray(np.asarray(densify(X), dtype=dtype), backend=place.backend)
    else:
        xp = array_namespace(X)
        X = xp.astype(X, _namespace_dtype(xp, dtype), copy=False)
    return X.T


def targets_like(Y: np.ndarray, like: Array) -> Array:
    """Host targets (n_samples, n_outputs) in course layout on ``like``'s library and dtype."""
    return move_like(np.ascontiguousarray(np.asarray(Y).T), like)


def weights_like(sample_weight: np.ndarray | None, like: Array) -> Array | None:
    """Host example weights as a (1, m) row on ``like``'s library, or None."""
    if sample_weight is None:
        return None
    return move_like(np.asarray(sample_weight, dtype=np.float64).reshape(1, -1), like)


def host(x: Array) -> np.ndarray:
    """``x`` on the host, as NumPy."""
    return to_numpy(x)


def _namespace_dtype(xp: Any, dtype: np.dtype) -> Any:
    return xp.float32 if dtype == np.dtype(np.float32) else xp.float64
