"""The benchmark harness: one gradient step, timed as loops, vectorized CPU, GPU and peers.

Shared by ``nnbackend bench`` and the pytest-benchmark suite in ``benchmarks/``: both build
the same :class:`Case` objects and the same step callables from :func:`make_step`.

What is timed is one full step (forward + cost + backward + update) on fixed data, after a
warm-up. GPU steps synchronise the device before the clock is read. Every implementation gets
the same shapes, the same initial parameters (drawn on the host) and the same dtype; the
loop baseline always computes in Python floats (double precision).
"""

from __future__ import annotations

import datetime
import gc
import importlib.metadata
import itertools
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Case",
    "Measurement",
    "available_implementations",
    "default_cases",
    "make_step",
    "matmul_flops",
    "quick_cases",
    "run",
    "run_from_cli",
]

IMPLEMENTATIONS = (
    "loop",
    "numpy-course",
    "nnbackend-numpy",
    "nnbackend-fit-step",
    "nnbackend-torch",
    "nnbackend-jax",
    "torch-eager",
    "jax-jit",
    "nnbackend-cupy",
    "torch-eager-cuda",
    "jax-jit-gpu",
)
"""Implementation names, in table order.

"nnbackend-X" is the library's own code on backend X; "torch-eager" and "jax-jit" are idiomatic
peers written directly in those libraries.
"""
_GPU = {"nnbackend-cupy", "torch-eager-cuda", "jax-jit-gpu"}
_LIBRARY = {
    "numpy-course": "numpy",
    "nnbackend-numpy": "numpy",
    "nnbackend-fit-step": "numpy",
    "nnbackend-torch": "torch",
    "nnbackend-jax": "jax",
    "torch-eager": "torch",
    "jax-jit": "jax",
    "nnbackend-cupy": "cupy",
    "torch-eager-cuda": "torch",
    "jax-jit-gpu": "jax",
}


@dataclass(frozen=True)
class Case:
    """One problem: a network shape and a number of examples.

    Attributes
    ----------
    name : str
        Short label ("logreg", "planar", "cat", "wide", "large").
    layer_dims : tuple of int
        [n_x, n_1, ..., n_L]; logistic regression is [n_x, 1].
    m : int
        Examples (columns of X).
    hidden : str
        Hidden activation.
    """

    name: str
    layer_dims: tuple[int, ...]
    m: int
    hidden: str = "relu"

    @property
    def label(self) -> str:
        dims = ",".join(str(d) for d in self.layer_dims)
        return f"{self.name} [{dims}] m={self.m:g}"

    @property
    def data_bytes(self) -> int:
        """Bytes of the float64 data X (the largest array a step touches)."""
        return self.layer_dims[0] * self.m * 8


def matmul_flops(layer_dims: Sequence[int], m: int) -> int:
    """FLOPs of the matrix products one step needs (no gradient with respect to X).

    Per layer: 2 n_l n_{l-1} m for Z = W A, the same for dW = dZ Aᵀ, and for every layer but
    the first the same again for dA_prev = Wᵀ dZ. Element-wise work is not counted.
    """
    total = 0
    for layer, (n_prev, n) in enumerate(itertools.pairwise(layer_dims)):
        total += (4 if layer == 0 else 6) * n * n_prev * m
    return total


def quick_cases() -> list[Case]:
    """The ``--quick`` set: under a minute on two CPU cores."""
    return [
        Case("logreg", (2, 1), 1_000),
        Case("logreg", (2, 1), 100_000),
        Case("planar", (2, 4, 1), 400, hidden="tanh"),
        Case("cat", (12288, 20, 7, 5, 1), 209),
        Case("wide", (784, 512, 256, 1), 4096),
    ]


def default_cases() -> list[Case]:
    """The full set: logistic regression over m, and the course and matrix-bound networks."""
    cases = [Case("logreg", (2, 1), m) for m in (100, 1_000, 10_000, 100_000, 1_000_000)]
    cases += [Case("logreg", (12288, 1), m) for m in (100, 1_000, 10_000, 100_000)]
    cases += [
        Case("planar", (2, 4, 1), 400, hidden="tanh"),
        Case("cat", (12288, 20, 7, 5, 1), 209),
        Case("wide", (784, 512, 256, 1), 4096),
        Case("large", (1024, 1024, 1024, 1), 8192),
    ]
    return cases


