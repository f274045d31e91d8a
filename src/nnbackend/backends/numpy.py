"""The NumPy adapter: the default backend, and the host every other library converts through."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from nnbackend._arrays import array_namespace, numpy_dtype
from nnbackend.backends._adapter import Adapter

__all__ = ["NumpyAdapter", "numpy_blas", "numpy_blas_runtime"]


class NumpyAdapter(Adapter):
    """NumPy on the CPU. Its arrays are host data; it updates in place."""

    name = "numpy"
    import_name = "numpy"
    distributions = ("numpy",)
    install_hint = "pip install numpy"
    host = True
    benchmark_device = "cpu"

    def namespace(self, device: Any) -> ModuleType:
        return array_namespace(np.empty(0))

    def owns(self, x: Any) -> bool:
        return isinstance(x, np.ndarray | np.generic)

    def device_of(self, x: Any) -> Any:
        return None

    def is_writeable(self, x: Any) -> bool:
        return bool(getattr(x, "flags", None) is not None and x.flags.writeable)

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        return np.asarray(host, dtype=None if dtype is None else numpy_dtype(dtype))

    def to_host(self, x: Any) -> np.ndarray:
        return np.asarray(x)


def numpy_blas() -> str:
    """The BLAS library NumPy was built against, as ``"name version"``.

    Returns
    -------
    str
    """
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # an unusual build must not break `nnbackend info`
        return "unknown"


def numpy_blas_runtime() -> str:
    """:func:`numpy_blas` plus the kernels and threads it selected at run time.

    The kernels come from threadpoolctl when it is installed: ``OPENBLAS_CORETYPE`` can make the
    same library 1.75× slower, so a benchmark records which kernels it ran.

    Returns
    -------
    str
    """
    described = numpy_blas()
    try:
        import threadpoolctl
    except ImportError:
        return described
    for pool in threadpoolctl.threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in str(pool.get("filepath", "")):
            kernels = pool.get("architecture") or "?"
            return f"{described} ({kernels} kernels, {pool.get('num_threads')} threads)"
    return described
