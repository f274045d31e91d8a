"""The CuPy adapter: NVIDIA GPUs, fused kernels and training steps replayed as CUDA graphs.

On a GPU a kernel launch costs 10–20 µs, and the generic step launches about forty: for
networks of the course's size, launching is the step. Two capabilities answer that:

* fused kernels (:class:`~nnbackend.backends._cupy_kernels.CupyKernels`): each hidden
  activation, each activation's derivative and the sigmoid output's activation + cost + dZ[L]
  run as one kernel each;
* :class:`CupyCompiler`: full-batch training queues its steps on a stream with no host
  synchronisation in between, on buffers that never move, so that one step is captured once
  as a CUDA graph and replayed (one launch per step). Where the capture is refused (a library
  call that cannot be captured) the steps are launched one by one, with the same results.
  ``NNBACKEND_CUDA_GRAPHS=0`` turns the capture off.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.backends._cupy_kernels import CupyKernels
from nnbackend.backends._devices import cuda_index
from nnbackend.backends.loops import Compiler, HostLoop, Layout, Program, QueuedLoop, Score
from nnbackend.errors import BackendError

__all__ = ["CupyAdapter", "CupyCompiler"]


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

    _kernels: CupyKernels | None = None

    def kernels(self) -> CupyKernels:
        if self._kernels is None:
            self._kernels = CupyKernels(self.module())
        return self._kernels

    def compiler(self) -> CupyCompiler:
        if self._compiler is None:
            self._compiler = CupyCompiler(self)
        return self._compiler

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        cupy = self.module()
        target = None if dtype is None else numpy_dtype(dtype)
        with device if device is not None else cupy.cuda.Device():
            return cupy.asarray(host, dtype=target)

    def to_host(self, x: Any) -> np.ndarray:
        return x.get()


class CupyCompiler(Compiler):
    """CuPy's training loop: queued full-batch steps replayed as a CUDA graph.

    Full batches run in a :class:`~nnbackend.backends.loops.QueuedLoop` on a stream of
    their own, captured as a graph unless ``NNBACKEND_CUDA_GRAPHS`` is 0 (the loop records why
    a capture was refused, in ``graph_error``, and launches the steps one by one instead).
    Mini-batches, whose batches change every step, run the functional step in a host loop.
    """

    functional = True

    @staticmethod
    def graphs() -> bool:
        """Whether steps are captured as CUDA graphs (``NNBACKEND_CUDA_GRAPHS`` not 0)."""
        value = os.environ.get("NNBACKEND_CUDA_GRAPHS", "1").strip().lower()
        return value not in ("0", "false", "no", "off")

    def variant(self) -> Any:
        return self.graphs()

    def loop(
        self, step: Callable[..., Any], layout: Layout, xp: Any, score: Score | None = None
    ) -> Program:
        if layout.batch_size is not None:
            return HostLoop(step, layout, xp, self._move, functional=True, score=score)
        streams: list[Any] = []

        def stream() -> contextlib.AbstractContextManager[Any]:
            if not streams:
                streams.append(self._new_stream())
            return streams[0]

        return QueuedLoop(
            step,
            layout,
            xp,
            self._move,
            self.adapter.to_host,
            capture=self._capture if self.graphs() else None,
            stream=stream,
            score=score,
        )

    def single(self, step: Callable[..., Any], layout: Layout, xp: Any) -> Any:
        return self.loop(step, layout, xp)  # QueuedLoop.advance: one graph replay per call

    def _new_stream(self) -> Any:
        # capture needs a stream other than the legacy default one
        return self.adapter.module().cuda.Stream(non_blocking=True)

    def _capture(self, body: Callable[[], None], warm_up: Callable[[], None]) -> Callable[[], None]:
        cupy = self.adapter.module()
        stream = cupy.cuda.get_current_stream()
        # The graph's temporaries come from a pool of its own, kept as long as the graph: the
        # addresses it recorded are never handed to anyone else between two replays.
        pool = cupy.cuda.MemoryPool()
        with cupy.cuda.using_allocator(pool.malloc):
            warm_up()  # compiles every kernel and fills the pool: no allocation in the capture
            stream.synchronize()
            stream.begin_capture()
            try:
                body()
            finally:
                graph = stream.end_capture()

        def replay() -> None:
            graph.launch(stream)

        replay.keep_alive = (graph, pool)  # type: ignore[attr-defined]
        return replay
