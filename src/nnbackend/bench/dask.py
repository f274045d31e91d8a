"""The Dask benchmark: data-parallel training on a LocalCluster against in-memory NumPy.

Kept apart from the step benchmark (:mod:`nnbackend.bench.runner`): what is timed here is one
training iteration of a whole ``fit`` on data that lives on the workers, the unit that matters
once data leaves one process.

* **Data.** X of ``n_samples × n_features`` (float32 by default) and its labels, made on the
  workers by Dask's seeded random generator and persisted there, in ``n_chunks`` chunks of
  examples. The NumPy rows use the same numbers, computed into this process.
* **Time per iteration.** ``fit`` with ``max_iter = 1`` and with ``max_iter = 1 + k``; the
  difference over ``k``. Setup (input checks, initialisation, sending the labels) cancels.
  Every row, NumPy's included, goes through the same harness (:func:`iteration_samples`): one
  untimed ``fit`` first (imports, thread pools and caches are cold in a first call: a cold
  ``fit(1)`` once made NumPy's baseline read 1 ms against 15 ms), then ``repeats`` pairs of the
  two fits in alternating order; the row shows the median and the range of the pairs.
* **Rows.** NumPy in memory (all of this machine's cores); nnbackend on a LocalCluster of 1
  and of 2 worker processes with one thread each, for each way of sending the parameters;
  nnbackend's LogisticRegression and dask-ml's (gradient-descent solver) as an anchor, when
  dask-ml is installed.
* **Parity.** The 2-worker fit's weights against NumPy's, as the largest difference relative
  to the largest weight of each layer.

Run it with ``nnbackend bench --dask`` (``--quick`` for a small case) or, at the size of the
issue that asked for it, ``python tools/dask_scaling.py``.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_CASE",
    "QUICK_CASE",
    "DaskCase",
    "DaskRow",
    "format_dask_report",
    "iteration_samples",
    "make_data",
    "parity",
    "run_dask",
    "run_dask_from_cli",
    "time_per_iteration",
]


@dataclass(frozen=True)
class DaskCase:
    """The problem the Dask benchmark trains on.

    Attributes
    ----------
    n_samples, n_features : int
    n_chunks : int
        Chunks of examples.
    hidden : tuple of int
        Hidden layer sizes of the NeuralNetworkClassifier (relu, plain gradient descent).
    dtype : str
    iterations : int
        Timed iterations ``k`` (after one untimed).
    learning_rate : float
    seed : int
    repeats : int
        Timed pairs of fits per row (see :func:`iteration_samples`).
    """

    n_samples: int = 2_000_000
    n_features: int = 20
    n_chunks: int = 8
    hidden: tuple[int, ...] = (16,)
    dtype: str = "float32"
    iterations: int = 5
    learning_rate: float = 0.5
    seed: int = 0
    repeats: int = 3

    def __post_init__(self) -> None:
        for name in ("n_samples", "n_features", "n_chunks", "iterations", "repeats"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name}={value!r} is not valid: expected an int >= 1")
        if self.n_chunks > self.n_samples:
            raise ValueError(
                f"n_chunks={self.n_chunks} is not valid: more chunks than the "
                f"{self.n_samples} samples"
            )
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype={self.dtype!r} is not valid: expected float32 or float64")


DEFAULT_CASE = DaskCase()
"""The issue's setup: 2e6 × 20 float32 in 8 chunks, a (16,) relu network."""

QUICK_CASE = DaskCase(n_samples=200_000, iterations=3)
"""A case that runs in about a minute."""


@dataclass
class DaskRow:
    """One timed configuration."""

    implementation: str
    workers: int | None
    status: str = "ok"
    seconds_per_iteration: float | None = None
    vs_numpy: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    samples_s: list[float] = field(default_factory=list)


