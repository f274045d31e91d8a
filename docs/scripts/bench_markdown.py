"""Render a recorded benchmark run (JSON) as the Markdown the README and the docs show.

    python docs/scripts/bench_markdown.py docs/benchmarks/<run>.json [--readme]

prints the whole table for docs/benchmarks.md, or with ``--readme`` the README's short
summary (the course's two networks). The test suite checks that docs/benchmarks.md and
README.md contain exactly this output for the newest recorded run, so the numbers in them
always come from a real run. The chart of time against m is a figure drawn from the same run
(``make_figures.bench_plot``), an image on the site and on GitHub alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from nnbackend.bench import format_parity, format_table, scaling_slope

CHART_IMPLEMENTATIONS = ("loop", "nnbackend-numpy", "torch-eager", "jax-jit")


def summary(report: dict) -> str:
    """The run's machine, date and dtype, in one line."""
    meta = report["meta"]
    gpu = meta.get("gpu") or "none available to this run (the GPU column is empty)"
    blas = f" with {meta['numpy_blas']}" if meta.get("numpy_blas") else ""
    # runs recorded before the passes have no "passes" and render as they did
    passes = f"; samples from {meta['passes']} passes over the cases" if "passes" in meta else ""
    # runs recorded before the drift was measured print their samples' own ranges
    drift = meta.get("drift")
    widened = (
        f"; each range widened to the run's drift, ×{drift['time']:.2f} for the times and "
        f"×{drift['ratio']:.2f} for the ratios"
        if drift
        else ""
    )
    return (
        f"Measured {meta['date'][:10]} on {meta['machine']}; GPU: {gpu}; dtype "
        f"{meta['dtype']}; nnbackend {meta['versions'].get('nnbackend', '?')}, NumPy "
        f"{meta['versions'].get('numpy', '?')}{blas}{passes}{widened}."
    )


README_CASES = ("planar", "cat")
README_IMPLEMENTATIONS = ("loop", "nnbackend-numpy", "nnbackend-torch", "nnbackend-jax")


def readme_summary(report: dict) -> str:
    """The README's few rows: the course's two networks, the loop and nnbackend per library."""
    rows = [
        r
        for r in report["results"]
        if r["case"] in README_CASES
        and r["implementation"] in README_IMPLEMENTATIONS
        and r["status"] == "ok"
    ]
    return "\n".join([summary(report), "", format_table({"results": rows, "meta": report["meta"]})])


def render(path: Path) -> str:
    """The whole Markdown block for one run."""
    report = json.loads(path.read_text())
    parts = [summary(report), "", format_table(report), ""]
    parity = format_parity(report)
    if parity:
        passes = report["meta"].get("passes")
        when = (
            f"in each of the run's {passes} passes (the median of the ratios of samples taken "
            "one right after the other, pooled over the passes"
            if passes
            else "in the same run (the median of the ratios of samples taken one right after "
            "the other"
        )
        parts += [
            "Each library against the hand-written step on the same library, timed in "
            f"alternating samples {when}, with their range where the run recorded it"
            + (", widened to the run's drift" if report["meta"].get("drift") else "")
            + "; below 1, nnbackend is faster):",
            "",
            parity,
            "",
        ]
    slope = scaling_slope(report)
    slope_large = scaling_slope(report, min_m=100_000)
    if slope is not None and slope_large is not None:
        parts.append(
            f"Logistic regression's time per step grows as m^{slope:.2f} over m = 10⁴ … 10⁶ "
            f"and as m^{slope_large:.2f} over m = 10⁵ … 10⁶ (nnbackend-numpy, n_x = 2, "
            "least-squares fits of the log-log points): linear, once the fixed cost of each "
            "call stops weighing on the smaller sizes."
        )
    return "\n".join(parts).rstrip("\n")


def latest_run(docs: Path) -> Path:
    """The newest recorded run in docs/benchmarks/."""
    return sorted((docs / "benchmarks").glob("*.json"))[-1]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--readme"]
    target = Path(args[0]) if args else latest_run(Path(__file__).resolve().parents[1])
    if "--readme" in sys.argv:
        print(readme_summary(json.loads(target.read_text())))
    else:
        print(render(target))