@dataclass
class Measurement:
    """One implementation on one case."""

    case: str
    model: str
    layer_dims: list[int]
    m: int
    implementation: str
    device: str
    status: str = "ok"
    median_s: float | None = None
    times_s: list[float] = field(default_factory=list)
    speedup_vs_loop: float | None = None
    gflops: float | None = None
    pct_matmul: float | None = None
    peak_extra_mb: float | None = None
    memory_ratio: float | None = None


# ------------------------------------------------------------------ data and parameters
def _problem(case: Case, dtype: str) -> tuple[np.ndarray, np.ndarray, list[tuple[Any, Any]]]:
    from nnbackend.initializers import draw_parameters

    rng = np.random.default_rng(0)
    X = rng.standard_normal((case.layer_dims[0], case.m), dtype=np.float32).astype(dtype)
    Y = (rng.random((case.layer_dims[-1], case.m)) > 0.5).astype(dtype)
    init = "he" if case.hidden == "relu" else "xavier"
    params = draw_parameters(case.layer_dims, init, np.random.default_rng(1), dtype)
    return X, Y, params


# ------------------------------------------------------------------ step builders
def _sync_none() -> None:
    return None


def _nnbackend_step(case: Case, dtype: str, backend: str, device: str | None):
    from nnbackend import network
    from nnbackend.backend import asarray, use_backend

    X, Y, host = _problem(case, dtype)
    with use_backend(backend, device) as active:
        Xb, Yb = asarray(X), asarray(Y)
        params = [(asarray(w), asarray(b)) for w, b in host]
    xp = active.xp
    lr = 0.01
    state = {"params": params}

    def step() -> None:
        state["params"], _ = network.gradient_step(
            Xb, Yb, state["params"], lr, hidden=case.hidden, output="sigmoid", xp=xp
        )

    sync = _sync_none
    if backend == "cupy":
        import cupy

        def sync() -> None:
            cupy.cuda.Device().synchronize()
    elif backend == "jax":

        def sync() -> None:
            state["params"][-1][0].block_until_ready()

    return step, sync


def _torch_step(case: Case, dtype: str, device: str):
    import torch

    X, Y, host = _problem(case, dtype)
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


def _jax_step(case: Case, dtype: str, platform_name: str):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    dev = jax.devices(platform_name)[0]
    X, Y, host = _problem(case, dtype)
    jX, jY = jax.device_put(X, dev), jax.device_put(Y, dev)
    params = [jax.device_put(a, dev) for pair in host for a in pair]
    act = {"relu": jax.nn.relu, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid}[case.hidden]

    def loss(ps):
        a = jX
        for i in range(0, len(ps) - 2, 2):
            a = act(ps[i] @ a + ps[i + 1])
        z = ps[-2] @ a + ps[-1]
        return jnp.sum(jax.nn.softplus(z) - jY * z) / jY.shape[1]

    @jax.jit
    def update(ps):
        grads = jax.grad(loss)(ps)
        return [p - 0.01 * g for p, g in zip(ps, grads, strict=True)]

    state = {"params": params}

    def step() -> None:
        state["params"] = update(state["params"])

    def sync() -> None:
        state["params"][-1].block_until_ready()

    return step, sync


def _numpy_course_step(case: Case, dtype: str):
    # A plain NumPy step written the way the course's notebooks write it: the hand-written
    # baseline that the library's own step is compared with.
    X, Y, host = _problem(case, dtype)
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

    return step, _sync_none


def _fit_step(case: Case, dtype: str):
    # One iteration exactly as NeuralNetworkClassifier.fit runs it: the training loop's step,
    # with its cost read, divergence check and optimizer.
    from nnbackend import optimizers, training
    from nnbackend.backend import array_namespace

    X, Y, host = _problem(case, dtype)
    xp = array_namespace(X)
    optimizer = optimizers.GradientDescent(0.01)
    kwargs = {"hidden": case.hidden, "output": "sigmoid", "slope": 0.01}
    state = {"params": [(w.copy(), b.copy()) for w, b in host]}

    def step() -> None:
        state["params"], _ = training._batch_step(
            X, Y, state["params"], optimizer, kwargs, xp, 0, None
        )

    return step, _sync_none


def _loop_step(case: Case, dtype: str):
    from nnbackend.reference import loop

    X, Y, host = _problem(case, dtype)
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

    return step, _sync_none


