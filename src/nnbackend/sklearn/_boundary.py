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

from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, numpy_dtype
from nnbackend.backends import (
    Placement,
    asarray,
    backend_of,
    get_backend,
    mismatch_error,
    move_like,
    to_numpy,
)
from nnbackend.backends.switch import Backend
from nnbackend.estimators.validation import check_host_dtype, check_library_features

Array = Any


def backend_for(X: Any) -> tuple[Backend, bool]:
    """The backend that owns ``X`` (arrays of a library), else the active one (host data).

    Returns
    -------
    backend : Backend
    host : bool
        Whether ``X`` is host data (its results go back to the host).
    """
    owner = backend_of(X)
    return (get_backend(), True) if owner is None else (owner, False)


def float_dtype(X: Any, dtype: Any) -> np.dtype:
    """The working dtype: ``dtype`` when set, else X's when floating (float32/64), else float64."""
    if dtype is not None:
        return numpy_dtype(dtype)
    kind = numpy_dtype(X.dtype) if hasattr(X, "dtype") else np.dtype(np.float64)
    return kind if kind in (np.dtype(np.float32), np.dtype(np.float64)) else np.dtype(np.float64)


def check_host_X(X: Any) -> None:
    """Refuse host X of dates or durations, which scikit-learn's ``validate_data`` would cast.

    A NumPy array has one dtype, a pandas DataFrame one per column.
    """
    dtypes = getattr(X, "dtypes", None)
    for dtype in [getattr(X, "dtype", None)] if dtypes is None else list(dtypes):
        if dtype is not None:
            check_host_dtype(dtype, "X")


def check_library_X(est: Any, X: Any, *, reset: bool) -> Any:
    """Checks of X of a non-host library (scikit-learn's ``validate_data`` is host-only).

    The same checks as the native estimators' (the adapter's, complex, not numbers), then the
    shape with scikit-learn's messages. Returns X as its adapter accepts it.
    """
    owner = backend_of(X)
    if owner is not None:
        X = check_library_features(X, owner, "X")
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
    return X


def densify(X: Any) -> Any:
    """A SciPy sparse matrix as a dense NumPy array; anything else unchanged."""
    return X.toarray() if hasattr(X, "toarray") and hasattr(X, "nnz") else X


def to_course(X: Any, backend: Backend, host: bool, dtype: np.dtype) -> tuple[Array, Placement]:
    """X (n_samples, n_features) as course layout (n_features, n_samples) on ``backend``.

    Returns
    -------
    Xc : array
    place : Placement
        Where the computation runs (called inside the backend's computing scope).
    """
    if host:
        X = asarray(np.asarray(densify(X), dtype=dtype), backend=backend)
    else:
        xp = array_namespace(X)
        X = xp.astype(X, _namespace_dtype(xp, dtype), copy=False)
    Xc = X.T
    return Xc, Placement.of(Xc, backend.adapter, compiled=False)


def params_on(
    coefs: list[Any], intercepts: list[Any], place: Placement, host: bool
) -> list[tuple[Any, Any]]:
    """Fitted ``coefs_`` / ``intercepts_`` as course-layout (W, b) pairs on ``place``.

    ``host`` says whether X was host data (it then computes on the active backend, as it fit).
    An X of a library computes there: weights of another library or device are refused with
    the one mismatch error, never copied between the two silently.
    """
    owner = backend_of(coefs[0])
    if owner is not None and not host:
        device = owner.adapter.device_of(coefs[0])
        if owner.adapter is not place.adapter or device != place.device:
            raise mismatch_error(
                "X",
                place.name,
                owner.name,
                "where this model's weights are, from its fit",
                device=place.device,
                target_device=device,
            )
    hosts = []
    for c, b in zip(coefs, intercepts, strict=True):
        hosts += [np.ascontiguousarray(to_numpy(c).T), to_numpy(b).reshape(-1, 1)]
    moved = place.move_all(hosts)
    return list(zip(moved[::2], moved[1::2], strict=True))


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
