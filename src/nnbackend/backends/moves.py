"""Moving data between libraries: which library an array belongs to, and the one converter
each way (host to the active library, any library to NumPy).

Nothing here converts silently between two non-host libraries: mixing is an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends import _registry as backends
from nnbackend.backends._adapter import Adapter
from nnbackend.backends.placement import mismatch_error
from nnbackend.backends.switch import Backend, chosen_backend, get_backend

__all__ = [
    "asarray",
    "backend_of",
    "is_writeable",
    "library_of",
    "materialize",
    "materialize_params",
    "move_like",
    "to_numpy",
]


def backend_of(x: Any) -> Backend | None:
    """The library and device of array ``x``, or None for host data.

    Host data is anything that is not an array of a non-host library: Python scalars, lists,
    NumPy arrays (NumPy's adapter is the host), pandas objects. Nothing is imported: only
    libraries already loaded are asked.

    Parameters
    ----------
    x : object

    Returns
    -------
    Backend or None
    """
    if isinstance(x, np.ndarray | np.generic):
        return None
    adapter = backends.adapter_of(x)
    if adapter is None or adapter.host:
        return None
    device = adapter.device_of(x)
    return Backend(adapter.name, adapter.namespace(device), device, adapter)


def library_of(x: Any) -> str | None:
    """Return the backend name whose library owns array ``x``, or None for host data.

    Parameters
    ----------
    x : object

    Returns
    -------
    str or None
    """
    owner = backend_of(x)
    return None if owner is None else owner.name


def _adapter_for_array(x: Any) -> Adapter | None:
    active = chosen_backend()
    return backends.adapter_of(x, prefer=None if active is None else active.adapter)


def is_writeable(x: Any) -> bool:
    """Whether ``x`` may be updated in place (False for JAX and Dask arrays, read-only views).

    Parameters
    ----------
    x : array

    Returns
    -------
    bool
    """
    if type(x) is np.ndarray:  # the hot path of every NumPy step, without the registry walk
        return bool(x.flags.writeable)
    adapter = _adapter_for_array(x)
    return adapter is not None and adapter.is_writeable(x)


def materialize(arrays: list[Any]) -> list[Any]:
    """Evaluate lazy arrays (Dask) now, so that a loop's task graph does not grow each step.

    Training loops call this on the parameters once per iteration: without it every Dask cost
    read would recompute the whole history of updates. Eager arrays are returned unchanged.

    Parameters
    ----------
    arrays : list of arrays of one library

    Returns
    -------
    list of arrays
    """
    if not arrays or type(arrays[0]) is np.ndarray:
        return arrays
    adapter = _adapter_for_array(arrays[0])
    if adapter is None or not adapter.lazy:
        return arrays
    return adapter.materialize(arrays)


def materialize_params(params: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """:func:`materialize` for a list of (W, b) pairs; returns the same list when eager."""
    if not params or type(params[0][0]) is np.ndarray:
        return params
    adapter = _adapter_for_array(params[0][0])
    if adapter is None or not adapter.lazy:
        return params
    flat = adapter.materialize([a for pair in params for a in pair])
    return list(zip(flat[0::2], flat[1::2], strict=True))


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any supported library to a NumPy array on the host.

    Parameters
    ----------
    x : array
        An array of any registered library, or host data.

    Returns
    -------
    numpy.ndarray
    """
    if isinstance(x, np.ndarray):
        return x
    adapter = backends.adapter_of(x)
    return np.asarray(x) if adapter is None else adapter.to_host(x)


def move_like(host: Any, like: Any, *, keep_dtype: bool = False) -> Any:
    """Copy host data to the library and device of the array ``like``.

    Parameters
    ----------
    host : array_like
        NumPy data (or anything ``numpy.asarray`` takes).
    like : array
    keep_dtype : bool, default False
        False casts to ``like``'s dtype; True keeps ``host``'s (for index arrays and labels).

    Returns
    -------
    array
    """
    host = np.asarray(host)
    dtype = host.dtype if keep_dtype else like.dtype
    adapter = _adapter_for_array(like)
    if adapter is None:
        return np.asarray(host, dtype=numpy_dtype(dtype))
    return adapter.from_host(host, adapter.device_of(like), dtype)


def asarray(obj: Any, dtype: Any = None, *, backend: Backend | None = None) -> Any:
    """Move host data (lists, scalars, NumPy arrays) to the active library and device.

    Arrays already of the target library and device are returned as they are (cast when
    ``dtype`` differs). Arrays of another library, or of the library on another device, are
    refused: mixing is an error, never a silent copy. Use :func:`to_numpy` first to move them on
    purpose.

    Parameters
    ----------
    obj : array_like
        Host data, or an array of the active library.
    dtype : str or dtype, optional
        ``"float32"``, ``"float64"``, any NumPy dtype, or a dtype of the active namespace.
        None keeps the data's dtype as NumPy infers it.
    backend : Backend, optional
        The target backend; the active one by default.

    Returns
    -------
    array
        An array of the backend's library on its device.

    Raises
    ------
    BackendError
        When ``obj`` is an array of another library or on another device.
    """
    backend = backend or get_backend()
    adapter = backend.adapter
    owner = None if adapter.host and adapter.owns(obj) else backend_of(obj)
    if owner is not None:
        if owner.name != backend.name:
            raise mismatch_error("the array", owner.name, backend.name)
        if backend.device is not None and not adapter.same_device(owner.device, backend.device):
            raise mismatch_error(
                "the array", owner.name, backend.name, device=owner.device,
                target_device=backend.device,
            )  # fmt: skip
        if dtype is None:
            return obj
        target = getattr(backend.xp, numpy_dtype(dtype).name)
        return obj if obj.dtype == target else backend.xp.astype(obj, target)
    host = np.asarray(obj, dtype=None if dtype is None else numpy_dtype(dtype))
    return adapter.from_host(host, backend.device)
