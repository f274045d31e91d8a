"""The PyTorch adapter: CPU and CUDA tensors, with no autograd involved."""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.errors import BackendError

__all__ = ["TorchAdapter"]


class TorchAdapter(Adapter):
    """PyTorch on ``cpu`` or ``cuda:N``.

    Only the CPU and CUDA devices are accepted: nnbackend's hand-written backward needs a
    device that computes (not ``meta``), with float64 (not ``mps``), and one that is tested.
    """

    name = "torch"
    import_name = "torch"
    distributions = ("torch",)
    install_hint = "pip install 'nnbackend[torch]'"
    test_device = "cpu"
    benchmark_device = "cpu"

    def resolve_device(self, spec: str | None) -> Any:
        torch = self.module()
        try:
            device = torch.device(spec or "cpu")
        except (RuntimeError, TypeError) as exc:
            raise BackendError(
                f"device {spec!r} is not valid for backend 'torch': {exc}. "
                "Expected 'cpu', 'cuda' or 'cuda:N'."
            ) from exc
        if device.type not in ("cpu", "cuda"):
            raise BackendError(
                f"device {spec!r} is not supported by nnbackend's torch backend: expected "
                "'cpu', 'cuda' or 'cuda:N'."
            )
        if device.type == "cuda":
            if not torch.cuda.is_available():
                raise BackendError(
                    f"device {spec!r} was asked of backend 'torch', but torch sees no usable "
                    "CUDA device. Use NNBACKEND_DEVICE=cpu or unset it."
                )
            if device.index is not None and device.index >= torch.cuda.device_count():
                raise BackendError(
                    f"device {spec!r} is not valid for backend 'torch': only "
                    f"{torch.cuda.device_count()} CUDA device(s) are present."
                )
        return device

    def devices(self) -> list[str]:
        torch = self.module()
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return ["cpu", *(f"cuda:{i}" for i in range(n))]

    def namespace(self, device: Any) -> ModuleType:
        return array_api_compat.array_namespace(self.module().empty(0))

    def synchronize(self, device: Any = None, arrays: Sequence[Any] = ()) -> None:
        torch = self.loaded()
        if torch is not None and device is not None and device.type == "cuda":
            torch.cuda.synchronize(device)

    def owns(self, x: Any) -> bool:
        return self.loaded() is not None and array_api_compat.is_torch_array(x)

    def same_device(self, a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        # torch.device("cuda") and torch.device("cuda:0") name the same GPU
        index_a = 0 if a.index is None else a.index
        index_b = 0 if b.index is None else b.index
        return bool(a.type == b.type and (a.type == "cpu" or index_a == index_b))

    def check_input(self, x: Any, name: str) -> Any:
        if x.layout != self.module().strided:
            raise TypeError(
                f"{name} is a sparse torch tensor (layout {x.layout}), but sparse input is not "
                f"supported: pass a dense tensor, e.g. {name}.to_dense()."
            )
        # A tensor that requires grad would make every operation record an autograd graph:
        # nnbackend's backward is hand-written, so the graph is pure cost.
        return x.detach() if x.requires_grad else x

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        torch = self.module()
        tensor = torch.from_numpy(np.ascontiguousarray(host))
        target = None if dtype is None else getattr(torch, numpy_dtype(dtype).name)
        return tensor.to(device=device or "cpu", dtype=target, copy=True)

    def to_host(self, x: Any) -> np.ndarray:
        return x.detach().cpu().numpy()
