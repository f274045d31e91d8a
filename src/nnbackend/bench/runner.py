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
    Product,
    default_cases,
    matmul_flops,
    predicted_loop_seconds,
    product_shapes,
    quick_cases,
)
from nnbackend.bench.drift import DRIFT_QUANTILE, drift_factor, widened
from nnbackend.bench.implementations import (
    Implementation,
    available_implementations,
    device_of,
    make_step,
    row_of,
)
from nnbackend.bench.measure import (
    MIN_SAMPLE_S,
    Timed,
    cpu_name,
    interleave,
    measure_memory,
    percent_of_matmul,
    product_rate,
    summarize,
    versions,
)
from nnbackend.bench.parity import interleaved_samples, peer_pairs
from nnbackend.bench.passes import (
    DEFAULT_PASSES,
    ROW_MIN_SAMPLES,
    PassSamples,
    check_passes,
    per_pass,
    same_round_ratios,
)
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
    """One implementation on one case.

    ``times_s`` holds the seconds per step of each sample; ``median_s`` their median,
    ``min_s``/``max_s`` their range and ``q1_s``/``q3_s`` their quartiles; ``low_s``/``high_s``
    is the printed range: the samples' range widened by the run's drift
    (:mod:`nnbackend.bench.drift`), where another run's median is expected. ``pct_matmul`` is
    the row's rate against ``matmul_gflops``: the peak of the step's own matrix products
    timed alone on the same device in the same rounds, or the row's own fastest sample where
    that was faster (``reference`` says which; see
    :func:`~nnbackend.bench.measure.percent_of_matmul`). ``relative`` is the row's time
    against the case's :data:`RELATIVE_TO` row, sample by sample within the same rounds (the
    median of those ratios; ``relative_min``/``relative_max`` their range,
    ``relative_low``/``relative_high`` the printed one, widened alike): a shared machine
    whose speed shifts between runs moves both alike, so this figure repeats where the
    absolute times do not. The samples come from every pass over the cases
    (``samples_per_pass`` counts them per pass; :mod:`nnbackend.bench.passes`), and the ratios
    pair samples of the same round of the same pass.
    """

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
    min_s: float | None = None
    max_s: float | None = None
    q1_s: float | None = None
    q3_s: float | None = None
    matmul_gflops: float | None = None
    reference: str | None = None
    relative: float | None = None
    relative_min: float | None = None
    relative_max: float | None = None
    low_s: float | None = None
    high_s: float | None = None
    relative_low: float | None = None
    relative_high: float | None = None
    samples_per_pass: list[int] = field(default_factory=list)


PAIR_MIN_SAMPLES = 9
"""Samples of each step in a parity pair at least: the range of a pair's ratios is printed, and
five samples of a 40 ms step (what a quick run's budget buys on the wide network) gave ranges
that the next run's median fell outside of."""

RELATIVE_TO = "numpy-course"
"""The row every other row of a case is also given relative to: the course's hand-written
NumPy step, present on every machine."""


def _relative_to_reference(
    entries: dict[str, Measurement], groups: dict[str, int], samples: PassSamples
) -> dict[str, list[float]]:
    # Pair the samples taken in the same round of the same pass (interleave samples every
    # active item once per round, all starting together), so each ratio compares two
    # timings a moment apart; the passes' ratios are pooled. Returns each row's ratios
    # (the reference row's own, all 1, left out).
    reference = entries.get(RELATIVE_TO)
    found: dict[str, list[float]] = {}
    if reference is None or not reference.times_s:
        return found
    for name, entry in entries.items():
        if not entry.times_s or groups.get(name) != groups.get(RELATIVE_TO):
            continue
        ratios = same_round_ratios(samples.by_pass(name), samples.by_pass(RELATIVE_TO))
        if ratios:
            entry.relative = statistics.median(ratios)
            entry.relative_min, entry.relative_max = min(ratios), max(ratios)
            if name != RELATIVE_TO:
                found[name] = ratios
    return found


def _reference_libraries(device: str, rows: Sequence[Implementation]) -> list[str | None]:
    # The plain products are timed on every library the device's rows use that can run one
    # (the device's attainable rate is the best of them), and on the host backend for the CPU.
    wanted: list[str | None] = [backends.DEFAULT_BACKEND] if device == "cpu" else []
    wanted += [row.library for row in rows if row.device == device]
    found = list(dict.fromkeys(w for w in wanted if w in peers.PRODUCT_LIBRARIES))
    return found or [None]


_PRODUCT_MIN_SAMPLES = 5
"""Samples of each plain product in all at least (their best sample is what counts)."""


