"""The CuPy adapter: NVIDIA GPUs."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.errors import BackendError

__all__ = ["CupyAdapter", "cuda_index"]


def cuda_index(spec: str | None, backend: str) -> int:
    """The GPU index in ``"cuda"``, ``"cuda:N"``, ``"gpu:N"`` or ``"N"`` (None means 0).

    Parameters
    ----------
    spec : str or None
    backend : str
        The backend's name, for the error message.

    Returns
    -------
    int
    """
    if spec is None or spec in ("cuda", "gpu"):
        return 0
    for prefix in ("cuda:", "gpu:"):
        if spec.startswith(prefix) and spec[len(prefix) :].isdigit():
            return int(spec[len(prefix) :])
    if spec.isdigit():
        return int(spec)
    raise BackendError(
        f"device {spec!r} is not valid for backend {backend!r}: expected 'cuda', 'cuda:N' or N. "
        "Fix NNBACKEND_DEVICE or the device argument."
    )


class CupyAdapter(Adapter):
    """CuPy on one CUDA device; a device with no usable GPU is refused at selection."""

    name = "cupy"
    import_name = "cupy"
    distributions = ("cupy-cuda13x", "cupy-cuda12x", "cupy-cuda11x", "cupy")
    install_hint = "pip install 'nnbackend[cuda13]' (or [cuda12] for CUDA 12 drivers)"
    accelerator = True
    benchmark_device = "cuda"

    def _device_count(self) -> int:
        try:
            return int(self.module().cuda.runtime.getDeviceCount())
        except Exception:  # any CUDA runtime failure means "no usable GPU"
            return 0

    def usable(self) -> bool:
        try:
            return self._device_count() > 0
        except BackendError:
            return False

    def resolve_device(self, spec: str | None) -> Any:
        count = self._device_count()
        if count == 0:
            raise BackendError(
                "backend 'cupy' is installed but no usable CUDA device was found. Use "
                "NNBACKEND=numpy (or auto, which falls back to numpy), or run on a machine with "
                "an NVIDIA GPU and driver."
            )
        index = cuda_index(spec, self.name)
        if index >= count:
            raise BackendError(
                f"device {spec!r} is not valid for backend 'cupy': only {count} CUDA "
                f"device(s) are present (indices 0..{count - 1})."
            )
        return self.module().cuda.Device(index)

    def devices(self) -> list[str]:
        return [f"cuda:{i}" for i in range(self._device_count())] or [
            "none (no usable CUDA device)"
        ]

    def namespace(self, device: Any) -> ModuleType:
        cupy = self.module()
        with device if device is not None else cupy.cuda.Device():
            return array_api_compat.array_namespace(cupy.empty(0))

    def synchronize(self, device: Any = None, arrays: Sequence[Any] = ()) -> None:
        cupy = self.loaded()
        if cupy is not None:
            (device or cupy.cuda.Device()).synchronize()

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and array_api_compat.is_cupy_array(x)

    def device_of(self, x: Any) -> Any:
        return x.device

    def same_device(self, a: Any, b: Any) -> bool:
        # CuPy devices compare by id; None means the current device.
        if a is None or b is None:
            return a is b
        return int(a.id) == int(b.id)

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        cupy = self.module()
        target = None if dtype is None else numpy_dtype(dtype)
        with device if device is not None else cupy.cuda.Device():
            return cupy.asarray(host, dtype=target)

    def to_host(self, x: Any) -> np.ndarray:
        return x.get()
