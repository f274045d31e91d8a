"""Do repeated ``nnbackend bench --quick`` runs agree within the spread they print?

Runs the quick benchmark ``--runs`` times in a row (each a fresh process, as a user would),
keeps each run's JSON, and counts, for each printed figure, the rows whose median in one run
falls outside another run's printed range:

* the time per step, ``median [min–max]`` of the samples;
* the time relative to the case's NumPy course step, ``× numpy-course [min–max]``;
* the parity table, nnbackend's step over the hand-written one on each library.

Run it on a quiet machine (nothing else busy):

    PYTHONPATH=src python tools/bench_agreement.py [--runs 5] [--out agreement/] [--passes N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

from nnbackend.bench import disagreements


def parity_disagreements(reports: list[dict]) -> list[tuple]:
    """Parity cells whose median lies outside another run's range of pair ratios."""
    found = []
    cells: dict[tuple[str, str, str], list[tuple[int, dict]]] = {}
    for index, report in enumerate(reports):
        for e in report.get("parity") or []:
            cells.setdefault((e["case"], e["ours"], e["peer"]), []).append((index, e))
    for key, runs in cells.items():
        for (i, a), (j, b) in itertools.permutations(runs, 2):
            if "ratio_min" in b and not b["ratio_min"] <= a["ratio"] <= b["ratio_max"]:
                found.append((key, i, a["ratio"], j, (b["ratio_min"], b["ratio_max"])))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("bench-agreement"))
    parser.add_argument("--passes", type=int, default=None, help="bench's --passes (its default)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reports = []
    for run in range(args.runs):
        path = args.out / f"run{run + 1}.json"
        table = args.out / f"run{run + 1}.md"
        with open(table, "w") as out:
            subprocess.run(
                [sys.executable, "-m", "nnbackend", "bench", "--quick", "--json", str(path)]
                + ([] if args.passes is None else ["--passes", str(args.passes)]),
                check=True,
                stdout=out,
                stderr=subprocess.DEVNULL,
                env=os.environ.copy(),
            )
        reports.append(json.loads(path.read_text()))
        print(f"run {run + 1}: {table}", flush=True)
    rows = {
        (r["case"], r["m"], r["implementation"])
        for r in reports[0]["results"]
        if r["status"] == "ok"
    }
    pairs = len(rows) * args.runs * (args.runs - 1)
    for figure in ("time", "relative"):
        found = disagreements(reports, figure)
        apart = sorted({(f["case"], f["implementation"]) for f in found})
        print(
            f"{figure}: {len(found)} of {pairs} comparisons outside the other run's range, "
            f"in {len(apart)} of {len(rows)} rows"
        )
        for case, implementation in apart:
            values = [
                f"{f['value']:.3g}"
                for f in found
                if (f["case"], f["implementation"]) == (case, implementation)
            ]
            print(f"  {case} {implementation}: {', '.join(values[:6])}")
    found = parity_disagreements(reports)
    cells = {(e["case"], e["ours"]) for e in reports[0].get("parity") or []}
    print(
        f"parity: {len(found)} comparisons outside the other run's range, over {len(cells)} cells"
    )
    for key, i, value, j, (low, high) in found:
        print(f"  {key}: run {i + 1} {value:.2f}× outside run {j + 1} [{low:.2f}–{high:.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
