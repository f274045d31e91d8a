"""The backend switch: which array library and device nnbackend computes on.

This is the only module that knows library names. Optional libraries are imported only when a
backend is chosen and first used, never at ``import nnbackend``: importing cupy alone takes about
half a second, and torch or jax far longer.

The choice comes from the ``NNBACKEND`` environment variable (read at the first
:func:`get_backend` call), from :func:`set_backend`, or for a block from :func:`use_backend`.
``NNBACKEND_DEVICE`` optionally names the device (``cpu``, ``cuda:1``, ``device1``...).
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend.errors import BackendError

__all__ = [
    "BACKEND_NAMES",
    "VALID_NAMES",
    "Backend",
    "array_namespace",
    "asarray",
    "get_backend",
    "info",
    "installed_backends",
    "materialize",
    "materialize_params",
    "reduce_sum",
    "set_backend",
    "to_numpy",
    "total_sum",
    "use_backend",
]

BACKEND_NAMES: tuple[str, ...] = ("numpy", "cupy", "torch", "jax", "dask", "array_api_strict")
"""The array libraries nnbackend can compute with, in the order ``nnbackend info`` lists them."""
VALID_NAMES: tuple[str, ...] = (*BACKEND_NAMES, "auto")
"""Every value ``NNBACKEND`` accepts (the empty string also means ``numpy``)."""

_IMPORT_NAME = {
    "numpy": "numpy",
    "cupy": "cupy",
    "torch": "torch",
    "jax": "jax",
    "dask": "dask.array",
    "array_api_strict": "array_api_strict",
}
_DISTRIBUTION = {
    "numpy": ("numpy",),
    "cupy": ("cupy-cuda13x", "cupy-cuda12x", "cupy-cuda11x", "cupy"),
    "torch": ("torch",),
    "jax": ("jax",),
    "dask": ("dask",),
    "array_api_strict": ("array-api-strict", "array_api_strict"),
}
_INSTALL_HINT = {
    "numpy": "pip install numpy",
    "cupy": "pip install 'nnbackend[cuda13]' (or [cuda12] for CUDA 12 drivers)",
    "torch": "pip install 'nnbackend[torch]'",
    "jax": "pip install 'nnbackend[jax]'",
    "dask": "pip install 'nnbackend[dask]'",
    "array_api_strict": "pip install array-api-strict",
}


@dataclass(frozen=True)
class Backend:
    """One array library on one device.

    Attributes
    ----------
    name : str
        One of :data:`BACKEND_NAMES`.
    xp : module
        The array-API namespace that math functions receive for this library's arrays.
    device : object
        The library's device object, or None for the library's default device.
    """

    name: str
    xp: ModuleType
    device: Any = None

    def __repr__(self) -> str:
        device = "default" if self.device is None else str(self.device)
        return f"Backend(name={self.name!r}, device={device!r})"


_active: Backend | None = None

# NumPy 2.1 and later implement the array API standard themselves (clip with min/max, astype,
# isdtype...). Handing out NumPy itself skips array-api-compat's Python wrappers, which cost
# several microseconds per call (clip: 5.8 µs wrapped, 2.0 µs native, on a (4, 400) array):
# that is most of a small network's step.
_NUMPY_IS_STANDARD = tuple(int(p) for p in np.__version__.split(".")[:2]) >= (2, 1)


def array_namespace(*arrays: Any) -> ModuleType:
    """The array-API namespace of ``arrays``, resolved once per call by the math functions.

    The same as ``array_api_compat.array_namespace``, except that NumPy arrays get NumPy itself
    when NumPy is 2.1 or later (standard-compliant, and much faster on small arrays).

    Parameters
    ----------
    *arrays : arrays of one library

    Returns
    -------
    module
    """
    if _NUMPY_IS_STANDARD and all(isinstance(a, np.ndarray | np.generic) for a in arrays):
        return np
    return array_api_compat.array_namespace(*arrays)


# --------------------------------------------------------------------------- discovery
def _is_installed(name: str) -> bool:
    # find_spec on the top-level package only: it never imports the library itself.
    top = _IMPORT_NAME[name].split(".")[0]
    if top in sys.modules:
        return True
    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def installed_backends() -> tuple[str, ...]:
    """Return the backend names whose library is installed, without importing any of them.

    Returns
    -------
    tuple of str
        A subset of :data:`BACKEND_NAMES`, in its order.
    """
    return tuple(name for name in BACKEND_NAMES if _is_installed(name))


def _version(name: str) -> str | None:
    for dist in _DISTRIBUTION[name]:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _how_to_fix(extra: str = "") -> str:
    return (
        f"{extra}Set NNBACKEND to one of {', '.join(VALID_NAMES)} (empty means numpy), "
        "or call nnbackend.set_backend(name)."
    )


def _unknown_name_error(value: object, source: str) -> BackendError:
    valid = ", ".join(VALID_NAMES)
    installed = ", ".join(installed_backends()) or "none"
    close = difflib.get_close_matches(str(value).lower(), VALID_NAMES, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return BackendError(
        f"unknown backend {value!r} (from {source}). Valid names: {valid}. "
        f"Installed: {installed}. {_how_to_fix(hint)}"
    )


def _not_installed_error(name: str, cause: BaseException | None) -> BackendError:
    installed = ", ".join(installed_backends()) or "none"
    detail = f" ({type(cause).__name__}: {cause})" if cause is not None else ""
    return BackendError(
        f"backend {name!r} is not installed{detail}. Valid names: {', '.join(VALID_NAMES)}. "
        f"Installed: {installed}. Install it with: {_INSTALL_HINT[name]}, "
        "or choose an installed backend."
    )


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(_IMPORT_NAME[name])
    except ImportError as exc:
        raise _not_installed_error(name, exc) from exc


# --------------------------------------------------------------------------- devices
def _cuda_device_count(cupy: ModuleType) -> int:
    try:
        return int(cupy.cuda.runtime.getDeviceCount())
    except Exception:  # any CUDA runtime failure means "no usable GPU"
        return 0


def _cuda_index(spec: str | None, name: str) -> int:
    if spec is None or spec in ("cuda", "gpu"):
        return 0
    for prefix in ("cuda:", "gpu:"):
        if spec.startswith(prefix) and spec[len(prefix) :].isdigit():
            return int(spec[len(prefix) :])
    if spec.isdigit():
        return int(spec)
    raise BackendError(
        f"device {spec!r} is not valid for backend {name!r}: expected 'cuda', 'cuda:N' or N. "
        "Fix NNBACKEND_DEVICE or the device argument."
    )


def _make_backend(name: str, device_spec: str | None) -> Backend:
    """Import the library for ``name`` and build the :class:`Backend` for ``device_spec``."""
    if name == "numpy":
        if device_spec not in (None, "cpu"):
            raise BackendError(
                f"device {device_spec!r} is not valid for backend 'numpy': NumPy runs on 'cpu' "
                "only. Unset NNBACKEND_DEVICE or choose NNBACKEND=cupy/torch/jax for a GPU."
            )
        return Backend("numpy", array_namespace(np.empty(0)), None)

    module = _import(name)
    if name == "cupy":
        count = _cuda_device_count(module)
        if count == 0:
            raise BackendError(
                "backend 'cupy' is installed but no usable CUDA device was found. "
                f"Valid names: {', '.join(VALID_NAMES)}. Installed: "
                f"{', '.join(installed_backends())}. Use NNBACKEND=numpy (or auto, which falls "
                "back to numpy), or run on a machine with an NVIDIA GPU and driver."
            )
        index = _cuda_index(device_spec, name)
        if index >= count:
            raise BackendError(
                f"device {device_spec!r} is not valid for backend 'cupy': only {count} CUDA "
                f"device(s) are present (indices 0..{count - 1})."
            )
        device = module.cuda.Device(index)
        with device:
            xp = array_api_compat.array_namespace(module.empty(0))
        return Backend("cupy", xp, device)

    if name == "torch":
        try:
            device = module.device(device_spec or "cpu")
        except (RuntimeError, TypeError) as exc:
            raise BackendError(
                f"device {device_spec!r} is not valid for backend 'torch': {exc}. "
                "Expected 'cpu', 'cuda' or 'cuda:N'."
            ) from exc
        if device.type == "cuda" and not module.cuda.is_available():
            raise BackendError(
                f"device {device_spec!r} was asked of backend 'torch', but torch sees no usable "
                "CUDA device. Use NNBACKEND_DEVICE=cpu or unset it."
            )
        return Backend("torch", array_api_compat.array_namespace(module.empty(0)), device)

    if name == "jax":
        # float64 is first-class in nnbackend; JAX turns it off by default.
        module.config.update("jax_enable_x64", True)
        jnp = importlib.import_module("jax.numpy")
        try:
            if device_spec is None:
                device = module.devices()[0]
            elif device_spec == "cpu":
                device = module.devices("cpu")[0]
            else:
                device = module.devices("gpu")[_cuda_index(device_spec, name)]
        except (RuntimeError, IndexError) as exc:
            raise BackendError(
                f"device {device_spec!r} is not valid for backend 'jax': {exc}. "
                "Expected 'cpu', 'gpu', 'cuda' or 'cuda:N'."
            ) from exc
        return Backend("jax", array_api_compat.array_namespace(jnp.empty(0)), device)

    if name == "dask":
        if device_spec not in (None, "cpu"):
            raise BackendError(
                f"device {device_spec!r} is not valid for backend 'dask': nnbackend runs Dask on "
                "'cpu' only."
            )
        return Backend("dask", array_api_compat.array_namespace(module.empty(0)), None)

    # array_api_strict: its devices are named strings ("CPU_DEVICE", "device1", "device2").
    try:
        device = module.Device(device_spec) if device_spec is not None else None
    except ValueError as exc:
        raise BackendError(
            f"device {device_spec!r} is not valid for backend 'array_api_strict': {exc}"
        ) from exc
    return Backend("array_api_strict", module, device)


def _parse_name(value: str | None, source: str) -> str:
    if value is None or value == "":
        return "numpy"
    if not isinstance(value, str):
        raise BackendError(
            f"backend name must be a string, got {type(value).__name__} {value!r}. "
            f"Valid names: {', '.join(VALID_NAMES)}."
        )
    # Strict: exact, lower-case names only, so that no value silently means another.
    if value not in VALID_NAMES:
        raise _unknown_name_error(value, source)
    if value == "auto":
        if _is_installed("cupy"):
            try:
                cupy = importlib.import_module("cupy")
            except ImportError:
                return "numpy"
            if _cuda_device_count(cupy) > 0:
                return "cupy"
        return "numpy"
    if not _is_installed(value):
        raise _not_installed_error(value, None)
    return value


def _parse_device(value: str | None) -> str | None:
    if value is None or value.strip() == "":
        return None
    return value.strip()


# --------------------------------------------------------------------------- public API
def get_backend() -> Backend:
    """Return the active backend, choosing it from ``NNBACKEND`` on first use.

    Returns
    -------
    Backend
        The active library, its array-API namespace and its device.

    Raises
    ------
    BackendError
        When ``NNBACKEND`` names an unknown or uninstalled library, or a library without a usable
        device. The message lists the valid names and the installed ones.
    """
    global _active
    if _active is None:
        name = _parse_name(os.environ.get("NNBACKEND"), "the NNBACKEND environment variable")
        device = _parse_device(os.environ.get("NNBACKEND_DEVICE"))
        _active = _make_backend(name, device)
    return _active


def set_backend(name: str, device: str | None = None) -> Backend:
    """Make ``name`` the active backend, on ``device``.

    Parameters
    ----------
    name : str
        One of :data:`VALID_NAMES`.
    device : str, optional
        A device string such as ``"cpu"``, ``"cuda:1"`` or ``"device1"`` (array_api_strict).
        None picks the library's default device.

    Returns
    -------
    Backend
        The backend now active.

    Raises
    ------
    BackendError
        For an unknown or uninstalled name, or an unusable device. The active backend is then
        left unchanged.
    """
    global _active
    backend = _make_backend(_parse_name(name, "set_backend"), _parse_device(device))
    _active = backend
    return backend


@contextlib.contextmanager
def use_backend(name: str, device: str | None = None) -> Iterator[Backend]:
    """Make ``name`` the active backend inside a ``with`` block.

    The previous backend is restored on exit, also when an exception escapes the block.

    Parameters
    ----------
    name : str
        One of :data:`VALID_NAMES`.
    device : str, optional
        As in :func:`set_backend`.

    Yields
    ------
    Backend
        The backend active inside the block.
    """
    global _active
    previous = _active
    backend = set_backend(name, device)
    try:
        yield backend
    finally:
        _active = previous


def library_of(x: Any) -> str | None:
    """Return the backend name whose library owns array ``x``, or None for host data.

    Python scalars, lists and NumPy arrays count as host data (None). Nothing is imported: the
    checks only look at libraries already loaded.

    Parameters
    ----------
    x : object
        Anything.

    Returns
    -------
    str or None
    """
    if isinstance(x, np.ndarray | np.generic):
        return None
    if array_api_compat.is_cupy_array(x):
        return "cupy"
    if array_api_compat.is_torch_array(x):
        return "torch"
    if array_api_compat.is_jax_array(x):
        return "jax"
    if array_api_compat.is_dask_array(x):
        return "dask"
    if type(x).__module__.startswith("array_api_strict"):
        return "array_api_strict"
    return None


def same_device(a: Any, b: Any) -> bool:
    """Return whether two device objects are the same device.

    CuPy devices are not hashable and some libraries' devices lack rich comparison, hence the
    string fallback.
    """
    try:
        return bool(a == b)
    except Exception:
        return str(a) == str(b)


def asarray(obj: Any, dtype: Any = None, *, backend: Backend | None = None) -> Any:
    """Move host data (lists, scalars, NumPy arrays) to the active library and device.

    Arrays already of the active library are returned as they are (cast when ``dtype`` differs).
    Arrays of another library, or of the active library on another device, are refused: mixing
    is an error, never a silent copy. Use :func:`to_numpy` first to move them on purpose.

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
    xp = backend.xp
    owner = library_of(obj)
    if owner is not None and owner == backend.name:
        if backend.device is not None and not same_device(
            array_api_compat.device(obj), backend.device
        ):
            raise BackendError(
                f"the array is on device {array_api_compat.device(obj)!r}, but the active "
                f"backend {backend.name!r} uses device {backend.device!r}. Move it on purpose "
                "(nnbackend.to_numpy) or choose that device with set_backend."
            )
        if dtype is None:
            return obj
        target = _namespace_dtype(xp, dtype)
        return obj if obj.dtype == target else xp.astype(obj, target)
    if owner is not None:
        raise BackendError(
            f"got an array of library {owner!r}, but the active backend is {backend.name!r}. "
            "nnbackend never copies between libraries silently: convert it with "
            "nnbackend.to_numpy(x) first, or make its library active with "
            f"nnbackend.set_backend({owner!r})."
        )
    host = np.asarray(obj, dtype=None if dtype is None else _numpy_dtype(dtype))
    if backend.name == "numpy":
        return host
    if backend.name == "cupy":
        with backend.device:
            return xp.asarray(host)
    if backend.name == "dask":
        return xp.asarray(host)
    if backend.device is None:
        return xp.asarray(host)
    return xp.asarray(host, device=backend.device)


