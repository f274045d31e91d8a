"""The PyTorch adapter: CPU and CUDA tensors, with no autograd involved.

Training runs on a lean path (:class:`TorchCompiler`): the step calls torch's own functions
instead of array-api-compat's wrappers where the two agree, under ``torch.inference_mode``
(nnbackend's backward is written by hand, so autograd's bookkeeping is pure cost), with the
activations, their derivatives, the optimizer's state and the update computed in place in the
step's own buffers (:class:`TorchKernels`). ``NNBACKEND_TORCH_COMPILE`` optionally
compiles the step with ``torch.compile`` (see :class:`TorchCompiler`).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.backends.loops import Compiler, HostLoop, Layout, Program, Score
from nnbackend.errors import BackendError

__all__ = ["LeanTorchNamespace", "TorchAdapter", "TorchCompiler", "TorchKernels"]


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
        # isinstance, which torch.compile can trace (array-api-compat's check it cannot), and
        # which is cheaper on the training step's path
        torch = self.loaded()
        return torch is not None and isinstance(x, torch.Tensor)

    def same_device(self, a: Any, b: Any) -> bool:
        if a is None or b is None:
            return a is b
        # torch.device("cuda") and torch.device("cuda:0") name the same GPU
        index_a = 0 if a.index is None else a.index
        index_b = 0 if b.index is None else b.index
        return bool(a.type == b.type and (a.type == "cpu" or index_a == index_b))

    def check_input(self, x: Any, name: str) -> Any:
        if x.device.type == "meta":
            # A meta tensor has a shape and a dtype but no values: there is nothing to train on
            raise TypeError(
                f"{name} is a torch tensor on the 'meta' device, which holds no data (only a "
                "shape and a dtype): pass a tensor with values, on the CPU or a GPU."
            )
        if x.layout != self.module().strided:
            raise TypeError(
                f"{name} is a sparse torch tensor (layout {x.layout}), but sparse input is not "
                f"supported: pass a dense tensor, e.g. {name}.to_dense()."
            )
        # A tensor that requires grad would make every operation record an autograd graph:
        # nnbackend's backward is hand-written, so the graph is pure cost.
        return x.detach() if x.requires_grad else x

    _kernels: TorchKernels | None = None

    def kernels(self) -> TorchKernels:
        if self._kernels is None:
            self._kernels = TorchKernels(self.module())
        return self._kernels

    def compiler(self) -> TorchCompiler:
        if self._compiler is None:
            self._compiler = TorchCompiler(self)
        return self._compiler

    def from_host(self, host: np.ndarray, device: Any, dtype: Any = None) -> Any:
        torch = self.module()
        target_dtype = host.dtype if dtype is None else numpy_dtype(dtype)
        if device is None or torch.device(device).type == "cpu":
            # NumPy makes the copy and the tensor shares it: NumPy asks the kernel for huge
            # pages on large arrays (madvise), torch's allocator does not, and a step that
            # streams a large X through its products ran 7-15 % slower on 4 KiB pages
            return torch.from_numpy(np.array(host, dtype=target_dtype, order="C", copy=True))
        tensor = torch.from_numpy(np.ascontiguousarray(host))
        return tensor.to(device=device, dtype=getattr(torch, target_dtype.name), copy=True)

    def to_host(self, x: Any) -> np.ndarray:
        if x.device.type == "meta":
            raise TypeError(
                "a torch tensor on the 'meta' device holds no data (only a shape and a dtype), "
                "so it has no values to convert: pass a tensor with values."
            )
        return x.detach().cpu().numpy()


class LeanTorchNamespace:
    """The array-API functions the training step calls, bound to torch's own functions.

    array-api-compat wraps many torch functions to fix type promotion, scalar arguments and
    edge cases for every input; each wrapper costs microseconds of Python per call, which is
    most of a small network's step. The training step calls them only on floating tensors of
    one dtype with scalar bounds, where torch's functions give the same results, so here they
    are called directly. Any other name falls through to array-api-compat's namespace.

    Parameters
    ----------
    compat : module
        array-api-compat's torch namespace.
    """

    def __init__(self, compat: ModuleType) -> None:
        import torch

        self._compat = compat
        self._torch = torch
        for name in ("matmul", "exp", "log", "log1p", "abs", "tanh", "sqrt", "isfinite"):
            setattr(self, name, getattr(torch, name))
        self.where = torch.where
        self.zeros_like = torch.zeros_like
        self.finfo = torch.finfo

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compat, name)

    def matmul_nt(self, a: Any, b: Any) -> Any:
        # a transposed view: BLAS reads it as it is
        return self._torch.matmul(a, b.T)

    def matmul_tn(self, a: Any, b: Any) -> Any:
        return self._torch.matmul(a.T, b)

    def sum(self, x: Any, /, *, axis: int | None = None, keepdims: bool = False) -> Any:
        if axis is None and not keepdims:
            return self._torch.sum(x)
        if axis is None:
            return self._compat.sum(x, keepdims=keepdims)
        return self._torch.sum(x, axis, keepdim=keepdims)

    def max(self, x: Any, /, *, axis: int | None = None, keepdims: bool = False) -> Any:
        if axis is None:
            return self._compat.max(x, keepdims=keepdims)
        return self._torch.amax(x, axis, keepdim=keepdims)

    def all(self, x: Any, /) -> Any:
        return self._torch.all(x)

    def clip(self, x: Any, /, min: float | None = None, max: float | None = None) -> Any:
        scalars = isinstance(min, float | int | None) and isinstance(max, float | int | None)
        if scalars and (min is not None or max is not None):
            return self._torch.clamp(x, min, max)
        return self._compat.clip(x, min=min, max=max)

    def minimum(self, x1: Any, x2: Any, /) -> Any:
        if isinstance(x2, float | int):
            return self._torch.clamp(x1, max=x2)
        return self._compat.minimum(x1, x2)

    def maximum(self, x1: Any, x2: Any, /) -> Any:
        if isinstance(x2, float | int):
            return self._torch.clamp(x1, min=x2)
        return self._compat.maximum(x1, x2)

    def astype(self, x: Any, dtype: Any, /, *, copy: bool = True) -> Any:
        return x.to(dtype=dtype, copy=copy)

    def take(self, x: Any, indices: Any, /, *, axis: int) -> Any:
        # the training loop's indices are permutations: never negative
        if axis == 1 and x.ndim == 2 and x.stride(0) == 1 and x.shape[0] > 1:
            # A transposed view (an estimator's X.T): its columns are rows of the tensor
            # below it. index_select along dim 1 of the view first copies all of it
            # contiguous (38 ms per mini-batch for a 10⁵ × 100 X); the rows are picked in
            # microseconds, and the batch stays a transposed view, which products read as is.
            return self._torch.index_select(x.T, 0, indices).T
        return self._torch.index_select(x, axis, indices)


class TorchKernels:
    """In-place torch operations for the step's arrays: fewer allocations, the same numbers.

    Each hidden activation overwrites its fresh Z, each activation's derivative scales its
    fresh dA in place, and the update θ - Δ is written over Δ's own buffers (``torch.sub``
    with ``out=``): the operations of the generic code, in its order, so the results are the
    generic path's bit for bit (the tests compare them). The product with its bias
    (:meth:`linear`) and the sigmoid output's cost and dZ (:meth:`sigmoid_cross_entropy_delta`)
    use torch's fused functions instead, equal to the generic path to rounding.

    Parameters
    ----------
    torch : module
    """

    #: Output sizes from which the fused output is used: always.
    min_output_elements = 1

    #: ReLU's derivative is read from A in the same pass that applies it, so the backward
    #: pass hands :meth:`hidden_delta` A instead of a sign mask (one pass over A fewer).
    relu_delta_from_activation = True

    def __init__(self, torch: ModuleType) -> None:
        self.torch = torch
        self._threshold_backward = torch.ops.aten.threshold_backward.grad_input

    def applies(self, *arrays: Any) -> bool:
        """Whether every array is a floating torch tensor of the first one's dtype, none of
        them recording autograd."""
        first, tensor = arrays[0], self.torch.Tensor
        if not isinstance(first, tensor) or not first.is_floating_point() or first.requires_grad:
            return False
        dtype = first.dtype
        for a in arrays[1:]:  # a plain loop: called a few times per step, on every step
            if not isinstance(a, tensor) or a.dtype != dtype or a.requires_grad:
                return False
        return True

    def linear(self, w: Any, a_prev: Any, b: Any) -> Any:
        """Z = W A_prev + b as one ``torch.addmm``: the bias is added inside the product (as
        the hand-written step does), not in a pass of its own. Equal to the generic
        ``matmul`` + ``+=`` to rounding."""
        return self.torch.addmm(b, w, a_prev)

    def activate_inplace(self, z: Any, name: str, slope: float = 0.01) -> bool:
        """Overwrite ``z`` with g(z); False for leaky_relu (the generic code runs)."""
        if name == "relu":
            z.clamp_(min=0)
        elif name == "tanh":
            z.tanh_()
        elif name == "sigmoid":
            # the generic 1 / (1 + exp(min(-z, bound))); torch's 1 / t is t.reciprocal() * 1
            bound = float(math.floor(math.log(float(self.torch.finfo(z.dtype).max))))
            z.neg_().clamp_(max=bound).exp_().add_(1).reciprocal_()
        elif name != "identity":
            return False
        return True

    def hidden_delta(self, da: Any, source: Any, name: str, slope: float = 0.01) -> Any:
        """dZ = dA · g'(Z) written over ``da``; None for leaky_relu (the generic code runs)."""
        if name == "identity":
            return da
        if name == "relu":
            if source.dtype == self.torch.bool:
                return da.mul_(source)  # the sign mask
            # A itself (relu_delta_from_activation): dA where A > 0, else 0, in one pass
            return self._threshold_backward(da, source, 0, grad_input=da)
        if name == "tanh":
            return da.mul_((source * source).neg_().add_(1))  # 1 - a a, rounded once
        if name == "sigmoid":
            return da.mul_(self.torch.rsub(source, 1).mul_(source))  # a (1 - a)
        return None

    def subtract_over(self, minuends: list[Any], subtrahends: list[Any]) -> list[Any]:
        """θ - Δ written over each Δ (owned by the step): one pass, no allocation."""
        for a, b in zip(minuends, subtrahends, strict=True):
            self.torch.sub(a, b, out=b)
        return subtrahends

    def zeros_like_all(self, like: list[Any]) -> list[Any] | None:
        """Zeros shaped as each tensor of ``like``, as views of one flat buffer: an optimizer's
        state made so lets :meth:`adam_steps` and :meth:`momentum_steps` update it as one
        tensor, with one call per operation instead of one per parameter. None unless every
        tensor is a floating one of one dtype (and device)."""
        if not self.applies(*like) or len({t.device for t in like}) != 1:
            return None
        flat = self.torch.zeros(
            sum(t.numel() for t in like), dtype=like[0].dtype, device=like[0].device
        )
        return self._views(flat, like)

    @staticmethod
    def _views(flat: Any, like: list[Any]) -> list[Any]:
        # split_with_sizes and view_as: torch.split and view(shape) cost twice as much
        chunks = flat.split_with_sizes([t.numel() for t in like])
        return [c.view_as(t) for c, t in zip(chunks, like, strict=True)]

    def _flat_of(self, parts: list[Any]) -> Any:
        # the flat buffer that ``parts`` are the consecutive views of (zeros_like_all's), or None
        base = parts[0]._base
        if base is None or base.dim() != 1 or parts[0].data_ptr() != base.data_ptr():
            return None
        total, pointer, size = 0, base.data_ptr(), base.element_size()
        for p in parts:
            if p._base is not base or p.data_ptr() != pointer + total * size:
                return None
            total += p.numel()
        return base if total == base.numel() else None

    def momentum_steps(self, grads: list[Any], velocity: list[Any], beta: float,
                       learning_rate: float) -> list[Any] | None:  # fmt: skip
        """Momentum's update, v ← β v + (1 - β) g in place, and the steps Δ = α v as new
        tensors, on the velocity's flat buffer (:meth:`zeros_like_all`): the generic in-place
        arithmetic in its order, the same numbers bit for bit. None when the velocity is not
        held in one flat buffer (the generic code runs)."""
        v = self._flat_of(velocity)
        if v is None:
            return None
        g = self.torch.cat([t.reshape(-1) for t in grads])
        v.mul_(beta)
        v.add_(g.mul_(1 - beta))
        return self._views(v * learning_rate, grads)

    def adam_steps(
        self, grads: list[Any], m: list[Any], v: list[Any], beta1: float, beta2: float,
        rate: float, epsilon: float,
    ) -> list[Any] | None:  # fmt: skip
        """Adam's moments updated in place and the steps Δ = α_t m / (√v + ε_t) as new
        tensors, on the moments' flat buffers (:meth:`zeros_like_all`): the generic in-place
        arithmetic in its order, the same numbers bit for bit, in a dozen calls whatever the
        number of parameters. None when a moment is not held in one flat buffer."""
        m_flat, v_flat = self._flat_of(m), self._flat_of(v)
        if m_flat is None or v_flat is None:
            return None
        g = self.torch.cat([t.reshape(-1) for t in grads])
        m_flat.mul_(beta1)
        m_flat.add_(g * (1 - beta1))
        v_flat.mul_(beta2)
        v_flat.add_(g.mul_(g).mul_(1 - beta2))
        steps = m_flat * rate
        steps.div_(v_flat.sqrt().add_(epsilon))
        return self._views(steps, grads)

    def sigmoid_cross_entropy_delta(self, z: Any, y: Any, scale: float) -> Any:
        """The sigmoid output's cost and dZ = (σ(z) - y) · scale / m written over ``z``.

        The cost is torch's fused ``binary_cross_entropy_with_logits`` (the formula of
        :func:`nnbackend.core.losses.binary_cross_entropy_with_logits`, in one pass) and σ is
        ``sigmoid_``: four passes over Z[L] instead of about fifteen, equal to the generic
        path to rounding (not bit for bit: torch's sigmoid is not written as the course's
        ``1 / (1 + exp(-z))``). The cost is a 0-d tensor, not read here.
        """
        m = z.shape[1]
        loss = self.torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="sum")
        z.sigmoid_().sub_(y).mul_(scale / m)
        return loss / m


