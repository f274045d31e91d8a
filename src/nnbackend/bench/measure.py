"""Measurement: timing steps in interleaved samples, peak memory, the matrix-product rate.

Every timed thing (a row's step, a plain matrix product) is a :class:`Timed` item. The items
of one case are timed together by :func:`interleave`: one sample of each in turn, round after
round, so that a shared machine's drift in load hits them all alike instead of whichever ran
during a busy moment. Each sample runs the step as many times as fill
:data:`MIN_SAMPLE_S` and reports the time per call, so that the clock's resolution and one
call's jitter stay small against what is measured. The rows report the median of their
samples and the spread (:func:`summarize`).
"""

from __future__ import annotations

import gc
import importlib.metadata
import itertools
import math
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnbackend import backends
from nnbackend.bench import peers
from nnbackend.bench.cases import Case, Product, product_shapes
from nnbackend.bench.implementations import nnbackend_step

__all__ = [
    "MIN_SAMPLE_S",
    "Timed",
    "cpu_name",
    "interleave",
    "matmul_rate",
    "measure_memory",
    "percent_of_matmul",
    "product_rate",
    "summarize",
    "time_step",
    "versions",
]

MIN_SAMPLE_S: float = 0.01
"""The shortest a timed sample may be, in seconds. A step of a few microseconds timed one
call at a time reads mostly the clock and the scheduler (a timer tick is 0.1–1 ms on a busy
machine): 10 ms keeps that under a few percent."""

Clock = Callable[[], float]


@dataclass
class Timed:
    """One thing to time, in turn with others.

    Attributes
    ----------
    name : str
    step : callable
        One call of what is timed.
    sync : callable
        Waits for the device (a no-op on the CPU); called once per sample.
    budget_s : float
        Seconds of samples to take, at least ``min_samples`` of them.
    warmup : int, default 3
        Untimed calls first (at least one: it also sizes the samples).
    min_samples : int, default 5
    max_samples : int, default 200
    """

    name: str
    step: Callable[[], None]
    sync: Callable[[], None]
    budget_s: float
    warmup: int = 3
    min_samples: int = 5
    max_samples: int = 200


def _calls_per_sample(item: Timed, min_sample_s: float, clock: Clock) -> int:
    # the warm-up calls, each timed: the fastest sizes the samples (the first is often cold)
    fastest = math.inf
    for _ in range(max(item.warmup, 1)):
        start = clock()
        item.step()
        item.sync()
        fastest = min(fastest, clock() - start)
    if fastest <= 0:
        return 1000
    return max(1, min(10_000, math.ceil(min_sample_s / fastest)))