def _time_case(
    case: Case,
    rows: Sequence[Implementation],
    dtype: str,
    budget_s: float,
    passes: int,
    group_size: int,
    say: Callable[[str], None],
    clock: Callable[[], float],
) -> tuple[dict[str, list[float]], dict[str, str], dict[str, int], dict[str, tuple[str, Product]]]:
    """Time a case's rows and the plain products of its step, interleaved: one pass.

    ``budget_s`` is this pass's share of each row's budget; every row takes at least its
    share of its fewest samples (:func:`~nnbackend.bench.passes.per_pass`).

    Returns
    -------
    times : dict
        Row or product name → seconds per call of each sample.
    errors : dict
        Row or product name → why it has no times.
    groups : dict
        Row name → which group of alternating samples timed it (rows that do not fit in
        memory together are timed in turns; only rows of one group were timed side by side).
    products : dict
        Product name → its device and shape.
    """
    specs: list[tuple[str, Callable[[], Timed | None]]] = []
    for row in rows:
        loop = row.name == "loop"

        def build(row: Implementation = row, loop: bool = loop) -> Timed:
            step, sync = row.build(case, dtype)
            fewest = max(ROW_MIN_SAMPLES, row.min_rounds)
            return Timed(
                row.name,
                step,
                sync,
                budget_s,
                warmup=1 if loop else row.warmup,
                min_samples=per_pass(fewest, passes),
            )

        specs.append((row.name, build))
    products: dict[str, tuple[str, Product]] = {}
    for device in dict.fromkeys(row.device for row in rows):
        for library in _reference_libraries(device, rows):
            for product in product_shapes(case.layer_dims, case.m):
                name = f"{device} {library or 'default'} {product.label}"
                products[name] = (device, product)

                def build_product(
                    product: Product = product, device: str = device, library: str | None = library
                ) -> Timed | None:
                    built = peers.product_step(product, dtype, device, library)
                    # the best sample is what counts here: a quarter of a row's budget is plenty
                    fewest = per_pass(_PRODUCT_MIN_SAMPLES, passes)
                    return (
                        None
                        if built is None
                        else Timed(product.label, *built, budget_s / 4, min_samples=fewest)
                    )

                specs.append((name, build_product))
    times: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    groups: dict[str, int] = {}
    for start in range(0, len(specs), group_size):
        group = specs[start : start + group_size]
        groups.update((name, start) for name, _ in group)
        say(f"{case.label}: timing {len(group)} steps and products in alternating samples")
        items = []
        for name, build in group:
            try:
                item = build()
            except Exception as exc:  # a peer failing must not sink the whole run
                errors[name] = f"error: {type(exc).__name__}: {exc}"[:200]
                continue
            if item is not None:
                item.name = name
                items.append(item)
        got, failed = interleave(items, clock=clock)
        times.update(got)
        errors.update(failed)
        del items
        gc.collect()
    return times, errors, groups, products


@dataclass
class _CasePlan:
    """One case in a run: its rows' entries, what is timed, and the samples of every pass."""

    case: Case
    entries: dict[str, Measurement]
    rows: list[Implementation]
    group_size: int
    pairs: list[tuple[str, str]]
    samples: PassSamples = field(default_factory=PassSamples)
    groups: dict[str, int] = field(default_factory=dict)
    products: dict[str, tuple[str, Product]] = field(default_factory=dict)
    memory: tuple[float, float] | None = None
    pair_samples: dict[tuple[str, str], list[tuple[list[float], list[float]]]] = field(
        default_factory=dict
    )
    failed_pairs: set[tuple[str, str]] = field(default_factory=set)
    ratios: list[tuple[str, list[float]]] = field(default_factory=list)  # (device, ratios)

    def pair_usable(self, pair: tuple[str, str]) -> bool:
        """Whether a pair is still timed: it never failed, and both its rows have samples."""
        ours, peer = pair
        return pair not in self.failed_pairs and ours in self.samples and peer in self.samples


