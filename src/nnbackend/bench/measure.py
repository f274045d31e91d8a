"""Measurement: timing a step, its peak memory, and the device's matrix-product rate."""

from __future__ import annotations

import gc
import importlib.metadata
import itertools
import platform
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from nnbackend import backends
from nnbackend.bench import peers
from nnbackend.bench.cases import Case
from nnbackend.bench.implementations import nnbackend_step

__all__ = ["cpu_name", "matmul_rate", "measure_memory", "time_step", "versions"]


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
    step, _ = nnbackend_step(case, dtype, backends.registered()[0], None)
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

    The rate of the fastest of its repeats: this is the device's attainable rate, so
    interference from other work on a shared machine must not lower it.

    Parameters
    ----------
    case : Case
    dtype : {"float32", "float64"}
    device : {"cpu", "gpu"}
    budget_s : float

    Returns
    -------
    float or None
        None when there is no such device.
    """
    built = peers.matmul_step(case, dtype, device)
    if built is None:
        return None
    dims = case.layer_dims
    n, k = max(zip(dims[1:], dims[:-1], strict=True), key=lambda nk: nk[0] * nk[1])
    times = time_step(*built, budget_s, min_rounds=5)
    return 2 * n * k * case.m / min(times) / 1e9


def versions() -> dict[str, str | None]:
    """Python's, nnbackend's, array-api-compat's and every installed backend library's version.

    Returns
    -------
    dict
    """
    out: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("nnbackend", "array-api-compat"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    for name in backends.registered():
        version = backends.get(name).version()
        if version is not None:
            out[name] = version
    return out


def cpu_name() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