COMPILE_BACKEND_VARIABLE = "NNBACKEND_TORCH_COMPILE_BACKEND"
"""The environment variable that picks ``torch.compile``'s backend."""


class TorchCompiler(Compiler):
    """PyTorch's training loop: lean, optionally compiled with ``torch.compile``.

    By default the step is the eager loop's, run through :class:`LeanTorchNamespace` under
    ``torch.inference_mode``: the optimizer's state is updated in place, and the parameters
    are replaced by the update only when it is finite, as in the eager loop.

    ``NNBACKEND_TORCH_COMPILE`` set to ``1`` (or to a ``torch.compile`` mode such as
    ``reduce-overhead`` or ``max-autotune``) compiles the functional form of the step with
    ``torch.compile`` instead. Compiling takes seconds to minutes, paid once per architecture,
    shape and dtype (programs are cached), so it can only pay off on long runs; it is off by
    default. ``NNBACKEND_TORCH_COMPILE_BACKEND`` picks the ``torch.compile`` backend
    (``inductor`` by default; ``aot_eager`` checks the wiring without a C++ compiler).
    """

    @property
    def functional(self) -> bool:  # type: ignore[override]
        return self._compile_mode() is not None

    @staticmethod
    def _compile_mode() -> str | None:
        value = os.environ.get("NNBACKEND_TORCH_COMPILE", "").strip()
        if value.lower() in ("", "0", "false", "no", "off"):
            return None
        return "default" if value.lower() in ("1", "true", "yes", "on") else value

    def variant(self) -> Any:
        mode = self._compile_mode()
        if mode is None:
            return None
        return (mode, self._compile_backend())

    def _compile_backend(self) -> str:
        """``NNBACKEND_TORCH_COMPILE_BACKEND``, checked against torch's list of backends."""
        value = os.environ.get(COMPILE_BACKEND_VARIABLE, "").strip() or "inductor"
        self.adapter.module()
        from torch import _dynamo

        # every registered backend, the debugging ones (aot_eager, eager) included: torch
        # would only refuse an unknown name at the first fit, deep inside compilation
        if value not in _dynamo.list_backends(exclude_tags=()):
            usual = [*_dynamo.list_backends(), "aot_eager", "eager"]
            raise BackendError(
                f"{COMPILE_BACKEND_VARIABLE}={value!r} is not a torch.compile backend. Valid "
                f"values: {', '.join(usual)} (empty means inductor), or any other name in "
                "torch._dynamo.list_backends(exclude_tags=())."
            )
        return value

    def scope(self, dtype: Any) -> contextlib.AbstractContextManager[Any]:
        torch = self.adapter.module()
        # torch.compile's guards trip over inference mode's dispatch keys: no_grad there
        return torch.no_grad() if self.functional else torch.inference_mode()

    def release(self, params: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
        # tensors made under inference mode cannot take part in autograd or be updated in
        # place outside it: the caller gets normal ones (one copy at the end of a run)
        def normal(t: Any) -> Any:
            return t.clone() if t.is_inference() else t

        return [(normal(w), normal(b)) for w, b in params]

    def namespace(self, xp: Any, device: Any = None) -> Any:
        if self._lean is None:
            self._lean = LeanTorchNamespace(xp)
        return self._lean

    _lean: LeanTorchNamespace | None = None

    def loop(
        self, step: Callable[..., Any], layout: Layout, xp: Any, score: Score | None = None
    ) -> Program:
        variant = self.variant()
        if variant is not None:
            mode, backend = variant
            torch = self.adapter.module()
            options = {} if mode == "default" else {"mode": mode}
            step = torch.compile(step, backend=backend, dynamic=False, **options)
        return HostLoop(step, layout, xp, self._move, functional=self.functional, score=score)