def make_data(case: DaskCase) -> tuple[Any, Any]:
    """X and y as lazy Dask arrays; computing them makes the numbers where that happens.

    Parameters
    ----------
    case : DaskCase

    Returns
    -------
    X : dask array of shape (n_samples, n_features), chunked by examples
    y : dask array of shape (n_samples,), int labels 0/1
    """
    import dask.array as da

    rows = -(-case.n_samples // case.n_chunks)
    rng = da.random.default_rng(case.seed)
    X = rng.standard_normal(
        (case.n_samples, case.n_features), chunks=(rows, case.n_features), dtype=case.dtype
    )
    weights = np.random.default_rng(case.seed + 1).standard_normal(case.n_features)
    noise = rng.standard_normal(case.n_samples, chunks=rows, dtype=case.dtype)
    y = (X @ weights.astype(case.dtype) + 0.5 * noise > 0).astype(np.int8)
    return X, y


def _classifier(case: DaskCase, max_iter: int) -> Any:
    from nnbackend.estimators.models import NeuralNetworkClassifier

    return NeuralNetworkClassifier(
        case.hidden,
        activation="relu",
        solver="gd",
        learning_rate=case.learning_rate,
        max_iter=max_iter,
        tol=None,
        random_state=case.seed,
    )


def _logistic(case: DaskCase, max_iter: int) -> Any:
    from nnbackend.estimators.models import LogisticRegression

    return LogisticRegression(
        solver="gd", learning_rate=case.learning_rate, max_iter=max_iter, tol=None
    )


def iteration_samples(
    fit: Callable[[int], Any],
    iterations: int,
    repeats: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Seconds per training iteration, setup excluded, one value per timed pair of fits.

    ``fit(1)`` runs once untimed first, so that no timed fit pays for a first call's imports,
    thread pools and caches. Then each pair times ``fit(1)`` and ``fit(1 + k)``, in
    alternating order, and gives ``(time(fit(1 + k)) - time(fit(1))) / k``.

    Parameters
    ----------
    fit : callable
        ``fit(max_iter)`` trains a fresh model for that many iterations.
    iterations : int
        ``k``: the extra iterations timed.
    repeats : int, default 3
        Pairs timed.
    clock : callable, default time.perf_counter
        Seconds, monotonic (a test passes a fake one).

    Returns
    -------
    list of float
        May hold values <= 0 where noise beat the ``k`` iterations.
    """
    fit(1)  # warm-up, untimed

    def timed(max_iter: int) -> float:
        started = clock()
        fit(max_iter)
        return clock() - started

    samples = []
    for pair in range(repeats):
        if pair % 2 == 0:
            one, more = timed(1), timed(1 + iterations)
        else:
            more, one = timed(1 + iterations), timed(1)
        samples.append((more - one) / iterations)
    return samples


def time_per_iteration(
    fit: Callable[[int], Any],
    iterations: int,
    repeats: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> float | None:
    """The median of :func:`iteration_samples`; None when noise hides the iterations.

    Returns
    -------
    float or None
        None when the median is not positive (the iterations were too short to measure
        against the setup's variation: time more).
    """
    median = statistics.median(iteration_samples(fit, iterations, repeats, clock))
    return median if median > 0 else None


def _timed_row(
    name: str,
    workers: int | None,
    fit: Callable[[int], Any],
    case: DaskCase,
    numpy_seconds: float | None,
    **fields: Any,
) -> DaskRow:
    # every timed row, NumPy's baseline included, goes through this one harness
    samples = iteration_samples(fit, case.iterations, case.repeats)
    median = statistics.median(samples)
    seconds = median if median > 0 else None
    return DaskRow(
        name,
        workers,
        seconds_per_iteration=seconds,
        vs_numpy=_ratio(seconds, numpy_seconds),
        samples_s=samples,
        **fields,
    )


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def parity(got: Sequence[Any], want: Sequence[Any]) -> float:
    """The largest weight difference, relative to the largest weight of its layer.

    Parameters
    ----------
    got, want : sequences of arrays
        ``coefs_`` of two fits (any library; moved to NumPy here).

    Returns
    -------
    float
    """
    from nnbackend.backends import to_numpy

    worst = 0.0
    for a, b in zip(got, want, strict=True):
        a, b = np.asarray(to_numpy(a), np.float64), np.asarray(to_numpy(b), np.float64)
        worst = max(worst, float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30)))
    return worst


@contextlib.contextmanager
def _transport(name: str) -> Iterator[None]:
    from nnbackend import backends
    from nnbackend.backends.dask import DaskAdapter

    adapter = backends.get(DaskAdapter.name)
    before = adapter.transport  # type: ignore[attr-defined]
    adapter.transport = name  # type: ignore[attr-defined]
    try:
        yield
    finally:
        adapter.transport = before  # type: ignore[attr-defined]


def _on_cluster(
    case: DaskCase,
    workers: int,
    transports: Sequence[str],
    numpy_seconds: float | None,
    reference: Any,
    with_anchor: bool,
    progress: Callable[[str], None],
) -> list[DaskRow]:
    from distributed import Client, LocalCluster, wait

    rows: list[DaskRow] = []
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        X, y = make_data(case)
        X, y = client.persist([X, y])
        wait([X, y])
        for transport in transports:
            progress(f"nnbackend on {workers} worker(s), parameters by {transport}")
            with _transport(transport):
                row = _timed_row(
                    f"nnbackend-dask ({transport})",
                    workers,
                    lambda k: _classifier(case, k).fit(X, y),
                    case,
                    numpy_seconds,
                )
                if reference is not None and transport == transports[0]:
                    model = _classifier(case, 1 + case.iterations).fit(X, y)
                    row.extra["parity"] = parity(model.coefs_, reference.coefs_)
                    row.note = f"weights vs NumPy: {row.extra['parity']:.1e} relative"
                rows.append(row)
        if with_anchor:
            rows.extend(_anchor(case, X, y, workers, numpy_seconds, progress))
    return rows


def _anchor(
    case: DaskCase,
    X: Any,
    y: Any,
    workers: int,
    numpy_seconds: float | None,
    progress: Callable[[str], None],
) -> list[DaskRow]:
    progress(f"logistic regression on {workers} worker(s)")
    rows = [
        _timed_row(
            "nnbackend LogisticRegression gd (dask)",
            workers,
            lambda k: _logistic(case, k).fit(X, y),
            case,
            None,
            note="no hidden layer: compare with the dask-ml row",
        )
    ]
    if importlib.util.find_spec("dask_ml") is None:
        rows.append(
            DaskRow(
                "dask-ml LogisticRegression (gradient_descent)",
                workers,
                status="skipped",
                note="dask-ml is not installed (pip install dask-ml)",
            )
        )
        return rows
    from dask_ml.linear_model import LogisticRegression as DaskMLLogisticRegression

    def fit(k: int) -> Any:
        return DaskMLLogisticRegression(solver="gradient_descent", max_iter=k, tol=0.0).fit(X, y)

    rows.append(
        _timed_row(
            "dask-ml LogisticRegression (gradient_descent)",
            workers,
            fit,
            case,
            None,
            note="its iterations include a line search",
        )
    )
    return rows


def _in_memory(case: DaskCase) -> tuple[DaskRow, Any]:
    """NumPy's row on the same numbers (the same fit, iterations and harness as the Dask
    rows), and its fit for the parity check."""
    import dask

    X, y = make_data(case)
    X_host, y_host = dask.compute(X, y)  # freed on return, before the clusters start
    row = _timed_row(
        "NumPy in memory (all cores)",
        None,
        lambda k: _classifier(case, k).fit(X_host, y_host),
        case,
        None,
    )
    return row, _classifier(case, 1 + case.iterations).fit(X_host, y_host)


def run_dask(
    case: DaskCase = DEFAULT_CASE,
    workers: Sequence[int] = (1, 2),
    transports: Sequence[str] = ("graph", "scatter"),
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Time nnbackend on LocalClusters of each size against in-memory NumPy.

    Parameters
    ----------
    case : DaskCase
    workers : sequence of int
        Cluster sizes (worker processes of one thread each).
    transports : sequence of str
        Ways of sending the parameters to time (the Dask adapter's ``transport``).
    progress : callable, optional
        Receives one line per configuration.

    Returns
    -------
    dict
        ``{"meta": ..., "case": ..., "rows": [...], "ratio": ..., "scaling": ...,
        "parity": ...}``; ``ratio`` is the largest cluster's time per iteration over NumPy's,
        ``scaling`` the 1-worker time over the largest cluster's.
    """
    if importlib.util.find_spec("distributed") is None:
        raise ImportError(
            "the Dask benchmark needs dask.distributed: pip install 'nnbackend[dask]'"
        )
    say = progress or (lambda line: None)
    say("NumPy in memory")
    numpy_row, reference = _in_memory(case)
    numpy_seconds = numpy_row.seconds_per_iteration
    numpy_row.vs_numpy = None if numpy_seconds is None else 1.0
    rows = [numpy_row]
    largest = max(workers)
    for n in workers:
        rows.extend(_on_cluster(case, n, transports, numpy_seconds, reference, n == largest, say))
    timed = {
        (r.workers, r.implementation): r.seconds_per_iteration
        for r in rows
        if r.status == "ok" and r.implementation.startswith("nnbackend-dask")
    }
    best = {
        n: min((s for (w, _), s in timed.items() if w == n and s is not None), default=None)
        for n in workers
    }
    first = next(r for r in rows if r.workers == largest and "parity" in r.extra)
    return {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.system()} {platform.machine()}",
            "python": sys.version.split()[0],
            "versions": _versions(),
        },
        "case": asdict(case),
        "rows": [asdict(r) for r in rows],
        "ratio": _ratio(best[largest], numpy_seconds),
        "scaling": _ratio(best[min(workers)], best[largest]),
        "parity": first.extra["parity"],
    }