def _numpy_dtype(dtype: Any) -> np.dtype:
    if isinstance(dtype, str):
        return np.dtype(dtype)
    try:
        return np.dtype(dtype)
    except TypeError:
        # A dtype object of another namespace (torch.float32...): go through its name.
        return np.dtype(str(dtype).rsplit(".", 1)[-1])


def _namespace_dtype(xp: ModuleType, dtype: Any) -> Any:
    name = _numpy_dtype(dtype).name
    return getattr(xp, name)


def to_numpy(x: Any) -> np.ndarray:
    """Copy an array of any supported library to a NumPy array on the host.

    Parameters
    ----------
    x : array
        An array of NumPy, CuPy, PyTorch, JAX, Dask or array_api_strict, or host data.

    Returns
    -------
    numpy.ndarray
    """
    owner = library_of(x)
    if owner is None:
        return np.asarray(x)
    if owner == "cupy":
        return x.get()
    if owner == "torch":
        return x.detach().cpu().numpy()
    if owner == "dask":
        return np.asarray(x.compute())
    if owner == "array_api_strict":
        # array_api_strict refuses __array__ off its CPU device, by design: go through DLPack
        # from a copy on its CPU device.
        strict = sys.modules["array_api_strict"]
        return np.from_dlpack(strict.asarray(x, device=strict.Device("CPU_DEVICE"), copy=True))
    return np.asarray(x)


