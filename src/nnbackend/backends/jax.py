"""The JAX adapter: immutable arrays on CPU or GPU."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.backends.cupy import cuda_index
from nnbackend.errors import BackendError

__all__ = ["JaxAdapter"]


class JaxAdapter(Adapter):
    """JAX on ``cpu`` or ``gpu``/``cuda:N``. Arrays are immutable: updates are functional."""

    name = "jax"
    import_name = "jax"
    distributions = ("jax",)
    install_hint = "pip install 'nnbackend[jax]'"
    writeable = False
    benchmark_device = "cpu"

    def module(self) -> ModuleType:
        jax = super().module()
        # float64 is first-class in nnbackend; JAX turns it off by default.
        jax.config.update("jax_enable_x64", True)
        return jax

    def resolve_device(self, spec: str | None) -> Any:
        jax = self.module()
        try:
            if spec is None:
                return jax.devices()[0]
            if spec == "cpu":
                return jax.devices("cpu")[0]
            return jax.devices("gpu")[cuda_index(spec, self.name)]
        except (RuntimeError, IndexError) as exc:
            raise BackendError(
                f"device {spec!r} is not valid for backend 'jax': {exc}. "
                "Expected 'cpu', 'gpu', 'cuda' or 'cuda:N'."
            ) from exc

    def devices(self) -> list[str]:
        return [str(d) for d in self.module().devices()]

    def namespace(self, device: Any) -> ModuleType:
        self.module()
        jnp = importlib.import_module("jax.numpy")
        return array_api_compat.array_namespace(jnp.empty(0))

    def synchronize(self, device: Any = None, arrays: Sequence[Any] = ()) -> None:
        # JAX dispatches asynchronously: a result is ready only once it says so.
        for array in arrays:
            array.block_until_ready()

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and array_api_compat.is_jax_array(x)

    def device_of(self, x: Any) -> Any:
        return array_api_compat.device(x)

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        jax = self.module()
        data = host if dtype is None else np.asarray(host, dtype=numpy_dtype(dtype))
        return jax.device_put(data, device)

    def to_host(self, x: Any) -> np.ndarray:
        return np.asarray(x)
