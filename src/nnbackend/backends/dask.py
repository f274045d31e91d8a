"""The Dask adapter: lazy, chunked arrays on the CPU."""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter

__all__ = ["DaskAdapter"]


class DaskAdapter(Adapter):
    """Dask arrays. They are lazy: the training loop materialises the parameters each step.

    Dask arrays accept ``+=``, but only by rebinding the name to a new lazy array: the object
    held elsewhere (in a parameter list) would not change, so they count as not writeable.
    """

    name = "dask"
    import_name = "dask.array"
    distributions = ("dask",)
    install_hint = "pip install 'nnbackend[dask]'"
    writeable = False
    lazy = True

    def namespace(self, device: Any) -> ModuleType:
        return array_api_compat.array_namespace(self.module().empty(0))

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and array_api_compat.is_dask_array(x)

    def device_of(self, x: Any) -> Any:
        return None

    def materialize(self, arrays: list[Any]) -> list[Any]:
        return list(sys.modules["dask"].persist(*arrays))

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        xp = self.namespace(device)
        return xp.asarray(host if dtype is None else np.asarray(host, dtype=numpy_dtype(dtype)))

    def to_host(self, x: Any) -> np.ndarray:
        return np.asarray(x.compute())