def make_step(case: Case, implementation: str, dtype: str = "float32"):
    """Build ``(step, sync)`` for one implementation on one case.

    Parameters
    ----------
    case : Case
    implementation : str
        A name from :data:`IMPLEMENTATIONS`.
    dtype : {"float32", "float64"}

    Returns
    -------
    step : callable
        Runs one gradient step.
    sync : callable
        Waits for the device to finish (a no-op on the CPU).
    """
    if implementation == "loop":
        return _loop_step(case, dtype)
    if implementation == "nnbackend-numpy":
        return _nnbackend_step(case, dtype, "numpy", None)
    if implementation == "numpy-course":
        return _numpy_course_step(case, dtype)
    if implementation == "nnbackend-fit-step":
        return _fit_step(case, dtype)
    if implementation == "nnbackend-torch":
        return _nnbackend_step(case, dtype, "torch", "cpu")
    if implementation == "nnbackend-jax":
        return _nnbackend_step(case, dtype, "jax", "cpu")
    if implementation == "nnbackend-cupy":
        return _nnbackend_step(case, dtype, "cupy", None)
    if implementation == "torch-eager":
        return _torch_step(case, dtype, "cpu")
    if implementation == "torch-eager-cuda":
        return _torch_step(case, dtype, "cuda")
    if implementation == "jax-jit":
        return _jax_step(case, dtype, "cpu")
    if implementation == "jax-jit-gpu":
        return _jax_step(case, dtype, "gpu")
    raise ValueError(
        f"implementation={implementation!r} is not valid: expected one of {IMPLEMENTATIONS}"
    )


# ------------------------------------------------------------------ discovery
def _has_cuda_cupy() -> bool:
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def _has_cuda_torch() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:
        return False


def _has_jax_gpu() -> bool:
    try:
        import jax

        return bool(jax.devices("gpu"))
    except Exception:
        return False


