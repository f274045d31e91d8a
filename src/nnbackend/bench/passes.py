"""Passes: the benchmark visits its cases several times and pools each row's samples.

A machine's speed drifts over minutes (other work, clocks, heat). Timing a case's rows in one
short window gives each row a narrow range around that moment's speed, and the next run,
minutes later, lands outside it. So the runner times every case once per pass (pass 1: case
A, case B, …; pass 2: A, B, … again), each row with its budget split across the passes, and
a row's median and range are over the samples of all passes, taken over the whole run (its
printed range is widened further to the run's drift: :mod:`nnbackend.bench.drift`). Figures
that pair samples (a row against the reference row of the
same round, the parity pairs) are paired within a pass and pooled afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "DEFAULT_PASSES",
    "ROW_MIN_SAMPLES",
    "PassSamples",
    "check_passes",
    "per_pass",
    "same_round_ratios",
]

DEFAULT_PASSES = 3
"""Passes over the cases when none is asked for (``nnbackend bench`` and ``--quick`` alike)."""

ROW_MIN_SAMPLES = 9
"""Samples of every row in all at least (three per pass with the default three passes): a
range over a handful of samples says little about the next run. The rows that took fewest
were the long steps (the pure-Python loop at m = 10⁵, a tenth of a second; the wide network,
80 ms) and the whole fits, which a quick run's budget buys few of; with at most 6 samples
their medians in five runs in a row fell outside each other's ranges in 19 of 840 comparisons
of the time per step (``tools/bench_agreement.py``)."""


def check_passes(passes: object) -> int:
    """``passes`` as an int, checked.

    Raises
    ------
    TypeError
        For a value that is not an int (bools included).
    ValueError
        For an int below 1.
    """
    if isinstance(passes, bool) or not isinstance(passes, int):
        raise TypeError(f"passes={passes!r} is not valid: expected an int >= 1")
    if passes < 1:
        raise ValueError(f"passes={passes!r} is not valid: expected an int >= 1")
    return passes


def per_pass(total: int, passes: int) -> int:
    """The fewest samples to take in each pass so that ``total`` are taken in all.

    At least one: every pass times every row.

    Parameters
    ----------
    total : int
    passes : int

    Returns
    -------
    int
    """
    return max(1, math.ceil(total / passes))


class PassSamples:
    """Samples of named things (rows, products), pass by pass.

    A name that fails in one pass is dropped: its samples of earlier passes are discarded,
    and it is not timed again (:meth:`failed`).
    """

    def __init__(self) -> None:
        self._by_pass: dict[str, list[list[float]]] = {}
        self._errors: dict[str, str] = {}

    def add(self, name: str, samples: Sequence[float]) -> None:
        """Record one pass's samples of ``name`` (ignored once it has failed)."""
        if name not in self._errors:
            self._by_pass.setdefault(name, []).append(list(samples))

    def fail(self, name: str, why: str) -> None:
        """Record that ``name`` failed; its samples are dropped."""
        self._errors.setdefault(name, why)
        self._by_pass.pop(name, None)

    def failed(self, name: str) -> bool:
        """Whether ``name`` failed in some pass."""
        return name in self._errors

    def error(self, name: str) -> str | None:
        """Why ``name`` failed, or None."""
        return self._errors.get(name)

    def by_pass(self, name: str) -> list[list[float]]:
        """Each pass's samples of ``name``, in the order taken (empty when it has none)."""
        return [list(samples) for samples in self._by_pass.get(name, [])]

    def pooled(self, name: str) -> list[float]:
        """All samples of ``name``, pass after pass."""
        return [t for samples in self._by_pass.get(name, []) for t in samples]

    def __contains__(self, name: object) -> bool:
        return name in self._by_pass


def same_round_ratios(
    ours: Sequence[Sequence[float]], reference: Sequence[Sequence[float]]
) -> list[float]:
    """The ratios of samples taken in the same round of the same pass, pooled over the passes.

    Within a pass, sample ``i`` of both was taken in round ``i`` (the rounds sample every
    active item once, all starting together); things stop after different numbers of rounds,
    so only the rounds both took are paired. Pairing the pooled lists instead would pair a
    sample of one pass with one of another once the counts per pass differ.

    Parameters
    ----------
    ours, reference : sequence of sequences of float
        Samples per pass, the same passes in the same order.

    Returns
    -------
    list of float
        ``ours / reference`` per pair (pairs whose reference is not positive are left out).
    """
    ratios = []
    for mine, theirs in zip(ours, reference, strict=True):
        ratios += [a / b for a, b in zip(mine, theirs, strict=False) if b > 0]
    return ratios
