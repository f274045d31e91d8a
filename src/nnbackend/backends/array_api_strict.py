"""The array-api-strict adapter: the standard and nothing more, for catching GPU-style bugs."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from nnbackend.backends._adapter import Adapter
from nnbackend.errors import BackendError

__all__ = ["ArrayApiStrictAdapter"]


class ArrayApiStrictAdapter(Adapter):
    """array_api_strict, whose devices are named strings (``CPU_DEVICE``, ``device1``...).

    The test suite runs it on ``device1`` with its strictest flags: device mixing and
    non-standard calls fail there as they would on a GPU.
    """

    name = "array_api_strict"
    import_name = "array_api_strict"
    distributions = ("array-api-strict", "array_api_strict")
    install_hint = "pip install array-api-strict"
    test_device = "device1"

    def resolve_device(self, spec: str | None) -> Any:
        strict = self.module()
        if spec is None:
            return None
        try:
            return strict.Device(spec)
        except ValueError as exc:
            raise BackendError(
                f"device {spec!r} is not valid for backend 'array_api_strict': {exc}"
            ) from exc

    def devices(self) -> list[str]:
        return [str(d) for d in self.module().__array_namespace_info__().devices()]

    def namespace(self, device: Any) -> ModuleType:
        return self.module()

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and type(x).__module__.startswith(self.import_name)

    def to_host(self, x: Any) -> np.ndarray:
        # array_api_strict refuses __array__ off its CPU device, by design: go through DLPack
        # from a copy on its CPU device.
        strict = self.module()
        return np.from_dlpack(strict.asarray(x, device=strict.Device("CPU_DEVICE"), copy=True))