def available_implementations(backends: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Which implementations can run here for the requested libraries.

    Parameters
    ----------
    backends : sequence of str
        Libraries asked for ("numpy", "cupy", "torch", "jax").

    Returns
    -------
    runnable : list of str
        Always starts with "loop".
    missing : dict
        Implementation → why it cannot run here.
    """
    import importlib.util

    runnable, missing = ["loop"], {}
    wanted = set(backends)
    probes = {
        "numpy-course": lambda: True,
        "nnbackend-fit-step": lambda: True,
        "nnbackend-numpy": lambda: True,
        "nnbackend-torch": lambda: True,
        "nnbackend-jax": lambda: True,
        "torch-eager": lambda: True,
        "jax-jit": lambda: True,
        "nnbackend-cupy": _has_cuda_cupy,
        "torch-eager-cuda": _has_cuda_torch,
        "jax-jit-gpu": _has_jax_gpu,
    }
    for name in IMPLEMENTATIONS[1:]:
        library = _LIBRARY[name]
        if library not in wanted:
            continue
        if importlib.util.find_spec(library) is None:
            missing[name] = f"{library} is not installed"
        elif not probes[name]():
            missing[name] = "no usable GPU"
        else:
            runnable.append(name)
    return runnable, missing


# ------------------------------------------------------------------ timing
def time_step(
    step: Callable[[], None],
    sync: Callable[[], None],
    budget_s: float,
    warmup: int = 2,
    min_rounds: int = 3,
    max_rounds: int = 50,
) -> list[float]:
    """Run ``step`` after ``warmup`` calls and return the per-call times in seconds.

    Each round synchronises the device before reading the clock, so GPU work is counted in
    full. Rounds continue until ``budget_s`` is spent (at least ``min_rounds``).
    """
    for _ in range(warmup):
        step()
    sync()
    times: list[float] = []
    spent = 0.0
    while len(times) < min_rounds or (spent < budget_s and len(times) < max_rounds):
        start = time.perf_counter()
        step()
        sync()
        elapsed = time.perf_counter() - start
        times.append(elapsed)
        spent += elapsed
    return times


def measure_memory(case: Case, dtype: str) -> tuple[float, float]:
    """Peak extra memory of one NumPy step (tracemalloc), and its ratio to what it must hold.

    What a step must hold: the activations backward needs (A[1..L-1] and the output), the
    parameters and the gradients.

    Returns
    -------
    peak_extra_mb : float
    ratio : float
    """
    step, _ = _nnbackend_step(case, dtype, "numpy", None)
    step()  # warm up so that one-time allocations are not counted
    gc.collect()
    itemsize = np.dtype(dtype).itemsize
    dims = case.layer_dims
    activations = sum(dims[1:]) * case.m
    params = sum(n * (p + 1) for p, n in itertools.pairwise(dims))
    must_hold = (activations + 2 * params) * itemsize
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    extra = peak - base
    return extra / 2**20, extra / must_hold


def matmul_rate(case: Case, dtype: str, device: str, budget_s: float) -> float | None:
    """GFLOP/s of a plain matrix product the size of the case's largest layer, on ``device``.

    The rate of the fastest of its repeats.

    ``device`` is "cpu" (NumPy) or "gpu" (CuPy, else torch CUDA).
    """
    dims = case.layer_dims
    n, k = max(zip(dims[1:], dims[:-1], strict=True), key=lambda nk: nk[0] * nk[1])
    m = case.m
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, k)).astype(dtype)
    b = rng.standard_normal((k, m)).astype(dtype)
    if device == "cpu":

        def step() -> None:
            np.matmul(a, b)

        sync = _sync_none
    elif _has_cuda_cupy():
        import cupy

        ga, gb = cupy.asarray(a), cupy.asarray(b)

        def step() -> None:
            cupy.matmul(ga, gb)

        def sync() -> None:
            cupy.cuda.Device().synchronize()
    elif _has_cuda_torch():
        import torch

        ta, tb = torch.from_numpy(a).cuda(), torch.from_numpy(b).cuda()

        def step() -> None:
            torch.matmul(ta, tb)

        def sync() -> None:
            torch.cuda.synchronize()
    else:
        return None
    # The best of the repeats: this is the device's attainable rate, so interference from
    # other work on a shared machine must not lower it.
    times = time_step(step, sync, budget_s, min_rounds=5)
    return 2 * n * k * m / min(times) / 1e9


# ------------------------------------------------------------------ the run
def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in (
        "nnbackend",
        "numpy",
        "array-api-compat",
        "torch",
        "jax",
        "jaxlib",
        "cupy-cuda13x",
        "cupy-cuda12x",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def _numpy_blas_runtime() -> str:
    # The BLAS NumPy calls and, when threadpoolctl is installed, the kernels and threads it
    # selected at run time: OPENBLAS_CORETYPE can make the same library 1.75x slower.
    from nnbackend.backend import _numpy_blas

    described = _numpy_blas()
    try:
        import threadpoolctl
    except ImportError:
        return described
    for pool in threadpoolctl.threadpool_info():
        if pool.get("user_api") == "blas" and "numpy" in str(pool.get("filepath", "")):
            kernels = pool.get("architecture") or "?"
            return f"{described} ({kernels} kernels, {pool.get('num_threads')} threads)"
    return described


def _gpu_name() -> str | None:
    if _has_cuda_cupy():
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        return name.decode() if isinstance(name, bytes) else str(name)
    if _has_cuda_torch():
        import torch

        return str(torch.cuda.get_device_name(0))
    return None


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _predicted_loop_seconds(case: Case) -> float:
    # About 60 ns per multiply-add in a CPython inner loop on these machines, and three
    # multiply-adds per weight and example (forward, dW, dA). Used only to decide whether to
    # run the loop at all: a size over budget is reported as skipped, never extrapolated.
    return 3 * 60e-9 * sum(a * b for a, b in itertools.pairwise(case.layer_dims)) * case.m


def run(
    cases: Sequence[Case],
    implementations: Sequence[str],
    dtype: str = "float32",
    budget_s: float = 2.0,
    memory_limit_bytes: int = 4 * 2**30,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure every implementation on every case.

    Parameters
    ----------
    cases : sequence of Case
    implementations : sequence of str
    dtype : {"float32", "float64"}
    budget_s : float, default 2.0
        Seconds of timing per measurement; a loop whose single step would take longer than
        this is reported as "skipped (budget)".
    memory_limit_bytes : int
        Cases whose data would exceed this are reported as "skipped (memory)".
    progress : callable, optional
        Called with a line describing each measurement as it starts.

    Returns
    -------
    dict
        ``{"meta": ..., "matmul_gflops": ..., "results": [Measurement as dict, ...]}``.
    """
    say = progress or (lambda line: None)
    results: list[Measurement] = []
    rates: dict[str, dict[str, float | None]] = {}
    total = len(cases) * len(implementations)
    done = 0
    for case in cases:
        flops = matmul_flops(case.layer_dims, case.m)
        model = "logistic regression" if len(case.layer_dims) == 2 else "L-layer network"
        too_big = case.data_bytes * (np.dtype(dtype).itemsize / 8) * 3 > memory_limit_bytes
        loop_time: float | None = None
        case_entries: list[Measurement] = []
        case_rates: dict[str, float | None] = {}
        if not too_big:
            say(f"{case.label}: measuring the matrix-product rate")
            case_rates["cpu"] = matmul_rate(case, dtype, "cpu", min(budget_s, 1.0))
            if any(impl in _GPU for impl in implementations):
                case_rates["gpu"] = matmul_rate(case, dtype, "gpu", min(budget_s, 1.0))
        rates[case.label] = case_rates
        for impl in implementations:
            done += 1
            device = "gpu" if impl in _GPU else "cpu"
            entry = Measurement(case.name, model, list(case.layer_dims), case.m, impl, device)
            results.append(entry)
            case_entries.append(entry)
            if too_big:
                entry.status = "skipped (memory)"
                continue
            if impl == "loop" and _predicted_loop_seconds(case) > budget_s:
                entry.status = "skipped (budget)"
                continue
            say(f"[{done}/{total}] {case.label} · {impl}")
            try:
                step, sync = make_step(case, impl, dtype)
                times = time_step(
                    step,
                    sync,
                    budget_s,
                    warmup=1 if impl == "loop" else 3,
                    min_rounds=1 if impl == "loop" else 3,
                )
            except Exception as exc:  # a peer failing must not sink the whole run
                entry.status = f"error: {type(exc).__name__}: {exc}"[:200]
                continue
            finally:
                gc.collect()
            entry.times_s = times
            entry.median_s = statistics.median(times)
            entry.gflops = flops / entry.median_s / 1e9
            rate = case_rates.get(device)
            if rate:
                entry.pct_matmul = 100 * entry.gflops / rate
            if impl == "loop":
                loop_time = entry.median_s
            if impl == "nnbackend-numpy":
                entry.peak_extra_mb, entry.memory_ratio = measure_memory(case, dtype)
        for entry in case_entries:
            if loop_time and entry.median_s:
                entry.speedup_vs_loop = loop_time / entry.median_s
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {_cpu_name()}, "
        f"{os.cpu_count()} cores",
        "gpu": _gpu_name() if any(i in _GPU for i in implementations) else None,
        "dtype": dtype,
        "budget_s": budget_s,
        "versions": _versions(),
        "numpy_blas": _numpy_blas_runtime(),
        "flops_counted": "matrix products only: forward, dW and dA_prev (no dX)",
        "loop_precision": "Python floats (float64) whatever the dtype",
    }
    return {"meta": meta, "matmul_gflops": rates, "results": [asdict(r) for r in results]}


