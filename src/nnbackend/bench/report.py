"""Reporting: the Markdown table, the scaling slope and the chart."""

from __future__ import annotations

from typing import Any

import numpy as np

from nnbackend.bench.implementations import implementation_names

__all__ = ["format_parity", "format_table", "plot", "scaling_slope"]


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


def format_parity(report: dict[str, Any]) -> str:
    """nnbackend against the hand-written step on each library: one row per case, one column
    per pair, each cell the ratio of the two steps' medians timed in alternating samples
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
    cells: dict[tuple[str, tuple[str, str]], float] = {}
    for e in entries:
        pair = (e["ours"], e["peer"])
        if pair not in columns:
            columns.append(pair)
        if e["case"] not in cases:
            cases.append(e["case"])
        cells[e["case"], pair] = e["ratio"]
    header = "| case | " + " | ".join(f"{a} / {b}" for a, b in columns) + " |"
    lines = [header, "|" + "---|" * (len(columns) + 1)]
    for case in cases:
        row = [f"{cells[case, pair]:.2f}×" if (case, pair) in cells else "" for pair in columns]
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
