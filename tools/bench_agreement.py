"""Do repeated ``nnbackend bench --quick`` runs agree within the spread they print?

Runs the quick benchmark ``--runs`` times in a row (each a fresh process, as a user would),
keeps each run's JSON, and counts, for each printed figure, the rows whose median in one run
falls outside another run's printed range:

* the time per step, ``median [range]``;
* the time relative to the case's NumPy course step, ``× numpy-course [range]`` (the course
  step's own row, always 1, is left out: it cannot disagree);
* the parity table, nnbackend's step over the hand-written one on each library.

Each run's printed ranges are widened by its drift (:mod:`nnbackend.bench.drift`); the tool
prints each run's drift factors first.

Run it on a quiet machine (nothing else busy):

    PYTHONPATH=src python tools/bench_agreement.py [--runs 5] [--out agreement/] [--passes N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from nnbackend.bench import disagreements
from nnbackend.bench.runner import RELATIVE_TO


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
    for index, report in enumerate(reports):
        drift = report["meta"].get("drift") or {}
        print(
            f"run {index + 1}: drift ×{drift.get('time', float('nan')):.2f} (times), "
            f"×{drift.get('ratio', float('nan')):.2f} (ratios)"
        )
    for figure in ("time", "relative", "ratio"):
        if figure == "ratio":
            rows = {(e["case"], e["ours"], e["peer"]) for e in reports[0].get("parity") or []}
        else:
            rows = {
                (r["case"], r["m"], r["implementation"])
                for r in reports[0]["results"]
                if r["status"] == "ok"
                and not (figure == "relative" and r["implementation"] == RELATIVE_TO)
            }
        comparisons = len(rows) * args.runs * (args.runs - 1)
        found = disagreements(reports, figure)
        apart = sorted({(f["case"], f["implementation"]) for f in found})
        print(
            f"{figure}: {len(found)} of {comparisons} comparisons outside the other run's "
            f"range, in {len(apart)} of {len(rows)} rows"
        )
        for case, implementation in apart:
            values = [
                f"run {f['run'] + 1} {f['value']:.3g} outside run {f['other'] + 1} "
                f"[{f['range'][0]:.3g}–{f['range'][1]:.3g}]"
                for f in found
                if (f["case"], f["implementation"]) == (case, implementation)
            ]
            print(f"  {case} {implementation}: {'; '.join(values[:6])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
