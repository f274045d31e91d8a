"""Time one benchmark implementation from two source trees, interleaved, in one run.

Used to check that a refactor made no step slower: the same cases and the same step builders
(``nnbackend.bench.make_step``) are timed from tree A and tree B in alternating rounds, so that
drift in a shared machine's load hits both alike. Each round runs in a fresh subprocess with
that tree's ``src`` first on ``sys.path``.

    python tools/ab_step.py --a /path/to/old/checkout --b . --rounds 5

Prints, per case, the median of the per-round medians for A and B and their ratio B/A.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CASES = {
    "planar": ("planar", (2, 4, 1), 400, "tanh"),
    "cat": ("cat", (12288, 20, 7, 5, 1), 209, "relu"),
    "wide": ("wide", (784, 512, 256, 1), 4096, "relu"),
}

_CHILD = """
import json, statistics, sys
from nnbackend import bench
name, dims, m, hidden = json.loads(sys.argv[1])
implementation, budget = sys.argv[2], float(sys.argv[3])
case = bench.Case(name, tuple(dims), m, hidden=hidden)
step, sync = bench.make_step(case, implementation, "float32")
times = bench.time_step(step, sync, budget, warmup=3, min_rounds=5, max_rounds=400)
print(json.dumps(statistics.median(times)))
"""


def _one(tree: Path, case: tuple, implementation: str, budget: float) -> float:
    env_path = str((tree / "src").resolve())
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {env_path!r})\n" + _CHILD,
            json.dumps(case),
            implementation,
            str(budget),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> int:
    """Run the interleaved comparison and print one line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="the baseline checkout")
    parser.add_argument("--b", type=Path, default=Path("."), help="the checkout to compare")
    parser.add_argument("--implementation", default="nnbackend-numpy")
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    args = parser.parse_args(argv)
    for key in args.cases.split(","):
        case = CASES[key]
        a_times, b_times = [], []
        for round_ in range(args.rounds):
            # alternate which tree goes first, so that neither always runs on the heels of
            # the other (or of the previous case)
            order = [(args.a, a_times), (args.b, b_times)]
            for tree, times in order if round_ % 2 == 0 else reversed(order):
                times.append(_one(tree, case, args.implementation, args.budget))
        a, b = statistics.median(a_times), statistics.median(b_times)
        print(
            f"{key:8s} A {a * 1e3:9.4f} ms   B {b * 1e3:9.4f} ms   B/A {b / a:.3f}   "
            f"(rounds: A {[round(t * 1e3, 4) for t in a_times]}, "
            f"B {[round(t * 1e3, 4) for t in b_times]})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
