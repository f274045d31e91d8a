"""Running the benchmark: every implementation on every case; the ``nnbackend bench`` command."""

from __future__ import annotations

import datetime
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from nnbackend import backends
from nnbackend.backends.numpy import numpy_blas_runtime
from nnbackend.bench import peers
from nnbackend.bench.cases import (
    Case,
    default_cases,
    matmul_flops,
    predicted_loop_seconds,
    quick_cases,
)
from nnbackend.bench.implementations import (
    available_implementations,
    device_of,
    make_step,
    row_of,
)
from nnbackend.bench.measure import cpu_name, matmul_rate, measure_memory, time_step, versions
from nnbackend.bench.parity import interleaved, peer_pairs
from nnbackend.bench.report import format_parity, format_table, plot, scaling_slope

__all__ = ["Measurement", "benchmarked_backends", "run", "run_from_cli"]


def benchmarked_backends() -> tuple[str, ...]:
    """The registered backends the benchmark can time (``--backends`` accepts these).

    Returns
    -------
    tuple of str
    """
    return tuple(
        name for name in backends.registered() if backends.get(name).benchmark_device is not None
    )


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
        ``{"meta": ..., "matmul_gflops": ..., "results": [Measurement as dict, ...],
        "parity": [...]}``: ``parity`` holds, per case, nnbackend's step on each library
        against the hand-written step on the same library, timed in alternating samples
        (:mod:`nnbackend.bench.parity`).
    """
    say = progress or (lambda line: None)
    results: list[Measurement] = []
    parity: list[dict[str, Any]] = []
    pairs = peer_pairs(implementations)
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
            if any(device_of(impl) == "gpu" for impl in implementations):
                case_rates["gpu"] = matmul_rate(case, dtype, "gpu", min(budget_s, 1.0))
        rates[case.label] = case_rates
        for impl in implementations:
            done += 1
            device = device_of(impl)
            entry = Measurement(case.name, model, list(case.layer_dims), case.m, impl, device)
            results.append(entry)
            case_entries.append(entry)
            if too_big:
                entry.status = "skipped (memory)"
                continue
            if impl == "loop" and predicted_loop_seconds(case) > budget_s:
                entry.status = "skipped (budget)"
                continue
            row = row_of(impl)
            skipped = None if row.skips is None else row.skips(case)
            if skipped is not None:
                entry.status = skipped
                continue
            say(f"[{done}/{total}] {case.label} · {impl}")
            try:
                step, sync = make_step(case, impl, dtype)
                times = time_step(
                    step,
                    sync,
                    budget_s,
                    warmup=1 if impl == "loop" else row.warmup,
                    min_rounds=1 if impl == "loop" else row.min_rounds,
                )
                times = [t / row.steps_per_call for t in times]
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
        measured = {e.implementation for e in case_entries if e.status == "ok"}
        # a pair holds two copies of the data at once
        pairs_fit = not too_big and 2 * case.data_bytes * (np.dtype(dtype).itemsize / 8) * 3 <= (
            memory_limit_bytes
        )
        for ours, peer in pairs if pairs_fit else []:
            if ours not in measured or peer not in measured:
                continue
            say(f"{case.label}: {ours} against {peer}, interleaved")
            try:
                ours_s, peer_s, samples = interleaved(
                    make_step(case, ours, dtype), make_step(case, peer, dtype), budget_s
                )
            except Exception as exc:  # as above: one pair failing must not sink the run
                say(f"{case.label}: {ours} against {peer} failed: {type(exc).__name__}: {exc}")
                continue
            finally:
                gc.collect()
            parity.append(
                {
                    "case": case.label,
                    "ours": ours,
                    "peer": peer,
                    "ours_s": ours_s,
                    "peer_s": peer_s,
                    "ratio": ours_s / peer_s,
                    "samples": samples,
                }
            )
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {cpu_name()}, "
        f"{os.cpu_count()} cores",
        "gpu": peers.gpu_name() if any(device_of(i) == "gpu" for i in implementations) else None,
        "dtype": dtype,
        "budget_s": budget_s,
        "versions": versions(),
        "numpy_blas": numpy_blas_runtime(),
        "flops_counted": "matrix products only: forward, dW and dA_prev (no dX)",
        "loop_precision": "Python floats (float64) whatever the dtype",
    }
    return {
        "meta": meta,
        "matmul_gflops": rates,
        "results": [asdict(r) for r in results],
        "parity": parity,
    }


def run_from_cli(args: Any) -> int:
    """``nnbackend bench``: run, print the table, write JSON and the plot if asked."""
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    known = benchmarked_backends()
    unknown = set(names) - set(known)
    if unknown:
        print(
            f"error: --backends {args.backends!r}: unknown {sorted(unknown)}; expected a "
            f"comma-separated subset of {','.join(known)}",
            file=sys.stderr,
        )
        return 2
    if args.plot:
        import importlib.util

        if importlib.util.find_spec("matplotlib") is None:
            print("error: --plot needs matplotlib: pip install 'nnbackend[plot]'", file=sys.stderr)
            return 2
    implementations, missing = available_implementations(names)
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
    if report["parity"]:
        print()
        print(format_parity(report))
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
