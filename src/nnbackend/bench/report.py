"""Reporting: the Markdown table, the scaling slope and the chart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnbackend.bench.implementations import implementation_names

__all__ = ["disagreements", "format_parity", "format_table", "plot", "scaling_slope"]


_UNITS = ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"))


def _unit(seconds: float) -> tuple[float, str]:
    for scale, name in _UNITS:
        if seconds >= scale:
            return scale, name
    return _UNITS[-1]


def _fmt_time(seconds: float) -> str:
    scale, name = _unit(seconds)
    return f"{seconds / scale:.1f} {name}" if name == "µs" else f"{seconds / scale:.2f} {name}"


def _fmt_spread(median: float, low: float, high: float) -> str:
    # the range in the median's unit, so that the three numbers read together
    scale, name = _unit(median)
    digits = 1 if name == "µs" else 2
    return (
        f"{median / scale:.{digits}f} {name} [{low / scale:.{digits}f}–{high / scale:.{digits}f}]"
    )


def _fmt_ratio(median: float, low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return f"{median:.2f}×"
    return f"{median:.2f}× [{low:.2f}–{high:.2f}]"


_OWN = "†"
_OWN_NOTE = (
    f"{_OWN} the row's fastest sample outran its step's matrix products timed alone, so its "
    "rate is the reference: the percentage is the median's rate against it."
)


def format_table(report: dict[str, Any]) -> str:
    """The results as a plain-text table (also valid Markdown).

    A run that recorded its samples' spread shows each median with its range,
    ``median [low–high]``, in the median's unit: the range widened by the run's drift
    (``low_s``/``high_s``, :mod:`nnbackend.bench.drift`), or, for runs recorded before that,
    the samples' own ``min_s``/``max_s``. A row whose
    "% of matmul rate" is measured against its own fastest sample is marked †, with a note
    under the table. Older recorded runs render as they always have.
    """
    results = report["results"]
    spread = any("min_s" in r for r in results)
    widened = any(r.get("low_s") is not None for r in results)
    bounds = "[range]" if widened else "[min–max]"
    time_header = f"median time / step {bounds}" if spread else "median time / step"
    relative_to = report.get("meta", {}).get("relative_to")
    relative = relative_to is not None and any(r.get("relative") for r in results)
    relative_header = f" × {relative_to} {bounds} |" if relative else ""
    header = (
        f"| case | implementation | {time_header} |{relative_header} speedup vs loop | "
        "GFLOP/s | % of matmul rate | peak mem (× needed) |"
    )
    lines = [header, "|" + "---|" * (8 if relative else 7)]
    marked = False
    for r in results:
        dims = ",".join(str(d) for d in r["layer_dims"])
        case = f"{r['case']} [{dims}] m={r['m']:,}"
        if r["status"] != "ok":
            blanks = " |" * (5 if relative else 4)
            lines.append(f"| {case} | {r['implementation']} | {r['status']} |{blanks}")
            continue
        speed = f"{r['speedup_vs_loop']:,.0f}×" if r["speedup_vs_loop"] else ""
        pct = f"{r['pct_matmul']:.0f} %" if r["pct_matmul"] is not None else ""
        if r.get("reference") == "own fastest sample":
            pct += f" {_OWN}"
            marked = True
        mem = (
            f"{r['peak_extra_mb']:.1f} MB ({r['memory_ratio']:.2f}×)"
            if r["peak_extra_mb"] is not None
            else ""
        )
        low, high = _bounds(r, "time")
        median = (
            _fmt_spread(r["median_s"], low, high) if low is not None else _fmt_time(r["median_s"])
        )
        ratio = ""
        if relative:
            ratio = (
                f" {_fmt_ratio(r['relative'], *_bounds(r, 'relative'))} |"
                if r.get("relative")
                else " |"
            )
        lines.append(
            f"| {case} | {r['implementation']} | {median} |{ratio} {speed} | "
            f"{r['gflops']:.2f} | {pct} | {mem} |"
        )
    if marked:
        lines += ["", _OWN_NOTE]
    return "\n".join(lines)


_FIGURES = {
    "time": ("median_s", ("low_s", "high_s"), ("min_s", "max_s")),
    "relative": ("relative", ("relative_low", "relative_high"), ("relative_min", "relative_max")),
    "ratio": ("ratio", ("ratio_low", "ratio_high"), ("ratio_min", "ratio_max")),
}


def _bounds(row: dict[str, Any], figure: str) -> tuple[Any, Any]:
    # The printed range of a figure: widened by the run's drift where the run recorded it,
    # the samples' own range for runs recorded before.
    _, widened, own = _FIGURES[figure]
    keys = widened if row.get(widened[0]) is not None else own
    return row.get(keys[0]), row.get(keys[1])


def disagreements(reports: Sequence[dict[str, Any]], figure: str = "time") -> list[dict[str, Any]]:
    """Where repeated runs disagree: a row's median outside another run's printed range for it.

    Two runs agree on a row when each one's median lies within the other's printed range
    (widened by that run's drift where it recorded one, :mod:`nnbackend.bench.drift`). Rows
    that a run did not time, or that have no range for the figure, are not compared.

    Parameters
    ----------
    reports : sequence of dict
        From :func:`nnbackend.bench.run`, with the same cases and rows.
    figure : {"time", "relative", "ratio"}, default "time"
        Which printed figure to compare: the time per step (``median_s``), the time relative
        to the case's reference row (``relative``), or the parity table's ratio of
        nnbackend's step over the hand-written one (``ratio``; its row is the case and the
        pair).

    Returns
    -------
    list of dict
        One per disagreement: ``case``, ``implementation`` (for the parity table,
        ``"ours / peer"``), ``run`` and ``value`` (the median that fell outside), ``other``
        and ``range`` (the run whose range it missed, and that range); for the time also
        ``median_s`` and ``range_s``. Empty when every run agrees.
    """
    if figure not in _FIGURES:
        raise ValueError(f"figure={figure!r}: expected one of {sorted(_FIGURES)}")
    median_key = _FIGURES[figure][0]
    rows: dict[tuple[str, str], list[tuple[int, Any, tuple[Any, Any]]]] = {}
    for index, report in enumerate(reports):
        if figure == "ratio":
            found_rows = [
                ((e["case"], f"{e['ours']} / {e['peer']}"), e) for e in report.get("parity") or []
            ]
        else:
            found_rows = [
                ((f"{r['case']} {r['layer_dims']} m={r['m']}", r["implementation"]), r)
                for r in report["results"]
                if r["status"] == "ok"
            ]
        for key, r in found_rows:
            bounds = _bounds(r, figure)
            if r.get(median_key) and bounds[0] is not None:
                rows.setdefault(key, []).append((index, r[median_key], bounds))
    found = []
    for (case, implementation), runs in rows.items():
        for index, value, _ in runs:
            for other, _, (low, high) in runs:
                if other != index and not low <= value <= high:
                    entry = {
                        "case": case,
                        "implementation": implementation,
                        "run": index,
                        "value": value,
                        "other": other,
                        "range": (low, high),
                    }
                    if figure == "time":
                        entry["median_s"], entry["range_s"] = entry["value"], entry["range"]
                    found.append(entry)
    return found


def format_parity(report: dict[str, Any]) -> str:
    """nnbackend against the hand-written step on each library: one row per case, one column
    per pair, each cell the median of the ratios of the two steps' samples taken in turn, with
    their range where the run recorded it, widened to the run's drift where it measured one
    (below 1: nnbackend is faster). Pairs a run did not time are left out.

    Parameters
    ----------
    report : dict
        From :func:`nnbackend.bench.run`.

    Returns
    -------
    str
        A Markdown table, empty when the run timed no pair.
    """
    entries = report.get("parity") or []
    if not entries:
        return ""
    columns: list[tuple[str, str]] = []
    cases: list[str] = []
    cells: dict[tuple[str, tuple[str, str]], str] = {}
    for e in entries:
        pair = (e["ours"], e["peer"])
        if pair not in columns:
            columns.append(pair)
        if e["case"] not in cases:
            cases.append(e["case"])
        cells[e["case"], pair] = _fmt_ratio(e["ratio"], *_bounds(e, "ratio"))
    header = "| case | " + " | ".join(f"{a} / {b}" for a, b in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 1)]
    for case in cases:
        row = [cells.get((case, pair), "") for pair in columns]
        lines.append(f"| {case} | " + " | ".join(row) + " |")
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
    order = implementation_names()
    colour = {impl: f"C{i}" for i, impl in enumerate(order)}
    for ax, n_x in zip(axes[0], widths, strict=False):
        for impl in order:
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
            for i in order
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