# ------------------------------------------------------------------ report
def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def format_table(report: dict[str, Any]) -> str:
    """The results as a plain-text table (also valid Markdown)."""
    header = (
        "| case | implementation | median time / step | speedup vs loop | GFLOP/s | "
        "% of matmul rate | peak mem (× needed) |"
    )
    lines = [header, "|" + "---|" * 7]
    for r in report["results"]:
        dims = ",".join(str(d) for d in r["layer_dims"])
        case = f"{r['case']} [{dims}] m={r['m']:,}"
        if r["status"] != "ok":
            lines.append(f"| {case} | {r['implementation']} | {r['status']} | | | | |")
            continue
        speed = f"{r['speedup_vs_loop']:,.0f}×" if r["speedup_vs_loop"] else ""
        pct = f"{r['pct_matmul']:.0f} %" if r["pct_matmul"] is not None else ""
        mem = (
            f"{r['peak_extra_mb']:.1f} MB ({r['memory_ratio']:.2f}×)"
            if r["peak_extra_mb"] is not None
            else ""
        )
        lines.append(
            f"| {case} | {r['implementation']} | {_fmt_time(r['median_s'])} | {speed} | "
            f"{r['gflops']:.2f} | {pct} | {mem} |"
        )
    return "\n".join(lines)


def scaling_slope(
    report: dict[str, Any],
    n_x: int = 2,
    implementation: str = "nnbackend-numpy",
    min_m: int = 10_000,
) -> float | None:
    """The log-log slope of time per step against m for logistic regression (1 = linear).

    A least-squares fit over the sizes m ≥ ``min_m``: from 10⁴ on, the fixed cost of each call
    no longer dominates, though it still lowers the slope a little.
    """
    points = [
        (r["m"], r["median_s"])
        for r in report["results"]
        if r["case"] == "logreg"
        and r["layer_dims"][0] == n_x
        and r["implementation"] == implementation
        and r["median_s"]
        and r["m"] >= min_m
    ]
    if len(points) < 2:
        return None
    logm = np.log([p[0] for p in points])
    logt = np.log([p[1] for p in points])
    return float(np.polyfit(logm, logt, 1)[0])