def _plan_case(
    case: Case,
    implementations: Sequence[str],
    dtype: str,
    budget_s: float,
    memory_limit_bytes: int,
    pairs: Sequence[tuple[str, str]],
) -> _CasePlan:
    # Which rows of the case are timed; the others get their "skipped (...)" status now.
    model = "logistic regression" if len(case.layer_dims) == 2 else "L-layer network"
    copy_bytes = case.data_bytes * (np.dtype(dtype).itemsize / 8) * 3
    too_big = copy_bytes > memory_limit_bytes
    entries: dict[str, Measurement] = {}
    to_time: list[Implementation] = []
    for impl in implementations:
        entry = Measurement(case.name, model, list(case.layer_dims), case.m, impl, device_of(impl))
        entries[impl] = entry
        row = row_of(impl)
        skipped = None if row.skips is None else row.skips(case)
        if too_big:
            entry.status = "skipped (memory)"
        elif impl == "loop" and predicted_loop_seconds(case) > budget_s:
            entry.status = "skipped (budget)"
        elif skipped is not None:
            entry.status = skipped
        else:
            to_time.append(row)
    # a pair holds two copies of the data at once
    pairs_fit = not too_big and 2 * copy_bytes <= memory_limit_bytes
    return _CasePlan(
        case,
        entries,
        to_time,
        group_size=max(1, int(memory_limit_bytes // max(copy_bytes, 1))),
        pairs=list(pairs) if pairs_fit else [],
    )


def _time_pass(
    plan: _CasePlan,
    number: int,
    passes: int,
    dtype: str,
    budget_s: float,
    say: Callable[[str], None],
    clock: Callable[[], float],
) -> None:
    """Pass ``number`` over one case: its rows and products, then its parity pairs."""
    case = plan.case

    def tell(line: str) -> None:
        say(f"pass {number}/{passes}: {line}")

    rows = [row for row in plan.rows if not plan.samples.failed(row.name)]
    if not rows:
        return
    times, errors, groups, products = _time_case(
        case, rows, dtype, budget_s / passes, passes, plan.group_size, tell, clock
    )
    plan.groups.update(groups)
    plan.products.update(products)
    steps = {row.name: row.steps_per_call for row in rows}
    for name, why in errors.items():
        plan.samples.fail(name, why)
    for name, got in times.items():
        plan.samples.add(name, [t / steps.get(name, 1) for t in got])
    if number == 1 and "nnbackend-numpy" in times:
        # memory does not drift with the machine's speed: once is enough
        plan.memory = measure_memory(case, dtype)
    for ours, peer in plan.pairs:
        pair = (ours, peer)
        if not plan.pair_usable(pair):
            continue
        tell(f"{case.label}: {ours} against {peer}, interleaved")
        try:
            got_pair = interleaved_samples(
                make_step(case, ours, dtype),
                make_step(case, peer, dtype),
                budget_s / passes,
                min_samples=per_pass(PAIR_MIN_SAMPLES, passes),
                clock=clock,
            )
        except Exception as exc:  # as above: one pair failing must not sink the run
            tell(f"{case.label}: {ours} against {peer} failed: {type(exc).__name__}: {exc}")
            plan.failed_pairs.add(pair)
            continue
        finally:
            gc.collect()
        plan.pair_samples.setdefault(pair, []).append(got_pair)


def _finish_case(plan: _CasePlan) -> dict[str, float | None]:
    """Each row's figures over the samples of all passes; returns the products' peak rates."""
    peaks: dict[str, float | None] = {}
    for name, (device, product) in plan.products.items():
        got = plan.samples.pooled(name)
        if got:
            peaks[device] = max(product_rate(product, got), peaks.get(device) or 0.0)
        else:
            peaks.setdefault(device, None)
    flops = matmul_flops(plan.case.layer_dims, plan.case.m)
    for row in plan.rows:
        entry = plan.entries[row.name]
        if row.name not in plan.samples:
            entry.status = plan.samples.error(row.name) or "error: not timed"
            continue
        entry.times_s = plan.samples.pooled(row.name)
        entry.samples_per_pass = [len(s) for s in plan.samples.by_pass(row.name)]
        stats = summarize(entry.times_s)
        entry.median_s, entry.min_s, entry.max_s = stats["median"], stats["min"], stats["max"]
        entry.q1_s, entry.q3_s = stats["q1"], stats["q3"]
        entry.gflops = flops / entry.median_s / 1e9
        entry.pct_matmul, entry.matmul_gflops, entry.reference = percent_of_matmul(
            flops, entry.times_s, peaks.get(entry.device)
        )
        if row.name == "nnbackend-numpy" and plan.memory is not None:
            entry.peak_extra_mb, entry.memory_ratio = plan.memory
    relative = _relative_to_reference(plan.entries, plan.groups, plan.samples)
    plan.ratios += [(plan.entries[name].device, ratios) for name, ratios in relative.items()]
    loop = plan.entries.get("loop")
    loop_time = loop.median_s if loop is not None else None
    for entry in plan.entries.values():
        if loop_time and entry.median_s:
            entry.speedup_vs_loop = loop_time / entry.median_s
    return peaks


def _parity_entries(plan: _CasePlan) -> list[dict[str, Any]]:
    # The pairs of every pass pooled; each ratio still compares two samples a moment apart.
    found = []
    for (ours, peer), by_pass in plan.pair_samples.items():
        if not plan.pair_usable((ours, peer)):
            continue
        ours_times = [t for mine, _ in by_pass for t in mine]
        peer_times = [t for _, theirs in by_pass for t in theirs]
        ratios = same_round_ratios([m for m, _ in by_pass], [t for _, t in by_pass])
        plan.ratios.append((device_of(ours), ratios))
        found.append(
            {
                "case": plan.case.label,
                "ours": ours,
                "peer": peer,
                "ours_s": statistics.median(ours_times),
                "peer_s": statistics.median(peer_times),
                "ratio": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
                "samples": len(ours_times),
            }
        )
    return found


def _widen_by_drift(plans: Sequence[_CasePlan], parity: list[dict[str, Any]]) -> dict[str, Any]:
    # One drift factor for the times and one for the paired ratios on each device, each over
    # every row of the run on it (nnbackend.bench.drift): a GPU's steps do not scatter like
    # the CPU's. Every printed range is widened to its device's factor.
    entries = [entry for plan in plans for entry in plan.entries.values() if entry.times_s]
    devices: dict[str, dict[str, float]] = {}
    for device in sorted({entry.device for entry in entries}):
        devices[device] = {
            "time": drift_factor(e.times_s for e in entries if e.device == device),
            "ratio": drift_factor(
                ratios for plan in plans for d, ratios in plan.ratios if d == device
            ),
        }
    for entry in entries:
        factors = devices[entry.device]
        median, low, high = entry.median_s, entry.min_s, entry.max_s
        if median is not None and low is not None and high is not None:
            entry.low_s, entry.high_s = widened(median, low, high, factors["time"])
        # the reference row's ratios are its own samples over themselves: 1, with no spread
        ratio_factor = 1.0 if entry.implementation == RELATIVE_TO else factors["ratio"]
        relative, low, high = entry.relative, entry.relative_min, entry.relative_max
        if relative and low is not None and high is not None:
            entry.relative_low, entry.relative_high = widened(relative, low, high, ratio_factor)
    for e in parity:
        factor = devices.get(device_of(e["ours"]), {}).get("ratio", 1.0)
        low, high = e["ratio_min"], e["ratio_max"]
        e["ratio_low"], e["ratio_high"] = widened(e["ratio"], low, high, factor)
    return {
        "time": max((d["time"] for d in devices.values()), default=1.0),
        "ratio": max((d["ratio"] for d in devices.values()), default=1.0),
        "quantile": DRIFT_QUANTILE,
        "devices": devices,
    }


def run(
    cases: Sequence[Case],
    implementations: Sequence[str],
    dtype: str = "float32",
    budget_s: float = 2.0,
    memory_limit_bytes: int = 4 * 2**30,
    progress: Callable[[str], None] | None = None,
    passes: int = DEFAULT_PASSES,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Measure every implementation on every case, in several passes over the cases.

    The rows of one case and the plain matrix products of its step are timed together, in
    alternating samples of at least :data:`~nnbackend.bench.measure.MIN_SAMPLE_S` each
    (:func:`~nnbackend.bench.measure.interleave`). The run visits the cases ``passes``
    times (A, B, …, then A, B, … again), each visit with ``budget_s / passes`` per row, and
    pools each row's samples (:mod:`nnbackend.bench.passes`): each row reports the median and
    the spread of the samples of all passes, the range printed for it (that spread widened
    by the machine's drift over the run, :mod:`nnbackend.bench.drift`), and its rate as a
    percentage of the products' peak rate on its device.

    Parameters
    ----------
    cases : sequence of Case
    implementations : sequence of str
    dtype : {"float32", "float64"}
    budget_s : float, default 2.0
        Seconds of samples per row, all passes together; a loop whose single step would take
        longer than this is reported as "skipped (budget)".
    memory_limit_bytes : int
        Cases whose data would exceed this are reported as "skipped (memory)"; the rows
        whose data would not fit together are timed in turns.
    progress : callable, optional
        Called with a line describing each group of measurements as it starts.
    passes : int, default :data:`~nnbackend.bench.passes.DEFAULT_PASSES`
        Visits of every case, at least 1. Every row takes at least one sample per pass and
        :data:`~nnbackend.bench.passes.ROW_MIN_SAMPLES` in all at least.
    clock : callable, default time.perf_counter
        Seconds, monotonic (a test passes a fake one).

    Returns
    -------
    dict
        ``{"meta": ..., "matmul_gflops": ..., "results": [Measurement as dict, ...],
        "parity": [...]}``: ``meta["drift"]`` holds the run's drift factors on each device
        (``devices``: device → ``time``, ``ratio``), their largest (``time``, ``ratio``) and
        their ``quantile``; ``matmul_gflops`` holds, per case and device, the
        peak rate of the step's products; ``parity`` holds, per case, nnbackend's step on
        each library against the hand-written step on the same library, timed in
        alternating samples (:mod:`nnbackend.bench.parity`) in every pass.

    Raises
    ------
    TypeError, ValueError
        For ``passes`` not an int >= 1.
    """
    passes = check_passes(passes)
    say = progress or (lambda line: None)
    pairs = peer_pairs(implementations)
    plans = [
        _plan_case(case, implementations, dtype, budget_s, memory_limit_bytes, pairs)
        for case in cases
    ]
    for number in range(1, passes + 1):
        for plan in plans:
            _time_pass(plan, number, passes, dtype, budget_s, say, clock)
    rates: dict[str, dict[str, float | None]] = {}
    parity: list[dict[str, Any]] = []
    for plan in plans:
        rates[plan.case.label] = _finish_case(plan)
        parity += _parity_entries(plan)
    drift = _widen_by_drift(plans, parity)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {cpu_name()}, "
        f"{os.cpu_count()} cores",
        "gpu": peers.gpu_name() if any(device_of(i) == "gpu" for i in implementations) else None,
        "dtype": dtype,
        "budget_s": budget_s,
        "passes": passes,
        "min_sample_s": MIN_SAMPLE_S,
        "spread": f"min-max of the samples of {passes} passes over the cases, widened to "
        "the run's drift: [median / D, median × D] at least",
        "drift": drift,
        "relative_to": RELATIVE_TO,
        "versions": versions(),
        "numpy_blas": numpy_blas_runtime(),
        "flops_counted": "matrix products only: forward, dW and dA_prev (no dX)",
        "loop_precision": "Python floats (float64) whatever the dtype",
    }
    results = [asdict(entry) for plan in plans for entry in plan.entries.values()]
    return {"meta": meta, "matmul_gflops": rates, "results": results, "parity": parity}


_UNSTEADY = 1.25
"""A time drift from which the command tells the reader that absolute times are not steady."""


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

    passes = getattr(args, "passes", None)
    passes = DEFAULT_PASSES if passes is None else passes
    report = run(
        cases,
        implementations,
        dtype=args.dtype,
        budget_s=budget,
        progress=progress,
        passes=passes,
    )
    report["meta"]["quick"] = bool(args.quick)
    report["meta"]["wall_s"] = round(time.perf_counter() - started, 1)
    meta = report["meta"]
    print(
        f"nnbackend bench — {meta['date']} — {meta['machine']}"
        + (f" — GPU: {meta['gpu']}" if meta["gpu"] else " — GPU: none available")
        + f" — {meta['dtype']}"
    )
    drift = meta["drift"]
    relative = any(r.get("relative") for r in report["results"])
    print(
        f"each row: the median of its samples, every sample at least {MIN_SAMPLE_S * 1e3:g} ms "
        f"long, the samples from {meta['passes']} passes over the cases (in each, the rows of "
        "a case and their matrix products timed in alternating samples)"
        + (
            f"; '× {RELATIVE_TO}': the row's time over the {RELATIVE_TO} step's in the same "
            "rounds (the median of those ratios), which moves less with the machine's speed "
            "than the absolute times"
            if relative
            else ""
        )
    )
    print(
        "[range]: where another run's median is expected: the samples' min–max, widened to "
        "this run's drift, how far the samples of all rows scattered around their row's "
        f"median (the {drift['quantile']:.0%} and {1 - drift['quantile']:.0%} points): "
        + "; ".join(
            f"{device}: times ÷{d['time']:.2f} to ×{d['time']:.2f}, ratios ÷{d['ratio']:.2f} "
            f"to ×{d['ratio']:.2f}"
            for device, d in drift["devices"].items()
        )
    )
    if drift["time"] >= _UNSTEADY:
        paired = f"the '× {RELATIVE_TO}' column and " if relative else ""
        print(
            f"note: this run's samples scattered by ×{drift['time']:.2f} around their rows' "
            "medians (the machine's changes of speed and the libraries' own jitter), so its "
            f"absolute times are good to about that factor; compare rows through {paired}the "
            "parity table, measured on samples taken together"
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
