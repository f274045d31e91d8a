"""The benchmark: one gradient step, timed as loops, vectorized CPU, GPU and peers.

Shared by ``nnbackend bench`` and the pytest-benchmark suite in ``benchmarks/``: both build
the same :class:`Case` objects and the same step callables from :func:`make_step`.

What is timed is one full step (forward + cost + backward + update) on fixed data, after a
warm-up. GPU steps synchronise the device before the clock is read. Every implementation gets
the same shapes, the same initial parameters (drawn on the host) and the same dtype; the
loop baseline always computes in Python floats (double precision).

The package has one module per job: :mod:`~nnbackend.bench.cases` (the problems),
:mod:`~nnbackend.bench.implementations` (one registry row per implementation),
:mod:`~nnbackend.bench.peers` (the hand-written steps), :mod:`~nnbackend.bench.measure`,
:mod:`~nnbackend.bench.parity` (each library against its hand-written step, interleaved),
:mod:`~nnbackend.bench.passes` (the run's passes over the cases, and pooling their samples),
:mod:`~nnbackend.bench.report` and :mod:`~nnbackend.bench.runner`.
"""

from __future__ import annotations

from nnbackend.bench.cases import (
    Case,
    default_cases,
    matmul_flops,
    predicted_loop_seconds,
    quick_cases,
)
from nnbackend.bench.implementations import (
    FIT_ITERATIONS,
    Implementation,
    available_implementations,
    device_of,
    fit_implementations,
    implementation_names,
    implementation_rows,
    make_step,
)
from nnbackend.bench.measure import (
    MIN_SAMPLE_S,
    Timed,
    interleave,
    matmul_rate,
    measure_memory,
    percent_of_matmul,
    summarize,
    time_step,
)
from nnbackend.bench.parity import Parity, interleaved, peer_pairs
from nnbackend.bench.report import (
    disagreements,
    format_parity,
    format_table,
    plot,
    scaling_slope,
)
from nnbackend.bench.runner import Measurement, benchmarked_backends, run, run_from_cli

__all__ = [
    "FIT_ITERATIONS",
    "MIN_SAMPLE_S",
    "Case",
    "Implementation",
    "Measurement",
    "Parity",
    "Timed",
    "available_implementations",
    "benchmarked_backends",
    "default_cases",
    "device_of",
    "disagreements",
    "fit_implementations",
    "format_parity",
    "format_table",
    "implementation_names",
    "implementation_rows",
    "interleave",
    "interleaved",
    "make_step",
    "matmul_flops",
    "matmul_rate",
    "measure_memory",
    "peer_pairs",
    "percent_of_matmul",
    "plot",
    "predicted_loop_seconds",
    "quick_cases",
    "run",
    "run_from_cli",
    "scaling_slope",
    "summarize",
    "time_step",
]
