"""Hand-written peers: the steps nnbackend is compared with, written directly in each library.

This is the benchmark's only code that names libraries: an explicit Python loop, a NumPy step as
the course's notebooks write it, a PyTorch eager step with autograd and a ``jax.jit`` step, plus
plain matrix products for each device's attainable rate.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from nnbackend.bench.cases import Case, Product, problem

__all__ = [
    "PEERS",
    "PRODUCT_LIBRARIES",
    "Peer",
    "Step",
    "gpu_name",
    "has_cuda_cupy",
    "has_cuda_torch",
    "has_jax_gpu",
    "jax_step",
    "loop_step",
    "matmul_step",
    "numpy_course_step",
    "product_step",
    "sync_none",
    "torch_step",
]

Step = tuple[Callable[[], None], Callable[[], None]]
"""A step callable and the callable that waits for its device (a no-op on the CPU)."""


def sync_none() -> None:
    """Nothing to wait for: CPU work is finished when the call returns."""
    return None


def torch_step(case: Case, dtype: str, device: str):
    import torch

    X, Y, host = problem(case, dtype)
    dev = torch.device(device)
    tX, tY = torch.from_numpy(X).to(dev), torch.from_numpy(Y).to(dev)
    params = [
        torch.from_numpy(a.copy()).to(dev).requires_grad_(True) for pair in host for a in pair
    ]
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[case.hidden]
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step() -> None:
        a = tX
        for i in range(0, len(params) - 2, 2):
            a = act(torch.addmm(params[i + 1], params[i], a))
        z = torch.addmm(params[-1], params[-2], a)
        loss = bce(z, tY, reduction="sum") / tY.shape[1]
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            torch._foreach_add_(params, grads, alpha=-0.01)

    def sync() -> None:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)

    return step, sync


def jax_step(case: Case, dtype: str, platform_name: str):
    import contextlib

    import jax
    import jax.numpy as jnp

    # 64-bit data needs JAX's x64 mode: on for this peer's own calls only, so that the rows
    # timed after it in the same run see JAX's defaults
    x64 = (lambda: jax.enable_x64(True)) if dtype == "float64" else contextlib.nullcontext
    dev = jax.devices(platform_name)[0]
    X, Y, host = problem(case, dtype)
    with x64():
        jX, jY = jax.device_put(X, dev), jax.device_put(Y, dev)
        params = [jax.device_put(a, dev) for pair in host for a in pair]
    act = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}[case.hidden]

    def loss(ps, X, Y):
        a = X
        for i in range(0, len(ps) - 2, 2):
            a = act(ps[i] @ a + ps[i + 1])
        z = ps[-2] @ a + ps[-1]
        return jnp.sum(jax.nn.softplus(z) - Y * z) / Y.shape[1]

    # The idiomatic training step: the data are arguments (a program closed over one data set
    # as constants would be compiled again for every other one), and the step returns its
    # cost, as every step in the table computes one (the course's loop records it; fit needs
    # it for loss_curve_, tol and the divergence check). With jax.grad alone XLA would drop
    # the cost's forward computation as dead code.
    @jax.jit
    def update(ps, X, Y):
        cost, grads = jax.value_and_grad(loss)(ps, X, Y)
        return [p - 0.01 * g for p, g in zip(ps, grads, strict=True)], cost

    state = {"params": params}

    def step() -> None:
        with x64():
            state["params"], state["cost"] = update(state["params"], jX, jY)

    def sync() -> None:
        state["params"][-1].block_until_ready()

    return step, sync


def numpy_course_step(case: Case, dtype: str):
    # A plain NumPy step written the way the course's notebooks write it: the hand-written
    # baseline that the library's own step is compared with.
    X, Y, host = problem(case, dtype)
    params = [(w.copy(), b.copy()) for w, b in host]
    m = case.m
    activations_by_name: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "relu": lambda z: np.maximum(z, 0),
        "tanh": lambda z: np.tanh(z),
        "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    }
    act = activations_by_name[case.hidden]
    deriv: Callable[[np.ndarray], np.ndarray] = {
        "relu": lambda a: (a > 0).astype(a.dtype),
        "tanh": lambda a: 1 - a**2,
        "sigmoid": lambda a: a * (1 - a),
    }[case.hidden]

    def step() -> None:
        activations = [X]
        a = X
        for w, b in params[:-1]:
            a = act(np.dot(w, a) + b)
            activations.append(a)
        w, b = params[-1]
        AL = 1 / (1 + np.exp(-(np.dot(w, a) + b)))
        cost = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
        dZ = AL - Y
        for layer in range(len(params) - 1, -1, -1):
            w, b = params[layer]
            a_prev = activations[layer]
            dW = np.dot(dZ, a_prev.T) / m
            db = np.sum(dZ, axis=1, keepdims=True) / m
            if layer > 0:
                dZ = np.dot(w.T, dZ) * deriv(a_prev)
            params[layer] = (w - 0.01 * dW, b - 0.01 * db)
        float(cost)

    return step, sync_none


def loop_step(case: Case, dtype: str):
    from nnbackend.reference import loop

    X, Y, host = problem(case, dtype)
    xs = loop.to_examples(X.astype(np.float64))
    weights, biases = loop.to_lists(host)
    state: dict[str, Any] = {"w": weights, "b": biases}
    if len(case.layer_dims) == 2:
        ys = Y[0].astype(np.float64).tolist()
        state["w1"], state["b1"] = weights[0][0], biases[0][0]

        def step() -> None:
            state["w1"], state["b1"], *_ = loop.logistic_regression_step(
                state["w1"], state["b1"], xs, ys, 0.01
            )
    else:
        ys2 = Y.T.astype(np.float64).tolist()

        def step() -> None:
            state["w"], state["b"], *_ = loop.network_step(
                state["w"], state["b"], xs, ys2, 0.01, hidden=case.hidden
            )

    return step, sync_none


def has_cuda_cupy() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def has_cuda_torch() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:
        return False


def has_jax_gpu() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except Exception:
        return False


def gpu_name() -> str | None:
    if has_cuda_cupy():
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
    if has_cuda_torch():
        import torch

        return str(torch.cuda.get_device_name(0))
    return None


PRODUCT_LIBRARIES: tuple[str, ...] = ("numpy", "torch", "cupy")
"""The libraries :func:`product_step` times a plain product on."""


def _operands(product: Product, dtype: str) -> tuple[np.ndarray, np.ndarray]:
    # the operands as the step holds them: a transposed one is stored the other way round
    rng = np.random.default_rng(0)
    p = product
    a_shape = (p.inner, p.rows) if p.form == "tn" else (p.rows, p.inner)
    b_shape = (p.cols, p.inner) if p.form == "nt" else (p.inner, p.cols)
    return (
        rng.standard_normal(a_shape, dtype=np.float32).astype(dtype),
        rng.standard_normal(b_shape, dtype=np.float32).astype(dtype),
    )


def _as_written(matmul: Callable[[Any, Any], Any], form: str) -> Callable[[Any, Any], Any]:
    if form == "nt":
        return lambda a, b: matmul(a, b.T)
    if form == "tn":
        return lambda a, b: matmul(a.T, b)
    return matmul


def product_step(
    product: Product, dtype: str, device: str, library: str | None = None
) -> Step | None:
    """One plain matrix product, written as a step writes it, on ``library`` and ``device``.

    Parameters
    ----------
    product : Product
    dtype : {"float32", "float64"}
    device : {"cpu", "gpu"}
    library : str, optional
        One of :data:`PRODUCT_LIBRARIES`. None: NumPy on the CPU; on a GPU CuPy, else torch
        CUDA.

    Returns
    -------
    (step, sync) or None
        None when that library cannot run a product on that device here.
    """
    a, b = _operands(product, dtype)
    if library is None:
        library = "numpy" if device == "cpu" else ("cupy" if has_cuda_cupy() else "torch")
    if device == "cpu" and library == "numpy":
        product_of = _as_written(np.matmul, product.form)

        def step() -> None:
            product_of(a, b)

        return step, sync_none
    if library == "cupy" and device == "gpu" and has_cuda_cupy():
        import cupy

        ga, gb = cupy.asarray(a), cupy.asarray(b)
        cupy_product = _as_written(cupy.matmul, product.form)

        def gpu_step() -> None:
            cupy_product(ga, gb)

        def sync() -> None:
            cupy.cuda.Device().synchronize()

        return gpu_step, sync
    if library == "torch" and (device == "cpu" or has_cuda_torch()):
        try:
            import torch
        except ImportError:
            return None
        dev = torch.device("cuda" if device == "gpu" else "cpu")
        ta, tb = torch.from_numpy(a).to(dev), torch.from_numpy(b).to(dev)
        torch_product = _as_written(torch.matmul, product.form)

        def torch_step() -> None:
            torch_product(ta, tb)

        def torch_sync() -> None:
            if dev.type == "cuda":
                torch.cuda.synchronize()

        return torch_step, torch_sync
    return None


def matmul_step(case: Case, dtype: str, device: str) -> Step | None:
    """A plain product the size of the case's largest layer, on "cpu" (NumPy) or "gpu".

    The GPU product runs on CuPy, else torch CUDA; None when there is no GPU.

    Returns
    -------
    (step, sync) or None
    """
    dims = case.layer_dims
    n, k = max(zip(dims[1:], dims[:-1], strict=True), key=lambda nk: nk[0] * nk[1])
    return product_step(Product(n, k, case.m, "nn"), dtype, device)


class Peer(NamedTuple):
    """A hand-written implementation: its name, library, device, builder and GPU probe."""

    name: str
    library: str | None
    device: str
    build: Callable[[Case, str], Step]
    probe: Callable[[], bool] | None = None


PEERS: tuple[Peer, ...] = (
    Peer("loop", None, "cpu", loop_step),
    Peer("numpy-course", "numpy", "cpu", numpy_course_step),
    Peer("torch-eager", "torch", "cpu", partial(torch_step, device="cpu")),
    Peer("jax-jit", "jax", "cpu", partial(jax_step, platform_name="cpu")),
    Peer("torch-eager-cuda", "torch", "gpu", partial(torch_step, device="cuda"), has_cuda_torch),
    Peer("jax-jit-gpu", "jax", "gpu", partial(jax_step, platform_name="gpu"), has_jax_gpu),
)
"""Every hand-written peer; :mod:`nnbackend.bench.implementations` puts them in table order."""