def materialize(arrays: list[Any]) -> list[Any]:
    """Evaluate lazy arrays (Dask) now, so that a loop's task graph does not grow each step.

    Training loops call this on the parameters once per iteration: without it every Dask cost
    read would recompute the whole history of updates. Eager arrays are returned unchanged.

    Parameters
    ----------
    arrays : list of arrays

    Returns
    -------
    list of arrays
    """
    if not arrays or not array_api_compat.is_dask_array(arrays[0]):
        return arrays
    return list(sys.modules["dask"].persist(*arrays))


def materialize_params(params: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """:func:`materialize` for a list of (W, b) pairs; returns the same list when eager."""
    if not params or isinstance(params[0][0], np.ndarray):
        return params
    if not array_api_compat.is_dask_array(params[0][0]):
        return params
    flat = materialize([a for pair in params for a in pair])
    return list(zip(flat[0::2], flat[1::2], strict=True))


def reduce_sum(x: Any, xp: ModuleType, axis: int | None = None, keepdims: bool = False) -> Any:
    """``xp.sum(x, axis=axis, keepdims=keepdims)``, minus NumPy's Python wrapper.

    ``np.sum`` spends about 0.5 µs in Python before its ``ufunc.reduce`` does the work: on the
    small arrays of a small network, where the training loop sums a few arrays every step, that
    is half of each call. Other libraries get their own ``sum``.

    Parameters
    ----------
    x : array
    xp : module
        The namespace of ``x``.
    axis : int, optional
        None sums every element.
    keepdims : bool, default False

    Returns
    -------
    array
    """
    if xp is np:
        # numpy's stubs type keepdims only as a literal True/False
        return np.add.reduce(x, axis=axis, keepdims=keepdims)  # type: ignore[call-overload]
    return xp.sum(x, axis=axis, keepdims=keepdims)


def total_sum(arrays: list[Any], xp: ModuleType) -> Any:
    """Σ over every element of every array, as one 0-d value (for finiteness checks).

    Parameters
    ----------
    arrays : list of arrays
    xp : module

    Returns
    -------
    array
    """
    total = reduce_sum(arrays[0], xp)
    for a in arrays[1:]:
        total = total + reduce_sum(a, xp)
    return total


def to_backend_like(host: Any, like: Any) -> Any:
    """Move host data to the library and device of the array ``like``.

    Used at the boundary to return results in the library the user's input came in.
    """
    owner = library_of(like)
    if owner is None:
        return np.asarray(host)
    xp = array_namespace(like)
    if owner == "cupy":
        with array_api_compat.device(like):
            return xp.asarray(host)
    if owner == "dask":
        return xp.asarray(host)
    return xp.asarray(host, device=array_api_compat.device(like))


def _devices(name: str) -> list[str]:
    try:
        if name == "numpy" or name == "dask":
            return ["cpu"]
        module = importlib.import_module(_IMPORT_NAME[name])
        if name == "cupy":
            return [f"cuda:{i}" for i in range(_cuda_device_count(module))] or [
                "none (no usable CUDA device)"
            ]
        if name == "torch":
            n = module.cuda.device_count() if module.cuda.is_available() else 0
            return ["cpu", *(f"cuda:{i}" for i in range(n))]
        if name == "jax":
            return [str(d) for d in module.devices()]
        return [str(d) for d in module.__array_namespace_info__().devices()]
    except Exception as exc:  # a broken optional install must not break `info`
        return [f"error: {type(exc).__name__}: {exc}"]


def _numpy_blas() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown"


def info(*, probe_devices: bool = True) -> dict[str, Any]:
    """Describe every backend: installed or not, version, devices, and which one is active.

    Parameters
    ----------
    probe_devices : bool, default True
        Import each installed library to list its devices. False keeps it import-free.

    Returns
    -------
    dict
        ``{"active": ..., "device": ..., "numpy_blas": ..., "backends": {name: {...}}}``.
        ``active`` is None when ``NNBACKEND`` holds an invalid value; ``error`` then says why.
    """
    result: dict[str, Any] = {"numpy_blas": _numpy_blas(), "backends": {}}
    try:
        active = get_backend()
        result["active"] = active.name
        result["device"] = "default" if active.device is None else str(active.device)
    except BackendError as exc:
        result["active"] = None
        result["error"] = str(exc)
    for name in BACKEND_NAMES:
        installed = _is_installed(name)
        entry: dict[str, Any] = {"installed": installed, "version": _version(name)}
        if installed and probe_devices:
            entry["devices"] = _devices(name)
        result["backends"][name] = entry
    return result
