"""Render a recorded benchmark run (JSON) as the Markdown the README and the docs show.

    python docs/scripts/bench_markdown.py docs/benchmarks/<run>.json

prints the table and a Mermaid line chart. The test suite checks that README.md and
docs/benchmarks.md contain exactly this output for the newest recorded run, so the numbers in
them always come from a real run.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from nnbackend.bench import format_parity, format_table, scaling_slope

CHART_IMPLEMENTATIONS = ("loop", "nnbackend-numpy", "torch-eager", "jax-jit")


def summary(report: dict) -> str:
    """The run's machine, date and dtype, in one line."""
    meta = report["meta"]
    gpu = meta.get("gpu") or "none available to this run (the GPU column is empty)"
    blas = f" with {meta['numpy_blas']}" if meta.get("numpy_blas") else ""
    return (
        f"Measured {meta['date'][:10]} on {meta['machine']}; GPU: {gpu}; dtype "
        f"{meta['dtype']}; nnbackend {meta['versions'].get('nnbackend', '?')}, NumPy "
        f"{meta['versions'].get('numpy', '?')}{blas}."
    )


def mermaid_chart(report: dict) -> str:
    """Time per step against m for logistic regression (n_x = 2), as a Mermaid xychart."""
    rows = [
        r
        for r in report["results"]
        if r["case"] == "logreg" and r["layer_dims"][0] == 2 and r["median_s"]
    ]
    sizes = sorted({r["m"] for r in rows})
    lines = [
        "```mermaid",
        "xychart-beta",
        '    title "Logistic regression (n_x = 2): ms per gradient step"',
        '    x-axis "m" [' + ", ".join(f'"{m:.0e}"' for m in sizes) + "]",
        '    y-axis "ms (log10)"',
    ]
    for impl in CHART_IMPLEMENTATIONS:
        by_m = {r["m"]: r["median_s"] for r in rows if r["implementation"] == impl}
        if len(by_m) < len(sizes):  # a line needs a value at every m
            continue
        values = [f"{math.log10(by_m[m] * 1e3):.2f}" for m in sizes]
        lines.append(f"    line [{', '.join(values)}]")
    lines.append("```")
    legend = ", ".join(
        i
        for i in CHART_IMPLEMENTATIONS
        if sum(1 for r in rows if r["implementation"] == i) == len(sizes)
    )
    return "\n".join(lines) + f"\n\nLines, top to bottom: {legend} (log10 of milliseconds)."


def render(path: Path) -> str:
    """The whole Markdown block for one run."""
    report = json.loads(path.read_text())
    parts = [summary(report), "", format_table(report), ""]
    parity = format_parity(report)
    if parity:
        parts += [
            "Each library against the hand-written step on the same library, timed in "
            "alternating samples in the same run (ratio of the medians; below 1, nnbackend is "
            "faster):",
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
        parts.append("")
    parts.append(mermaid_chart(report))
    return "\n".join(parts)


def latest_run(docs: Path) -> Path:
    """The newest recorded run in docs/benchmarks/."""
    return sorted((docs / "benchmarks").glob("*.json"))[-1]


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else latest_run(Path(__file__).resolve().parents[1])
    )
    print(render(target))