def _versions() -> dict[str, str]:
    import importlib.metadata

    import dask
    import distributed

    package = __name__.split(".")[0]
    found = {module.__name__: str(module.__version__) for module in (np, dask, distributed)}
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        found[package] = importlib.metadata.version(package)
    if importlib.util.find_spec("dask_ml") is not None:
        import dask_ml

        found[dask_ml.__name__] = str(dask_ml.__version__)
    return found


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"


def _with_range(value: float, samples: Sequence[float]) -> str:
    # the range of the pairs in the median's unit; older reports have no samples
    if not samples:
        return _seconds(value)
    scale, unit = (1e3, "ms") if value < 1 else (1.0, "s")
    digits = 1 if unit == "ms" else 2
    low, high = min(samples) * scale, max(samples) * scale
    return f"{value * scale:.{digits}f} {unit} [{low:.{digits}f}–{high:.{digits}f}]"


def format_dask_report(report: dict[str, Any]) -> str:
    """The report as a Markdown table and a summary line.

    Parameters
    ----------
    report : dict
        From :func:`run_dask`.

    Returns
    -------
    str
    """
    case = report["case"]
    lines = [
        f"Dask benchmark — {case['n_samples']:,} × {case['n_features']} {case['dtype']}, "
        f"{case['n_chunks']} chunks, hidden {tuple(case['hidden'])}, "
        f"{case['iterations']} timed iterations"
        + (f", median [min–max] of {case['repeats']} pairs of fits" if "repeats" in case else ""),
        "",
        "| implementation | workers | time / iteration | × NumPy | note |",
        "|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        if row["status"] != "ok":
            time_text = row["status"]
        elif row["seconds_per_iteration"] is None:
            time_text = "lost in noise (time more iterations)"
        else:
            time_text = _with_range(row["seconds_per_iteration"], row.get("samples_s") or [])
        ratio = f"{row['vs_numpy']:.2f}×" if row["vs_numpy"] is not None else ""
        workers = "" if row["workers"] is None else str(row["workers"])
        lines.append(
            f"| {row['implementation']} | {workers} | {time_text} | {ratio} | {row['note']} |"
        )
    lines.append("")
    ratio, scaling = report["ratio"], report["scaling"]
    ratio_text = "n/a" if ratio is None else f"{ratio:.2f}×"
    scaling_text = "n/a" if scaling is None else f"{scaling:.2f}×"
    lines.append(
        f"largest cluster vs NumPy: {ratio_text} the time per iteration; "
        f"scaling smallest → largest cluster: {scaling_text}; "
        f"weights vs NumPy: {report['parity']:.1e} relative"
    )
    return "\n".join(lines)


def run_dask_from_cli(args: Any) -> int:
    """``nnbackend bench --dask``: run, print the table, write JSON if asked."""
    case = QUICK_CASE if getattr(args, "quick", False) else DEFAULT_CASE
    if getattr(args, "dtype", None):
        case = replace(case, dtype=args.dtype)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", file=sys.stderr, flush=True)

    try:
        report = run_dask(case, progress=progress)
    except ImportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_dask_report(report))
    if getattr(args, "json", None):
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
        print(f"wrote {args.json}")
    return 0
