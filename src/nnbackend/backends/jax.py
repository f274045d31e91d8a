"""The JAX adapter: immutable arrays on CPU or GPU, and training compiled with ``jax.jit``.

float64 is first-class in nnbackend, but JAX computes in 32 bits unless ``jax_enable_x64`` is
on. nnbackend no longer turns it on for the whole process: :meth:`JaxAdapter.computing` turns
it on for the current thread only, within nnbackend's own calls on 64-bit data (conversions,
estimators, training loops); the user's other JAX code keeps JAX's defaults.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from nnbackend._arrays import numpy_dtype
from nnbackend.backends._adapter import Adapter
from nnbackend.backends._devices import cuda_index
from nnbackend.backends.loops import Block, Compiler, Layout, Program, Score, StopRule
from nnbackend.errors import BackendError

__all__ = ["JaxAdapter", "JaxCompiler", "JaxKernels"]


class JaxAdapter(Adapter):
    """JAX on ``cpu`` or ``gpu``/``cuda:N``. Arrays are immutable: updates are functional."""

    name = "jax"
    import_name = "jax"
    distributions = ("jax",)
    install_hint = "pip install 'nnbackend[jax]'"
    writeable = False
    benchmark_device = "cpu"

    def computing(self, dtype: Any = None) -> contextlib.AbstractContextManager[Any]:
        # 64-bit data (or a front door that does not know its dtype yet) needs x64, in this
        # thread only; 32-bit work keeps whatever the caller has.
        if dtype is not None and numpy_dtype(dtype).itemsize < 8:
            return contextlib.nullcontext()
        jax = self.module()
        if jax.config.jax_enable_x64:
            return contextlib.nullcontext()
        return jax.enable_x64(True)

    _kernels: JaxKernels | None = None

    def kernels(self) -> JaxKernels:
        if self._kernels is None:
            self._kernels = JaxKernels(self.module())
        return self._kernels

    def compiler(self) -> JaxCompiler:
        if self._compiler is None:
            self._compiler = JaxCompiler(self)
        return self._compiler

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
        with self.computing(data.dtype):
            return jax.device_put(data, device)

    def from_host_all(
        self, hosts: Sequence[np.ndarray], device: Any, dtype: Any = None
    ) -> list[Any]:
        if dtype is None:  # each its own dtype, and its own x64 scope
            return super().from_host_all(hosts, device)
        jax = self.module()
        target = numpy_dtype(dtype)
        # one device_put of the list: a model's parameters cost one transfer's overhead
        data = [np.asarray(host, dtype=target) for host in hosts]
        with self.computing(target):
            return list(jax.device_put(data, device))

    def to_host(self, x: Any) -> np.ndarray:
        return np.asarray(x)


class JaxKernels:
    """What the JAX adapter offers beside the generic code: no in-place kernels (arrays are
    immutable, and XLA fuses the element-wise work of a compiled program itself), so
    :meth:`applies` is always False; but an optimizer's zeros made in one dispatch.

    Parameters
    ----------
    jax : module
    """

    #: read before :meth:`applies` by the training step, as on every adapter's kernels
    min_output_elements = 1

    def __init__(self, jax: ModuleType) -> None:
        jnp = jax.numpy
        self._zeros = jax.jit(lambda like: [jnp.zeros_like(a) for a in like])

    def applies(self, *arrays: Any) -> bool:
        """Always False: the generic code runs."""
        return False

    def zeros_like_all(self, like: list[Any]) -> list[Any]:
        """Zeros shaped, typed and placed as each array of ``like``: one dispatch for all of
        them, where ``zeros_like`` costs one apiece (a fit makes two per parameter for Adam)."""
        return list(self._zeros(list(like)))


class JaxCompiler(Compiler):
    """Training under ``jax.jit``: k iterations per dispatch in a ``lax.while_loop``.

    The step is functional: parameters and optimizer state are a pytree, donated to each
    dispatch so that XLA updates their buffers in place. Mini-batches are a ``lax.scan`` over
    the batches of each epoch, gathered on the device in the order of permutations drawn on the
    host (so that every library sees the same batches).
    """

    functional = True

    def __init__(self, adapter: Adapter) -> None:
        super().__init__(adapter)
        # by whether the device is a CPU: the namespace, made on first use
        self._traced: dict[bool, _TracedNamespace] = {}

    def namespace(self, xp: Any, device: Any = None) -> Any:
        cpu = getattr(device, "platform", None) == "cpu"
        traced = self._traced.get(cpu)
        if traced is None:
            kind = _CpuTracedNamespace if cpu else _TracedNamespace
            traced = self._traced[cpu] = kind(xp, self.adapter.module())
        return traced

    def loop(
        self, step: Callable[..., Any], layout: Layout, xp: Any, score: Score | None = None
    ) -> Program:
        return _JaxLoop(self.adapter, step, layout, score)

    def single(self, step: Callable[..., Any], layout: Layout, xp: Any) -> Any:
        return _JaxLoop(self.adapter, step, layout)


class _TracedNamespace:
    """array-api-compat's JAX namespace, plus the backward pass's transposed products written
    as single contractions (``lax.dot_general``).

    ``xp.matmul(dZ, A.T)`` traces a transpose and a product; XLA on the CPU does not fold the
    two, and copies A to transpose it at every step: for the first layer that is the whole data
    set (measured: 40% of a logistic-regression step with m = 10⁵). See
    :func:`nnbackend._arrays.matmul_nt`.
    """

    def __init__(self, compat: Any, jax: Any) -> None:
        self._compat = compat
        self._dot_general = jax.lax.dot_general

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compat, name)

    def matmul_nt(self, a: Any, b: Any) -> Any:
        return self._dot_general(a, b, (((1,), (1,)), ((), ())))

    def matmul_tn(self, a: Any, b: Any) -> Any:
        return self._dot_general(a, b, (((0,), (0,)), ((), ())))


#: The longest axis :class:`_CpuTracedNamespace` sums as a product: a mini-batch's examples or
#: a small data set's. Past it the reduction's own cost outweighs a kernel's launch, and
#: XLA's reduction (a tree of partial sums) keeps its float32 rounding.
_PRODUCT_SUM_MAX = 4096


class _CpuTracedNamespace(_TracedNamespace):
    """:class:`_TracedNamespace` for programs that run on the CPU: small sums as products.

    XLA on the CPU runs a floating-point reduction as two kernels (partial sums over windows,
    then their sum) and does not fuse it with the element-wise work around it; a product with
    a vector of ones is one kernel. A step of a small network sums a few arrays along the
    batch (the biases' gradients, the cost) and checks every parameter for NaN, so kernel
    launches, not arithmetic, set its time: summed as products, the device loop of a
    scikit-learn-sized fit took 10-20 % less (breast cancer, digits; measured in one process,
    the two programs alternating). Accelerators keep XLA's fused reductions.
    """

    def __init__(self, compat: Any, jax: Any) -> None:
        super().__init__(compat, jax)
        self._jnp, self._cond = jax.numpy, jax.lax.cond

    def _ones_product(self, x: Any, axis: int) -> Any:
        ones = self._jnp.ones((x.shape[axis],), dtype=x.dtype)
        return self._dot_general(x, ones, (((axis,), (0,)), ((), ())))

    def sum(self, x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False) -> Any:
        """``xp.sum``; along one axis of a floating 2-D array, a product with ones."""
        jnp = self._jnp
        if (
            dtype is None
            and isinstance(axis, int)
            and x.ndim == 2
            and -2 <= axis < 2
            and x.shape[axis] <= _PRODUCT_SUM_MAX
            and jnp.issubdtype(x.dtype, jnp.floating)
        ):
            axis %= 2
            out = self._ones_product(x, axis)
            return jnp.expand_dims(out, axis) if keepdims else out
        return self._compat.sum(x, axis=axis, dtype=dtype, keepdims=keepdims)

    def all_finite(self, cost: Any, arrays: Sequence[Any]) -> Any:
        """Whether ``cost`` and every element of ``arrays`` are finite (0-d bool): the check
        of :func:`nnbackend.training.rules.finite_flag`.

        NaN and infinity survive a sum (inf - inf is NaN): one product with ones per array
        and a finite total prove every value finite. Only a non-finite total (a divergence,
        or finite values overflowing together) pays for the exact check, under ``lax.cond``.
        """
        jnp = self._jnp
        total = cost
        for a in arrays:
            total = total + self._ones_product(jnp.reshape(a, (-1,)), 0)

        def exact(_: Any) -> Any:
            finite = jnp.isfinite(cost)
            for a in arrays:
                finite = finite & jnp.all(jnp.isfinite(a))
            return finite

        return self._cond(jnp.isfinite(total), lambda _: jnp.asarray(True), exact, None)


class _JaxLoop(Program):
    device_loop = True

    def __init__(
        self,
        adapter: JaxAdapter,
        step: Callable[..., Any],
        layout: Layout,
        score: Score | None = None,
        guarded: bool = False,
    ) -> None:
        self.adapter = adapter
        self.jax = adapter.module()
        self.step = step
        self.layout = layout
        # early stopping's held-out score, traced into the loop after every iteration: one
        # forward pass over the held-out examples, stored beside the costs
        self.score = score
        # whether each mini-batch step selects the old state back where it is not finite
        self.guarded = guarded
        self._careful: _JaxLoop | None = None
        # Donated, the state's buffers are updated in place: what an accelerator's memory
        # needs. A donated state is consumed, so the caller's and every snapshot must be
        # copied first; on the CPU the state is kept instead, and a snapshot is the state.
        self._runs = {
            True: self.jax.jit(self._loop, donate_argnums=(0,)),
            False: self.jax.jit(self._loop),
        }
        self._advance = self.jax.jit(self._one, donate_argnums=(0,))
        # every array of a state copied in one dispatch, where a copy each costs one apiece
        # (a state is parameters and optimizer state: a dozen arrays or more)
        self._copy = self.jax.jit(lambda state: self.jax.tree.map(self.jax.numpy.copy, state))
        self._empty: dict[Any, Any] = {}
        self._counts: dict[tuple[Any, int], Any] = {}

    def _donates(self, state: Any) -> bool:
        leaf = self.jax.tree.leaves(state)[0]
        return any(device.platform != "cpu" for device in leaf.devices())

    def prepare(self, state: Any) -> Any:
        # The caller's arrays are never donated: a donating dispatch consumes a copy.
        return self.snapshot(state)

    def snapshot(self, state: Any) -> Any:
        # JAX arrays are immutable: only a donated state needs a copy to survive a dispatch
        return self._copy(state) if self._donates(state) else state

    @property
    def keeps_finite(self) -> bool:  # type: ignore[override]
        # The loop's condition stops after the first non-finite step, without selecting the
        # old parameters back (a pass over every parameter and the optimizer's state at every
        # step: 15% of the cat network's full-batch step, 8% of a small mini-batch fit);
        # compiled.train runs the block again up to the last finite step, with this program
        # (full batch) or with its careful twin (inside an epoch).
        return self.guarded and self.layout.batch_size is not None

    def careful(self) -> Program:
        if self.layout.batch_size is None or self.guarded:
            return self
        if self._careful is None:  # built (and compiled) only for a diverged block
            self._careful = _JaxLoop(self.adapter, self.step, self.layout, self.score, True)
        return self._careful

    # ---------------------------------------------------------------- traced
    def _one(self, state: Any, X: Any, Y: Any, scalars: Any) -> Any:
        # the loop body's full-batch step: the check is returned, not acted on
        new, _, finite = self.step(state, X, Y, scalars)
        return new, finite

    def _select(self, keep: Any, new: Any, old: Any) -> Any:
        jnp = self.jax.numpy
        return self.jax.tree.map(lambda a, b: jnp.where(keep, a, b), new, old)

    def _iteration(self, state: Any, X: Any, Y: Any, scalars: Any, perm: Any) -> tuple[Any, ...]:
        # One iteration: the full batch, or every mini-batch of one epoch in ``perm``'s order.
        # Returns (state, batch costs, all finite, batches applied).
        jnp, lax = self.jax.numpy, self.jax.lax
        if perm is None:
            new, cost, finite = self.step(state, X, Y, scalars[0])
            return new, cost[None], finite, finite.astype(jnp.int32)
        size, m = self.layout.batch_size, self.layout.m
        assert size is not None
        full = m // size
        Xp, Yp = jnp.take(X, perm, axis=1), jnp.take(Y, perm, axis=1)

        def batches(A: Any) -> Any:
            return A[:, : full * size].reshape(A.shape[0], full, size).transpose(1, 0, 2)

        def guarded(carry: tuple[Any, ...], inputs: tuple[Any, ...]) -> tuple[Any, Any]:
            st, ok, count = carry
            xb, yb, sc = inputs
            new, cost, finite = self.step(st, xb, yb, sc)
            good = ok & finite
            if self.guarded:
                new = self._select(good, new, st)
            return (new, good, count + good.astype(jnp.int32)), cost

        carry = (state, jnp.asarray(True), jnp.asarray(0, dtype=jnp.int32))
        if full:
            carry, costs = lax.scan(guarded, carry, (batches(Xp), batches(Yp), scalars[:full]))
        else:
            costs = jnp.zeros((0,), X.dtype)
        if full * size < m:
            carry, cost = guarded(
                carry, (Xp[:, full * size :], Yp[:, full * size :], scalars[full])
            )
            costs = jnp.concatenate([costs, cost[None]])
        state, ok, count = carry
        return state, costs, ok, count

    def _loop(self, state: Any, X: Any, Y: Any, scalars: Any, perms: Any, n: Any, held: Any) -> Any:
        jnp, lax = self.jax.numpy, self.jax.lax
        k, width = self.layout.block, len(self.layout.batch_sizes)

        def cond(carry: tuple[Any, ...]) -> Any:
            i, ok = carry[0], carry[1]
            return ok & (i < n)

        def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
            i, _, st, costs, scores, _ = carry
            perm = None if perms is None else perms[i]
            st, row, ok, count = self._iteration(st, X, Y, scalars[i], perm)
            costs = lax.dynamic_update_slice(costs, row[None, :], (i, jnp.asarray(0, i.dtype)))
            if self.score is not None:
                value = jnp.asarray(self.score(st, held), dtype=X.dtype)
                scores = lax.dynamic_update_slice(scores, value[None], (i,))
            return i + ok.astype(jnp.int32), ok, st, costs, scores, count

        start = (
            jnp.asarray(0, dtype=jnp.int32),
            jnp.asarray(True),
            state,
            jnp.zeros((k, width), X.dtype),
            jnp.zeros((k if self.score is not None else 0,), X.dtype),
            jnp.asarray(0, dtype=jnp.int32),
        )
        done, ok, state, costs, scores, count = lax.while_loop(cond, body, start)
        # one small array for the host to read, beside the costs and scores
        return state, costs, scores, jnp.stack([done, ok.astype(jnp.int32), count])

    # ---------------------------------------------------------------- host side
    #: The last single step's divergence check, a device scalar (read by nobody in the
    #: benchmark: the device loop's condition is what acts on it).
    last_finite: Any = None

    def advance(self, state: Any, X: Any, Y: Any, scalars: Any) -> Any:
        """One jitted step (a dispatch, nothing read back), for the benchmark.

        As in the device loop, the step's state is returned whether or not it is finite;
        :attr:`last_finite` holds the check.
        """
        if scalars is None:  # an optimizer without per-step scalars: one empty row, kept
            row = self._empty.get(None)
            if row is None:
                row = self._empty[None] = np.zeros((0,), dtype=numpy_dtype(X.dtype))
        else:
            row = np.asarray(scalars, dtype=numpy_dtype(X.dtype)).reshape(self.layout.n_scalars)
        state, self.last_finite = self._advance(state, X, Y, row)
        return state

    def run(
        self,
        state: Any,
        X: Any,
        Y: Any,
        n: int,
        scalars: np.ndarray | None = None,
        perms: np.ndarray | None = None,
        stop: StopRule | None = None,
        held: Any = None,
    ) -> Block:
        layout, jax = self.layout, self.jax
        k, width = layout.block, len(layout.batch_sizes)
        device = self.adapter.device_of(X)
        host_dtype = numpy_dtype(X.dtype)
        # the block's inputs from the host go over in one device_put (each costs a dispatch)
        hosts: dict[str, np.ndarray] = {}
        rows = None
        if layout.n_scalars:
            padded = np.zeros((k, width, layout.n_scalars), dtype=host_dtype)
            if scalars is not None:
                padded[:n] = np.asarray(scalars).reshape(n, width, layout.n_scalars)
            hosts["rows"] = padded
        else:  # nothing per step (gradient descent, momentum): one empty array, kept
            rows = self._empty.get(device)
            if rows is None:
                rows = self._empty[device] = jax.device_put(
                    np.zeros((k, width, 0), dtype=host_dtype), device
                )
        if perms is not None:
            order_host = np.zeros((k, layout.m), dtype=np.int32)
            order_host[:n] = perms
            hosts["order"] = order_host
        moved = jax.device_put(hosts, device) if hosts else {}
        rows = moved.get("rows", rows)
        order = moved.get("order")
        count = self._counts.get((device, n))
        if count is None:
            # a device scalar, kept: a NumPy scalar argument costs the dispatch about
            # 0.7 ms (measured on the CPU), more than a small data set's whole block
            count = self._counts[(device, n)] = jax.device_put(np.int32(n), device)
        run = self._runs[self._donates(state)]
        state, costs, scores, meta = run(state, X, Y, rows, order, count, held)
        costs, scores, meta = jax.device_get((costs, scores, meta))
        done, ok, count = (int(v) for v in meta)
        full = layout.batch_size is None
        records = [float(costs[i, 0]) if full else costs[i].astype(np.float64) for i in range(done)]
        block = Block(state, records)
        if self.score is not None:
            block.scores = [float(v) for v in scores[:done]]
        if not bool(ok):
            block.diverged = True
            block.bad_batches = 0 if full else count
            block.bad_cost = float(costs[done, block.bad_batches])
        return block