def interleave(
    items: Sequence[Timed],
    min_sample_s: float = MIN_SAMPLE_S,
    clock: Clock = time.perf_counter,
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Time ``items`` in alternating samples; return each one's seconds per call.

    Every item is warmed up first, then each round takes one sample of every item still
    running, in alternating order (forward, then backward), so that no item always follows
    the same one. An item stops once it has ``min_samples`` and its ``budget_s`` is spent, or
    at ``max_samples``.

    Parameters
    ----------
    items : sequence of Timed
        Distinct names.
    min_sample_s : float, default :data:`MIN_SAMPLE_S`
        Each sample repeats the step this long at least (as sized during the warm-up).
    clock : callable, default time.perf_counter
        Seconds, monotonic (a test passes a fake one).

    Returns
    -------
    times : dict
        name → seconds per call of each sample, in the order taken.
    errors : dict
        name → ``"error: Type: message"`` for an item whose step raised; it is dropped from
        the rounds and has no entry in ``times``.
    """
    times: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    spent: dict[str, float] = {}
    calls: dict[str, int] = {}
    active: list[Timed] = []
    for item in items:
        try:
            calls[item.name] = _calls_per_sample(item, min_sample_s, clock)
        except Exception as exc:  # one row failing must not sink the others
            errors[item.name] = f"error: {type(exc).__name__}: {exc}"[:200]
            continue
        times[item.name], spent[item.name] = [], 0.0
        active.append(item)
    rounds = 0
    while active:
        for item in active if rounds % 2 == 0 else active[::-1]:
            n = calls[item.name]
            try:
                start = clock()
                for _ in range(n):
                    item.step()
                item.sync()
                elapsed = clock() - start
            except Exception as exc:
                errors[item.name] = f"error: {type(exc).__name__}: {exc}"[:200]
                del times[item.name]
                continue
            times[item.name].append(elapsed / n)
            spent[item.name] += elapsed
        rounds += 1
        active = [
            item
            for item in active
            if item.name in times
            and len(times[item.name]) < item.max_samples
            and (len(times[item.name]) < item.min_samples or spent[item.name] < item.budget_s)
        ]
    return times, errors


def summarize(times: Sequence[float]) -> dict[str, float]:
    """The median of the samples and their spread.

    Parameters
    ----------
    times : sequence of float
        At least one.

    Returns
    -------
    dict
        ``median``, ``min``, ``max`` and the quartiles ``q1``, ``q3`` (inclusive method; with
        one sample all five are that sample).
    """
    ordered = sorted(times)
    q1, _, q3 = (
        statistics.quantiles(ordered, n=4, method="inclusive")
        if len(ordered) > 1
        else (ordered[0],) * 3
    )
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": q1,
        "q3": q3,
    }


def time_step(
    step: Callable[[], None],
    sync: Callable[[], None],
    budget_s: float,
    warmup: int = 2,
    min_rounds: int = 3,
    max_rounds: int = 50,
    min_sample_s: float = MIN_SAMPLE_S,
    clock: Clock = time.perf_counter,
) -> list[float]:
    """Time one step alone (see :func:`interleave`); return the seconds per call of each sample.

    Raises
    ------
    RuntimeError
        When the step raised; the message names its exception.
    """
    item = Timed("step", step, sync, budget_s, warmup, min_rounds, max_rounds)
    times, errors = interleave([item], min_sample_s, clock)
    if errors:
        raise RuntimeError(f"the step failed: {errors['step']}")
    return times["step"]


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


def product_rate(product: Product, times: Sequence[float]) -> float:
    """GFLOP/s of a product from its samples: its fastest one.

    The fastest sample is what the device can attain on that shape; interference from other
    work on a shared machine only ever slows a sample down.
    """
    return product.flops / min(times) / 1e9


def percent_of_matmul(
    flops: float, times: Sequence[float], peak_gflops: float | None
) -> tuple[float | None, float | None, str | None]:
    """A row's median rate as a percentage of the matrix-product rate beside it; never over 100.

    The reference is the peak rate of the step's own products timed alone (``peak_gflops``).
    A step cannot do its products faster than they run alone, unless that peak was timed
    low (a busy moment, a slower code path for the lone product); so where the row's own
    fastest sample beats it, that sample's rate is the reference instead: the device
    demonstrably attains it. The median is never faster than the fastest sample, so the
    percentage is at most 100 by construction.

    Parameters
    ----------
    flops : float
        The matrix-product FLOPs of one step.
    times : sequence of float
        The row's seconds per step, one per sample.
    peak_gflops : float or None
        None: no product was timed on the row's device.

    Returns
    -------
    percent : float or None
    reference_gflops : float or None
    reference : {"products", "own fastest sample"} or None
    """
    if peak_gflops is None or not times:
        return None, None, None
    median_rate = flops / statistics.median(times) / 1e9
    best_rate = flops / min(times) / 1e9
    if best_rate > peak_gflops:
        return 100 * median_rate / best_rate, best_rate, "own fastest sample"
    return 100 * median_rate / peak_gflops, peak_gflops, "products"


def matmul_rate(
    case: Case, dtype: str, device: str, budget_s: float, library: str | None = None
) -> float | None:
    """The peak GFLOP/s over the plain matrix products a step of ``case`` computes.

    Each of the case's product shapes (:func:`~nnbackend.bench.cases.product_shapes`) is
    timed in interleaved samples, and the best rate of any of them is returned.

    Parameters
    ----------
    case : Case
    dtype : {"float32", "float64"}
    device : {"cpu", "gpu"}
    budget_s : float
        Seconds per product shape.
    library : str, optional
        See :func:`~nnbackend.bench.peers.product_step`.

    Returns
    -------
    float or None
        None when there is no such device.
    """
    items, shapes = [], {}
    for product in product_shapes(case.layer_dims, case.m):
        built = peers.product_step(product, dtype, device, library)
        if built is not None:
            items.append(Timed(product.label, *built, budget_s))
            shapes[product.label] = product
    if not items:
        return None
    times, _ = interleave(items)
    rates = [product_rate(shapes[name], t) for name, t in times.items()]
    return max(rates, default=None)


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
