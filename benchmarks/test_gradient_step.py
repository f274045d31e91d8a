"""One gradient step per implementation, grouped per problem (pytest-benchmark).

Run ``pytest benchmarks --benchmark-json=out.json`` to measure, or ``--benchmark-disable`` (as CI
does) to run every case once as a smoke test. The cases and step builders are the same as
``nnbackend bench`` uses (:mod:`nnbackend.bench`). GPU implementations skip without a GPU; loop
sizes over the time budget skip with that reason, never extrapolated.
"""

from __future__ import annotations

import pytest

from nnbackend import bench

CASES = [
    bench.Case("logreg", (2, 1), 1_000),
    bench.Case("logreg", (2, 1), 100_000),
    bench.Case("logreg", (12288, 1), 1_000),
    bench.Case("planar", (2, 4, 1), 400, hidden="tanh"),
    bench.Case("cat", (12288, 20, 7, 5, 1), 209),
    bench.Case("wide", (784, 512, 256, 1), 4096),
    bench.Case("large", (1024, 1024, 1024, 1), 8192),
]
RUNNABLE, MISSING = bench.available_implementations(bench.benchmarked_backends())
LOOP_BUDGET_S = 1.0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("implementation", bench.implementation_names())
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label.replace(" ", ""))
def test_gradient_step(benchmark, case, implementation, dtype):
    if implementation in MISSING:
        pytest.skip(f"{implementation}: {MISSING[implementation]}")
    if implementation not in RUNNABLE:
        pytest.skip(f"{implementation} not requested")
    if implementation == "loop" and bench.predicted_loop_seconds(case) > LOOP_BUDGET_S:
        pytest.skip("skipped (budget): the loop would take over a second per step")
    if (
        implementation not in ("nnbackend-numpy", "loop", "numpy-course")
        and dtype == "float64"
        and case.name == "large"
    ):
        pytest.skip("peers are compared in float32 on the largest shape, to keep the suite short")
    step, sync = bench.make_step(case, implementation, dtype)
    benchmark.group = f"{case.label} {dtype}"
    benchmark.extra_info.update(
        implementation=implementation,
        device=bench.device_of(implementation),
        gflop_per_step=bench.matmul_flops(case.layer_dims, case.m) / 1e9,
    )

    def run_once():
        step()
        sync()  # a GPU step counts only once the device has finished it

    benchmark.pedantic(run_once, rounds=5 if implementation != "loop" else 1, warmup_rounds=1)