def plot(report: dict[str, Any], path: str) -> None:
    """A PNG of time per step: against m for each logistic-regression width (log-log, one line
    per implementation), and per network case (bars)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    results = [r for r in report["results"] if r["median_s"]]
    widths = sorted({r["layer_dims"][0] for r in results if r["case"] == "logreg"})
    networks = []
    for r in results:
        key = (r["case"], tuple(r["layer_dims"]), r["m"])
        if r["case"] != "logreg" and key not in networks:
            networks.append(key)
    panels = len(widths) + (1 if networks else 0)
    fig, axes = plt.subplots(1, max(panels, 1), figsize=(5.2 * max(panels, 1), 4.6), squeeze=False)
    colour = {impl: f"C{i}" for i, impl in enumerate(IMPLEMENTATIONS)}
    for ax, n_x in zip(axes[0], widths, strict=False):
        for impl in IMPLEMENTATIONS:
            pts = sorted(
                (r["m"], r["median_s"])
                for r in results
                if r["implementation"] == impl
                and r["case"] == "logreg"
                and r["layer_dims"][0] == n_x
            )
            if pts:
                ax.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    "-o",
                    color=colour[impl],
                    label=impl,
                    markersize=4,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("m (examples)")
        ax.set_ylabel("median time per step (s)")
        ax.set_title(f"logistic regression, n_x = {n_x}", fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    if networks:
        ax = axes[0][panels - 1]
        present = [
            i
            for i in IMPLEMENTATIONS
            if any(r["implementation"] == i and r["case"] != "logreg" for r in results)
        ]
        width = 0.8 / max(len(present), 1)
        for j, impl in enumerate(present):
            heights = []
            for case, dims, m in networks:
                match = [
                    r["median_s"]
                    for r in results
                    if r["implementation"] == impl
                    and (r["case"], tuple(r["layer_dims"]), r["m"]) == (case, dims, m)
                ]
                heights.append(match[0] if match else np.nan)
            ax.bar(
                np.arange(len(networks)) + j * width, heights, width, color=colour[impl], label=impl
            )
        ax.set_xticks(np.arange(len(networks)) + 0.4 - width / 2)
        ax.set_xticklabels([f"{c}\nm={m:,}" for c, _, m in networks], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylabel("median time per step (s)")
        ax.set_title("networks", fontsize=10)
        ax.grid(True, axis="y", which="both", alpha=0.3)
    handles: dict[str, Any] = {}
    for ax in axes[0]:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=min(len(handles), 5),
        fontsize=8,
        frameon=False,
    )
    meta = report["meta"]
    fig.suptitle(
        f"One gradient step, {meta['dtype']} — {meta['date'][:10]} — {meta['machine']}", fontsize=10
    )
    fig.tight_layout(rect=(0, 0.12, 1, 0.95))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_from_cli(args: Any) -> int:
    """``nnbackend bench``: run, print the table, write JSON and the plot if asked."""
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"numpy", "cupy", "torch", "jax"}
    if unknown:
        print(
            f"error: --backends {args.backends!r}: unknown {sorted(unknown)}; expected a "
            "comma-separated subset of numpy,cupy,torch,jax",
            file=sys.stderr,
        )
        return 2
    if args.plot:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            print("error: --plot needs matplotlib: pip install 'nnbackend[plot]'", file=sys.stderr)
            return 2
    implementations, missing = available_implementations(backends)
    for name, why in missing.items():
        print(f"skipping {name}: {why}", file=sys.stderr)
    cases = quick_cases() if args.quick else default_cases()
    budget = args.budget if args.budget is not None else (0.5 if args.quick else 2.0)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", file=sys.stderr, flush=True)

    report = run(cases, implementations, dtype=args.dtype, budget_s=budget, progress=progress)
    report["meta"]["quick"] = bool(args.quick)
    report["meta"]["wall_s"] = round(time.perf_counter() - started, 1)
    meta = report["meta"]
    print(
        f"nnbackend bench — {meta['date']} — {meta['machine']}"
        + (f" — GPU: {meta['gpu']}" if meta["gpu"] else " — GPU: none available")
        + f" — {meta['dtype']}"
    )
    print(format_table(report))
    slope = scaling_slope(report)
    if slope is not None:
        print(f"logistic regression (n_x = 2), nnbackend-numpy: time ∝ m^{slope:.2f}")
    print(f"total {meta['wall_s']} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
        print(f"wrote {args.json}")
    if args.plot:
        plot(report, args.plot)
        print(f"wrote {args.plot}")
    return 0
