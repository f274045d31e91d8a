"""Drift: how far a run's samples scattered around their rows' medians, and the ranges it widens.

A row's samples show how its step varied while it was timed. A shared machine also shifts
between speeds that last from seconds to minutes (measured on a 2-core cloud VM: a fixed
pure-Python loop took 5.3 ms for a while, then 8.0 ms, then 5.3 ms again, with nothing else
running inside the machine and no steal time reported). A row timed in a few short windows
can catch one speed only; the next run, in another, puts its median outside that row's
range.

Every row of a run is exposed to the same machine. So the run measures its drift over all
its samples at once: each sample over its own row's median, pooled over every row of every
case on a device (a sample at its row's median reads 1). The pool is weighted by samples, so
the short steps, which take the most samples, weigh most. It holds the machine's changes of
speed and each library's own jitter (a collection, a thread pool waking) alike: both move a
rerun's median. The drift factor ``D`` is the largest of the upper :data:`DRIFT_QUANTILE`
point of those factors and the inverse of the lower one: most samples of this run lay within
``median / D`` and ``median × D`` of their row's median. The printed range of a row is its
samples' own min–max, widened to at least ``[median / D, median × D]``: the range another
run's median can fall in when the machine runs faster or slower for it, as it did for other
rows of this run. On a machine whose speed holds, ``D`` comes from the steps' own jitter
alone (not measured here: the build machine's speed never held for a whole run).

The same holds for paired figures (the time relative to the course's step, the parity
ratios): their factors are each ratio over its row's median ratio.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["DRIFT_QUANTILE", "drift_factor", "widened"]

DRIFT_QUANTILE = 0.02
"""The share of the pooled factors left out at each end. A single stalled sample (a
collection, a page fault) should not widen every row, so the extremes are not used. On the
2-core build machine, four recorded sets of five quick runs had 19 to 38 of 840 medians
outside another run's range with the samples' own ranges, and none with the ranges widened at
the 2nd and 98th percentiles. Of three new sets, two had none and one had 32: its later runs
found the machine twice as fast as its first two did, more than one run's samples had
scattered (``tools/bench_agreement.py``, the performance log of 2026-12-08). A run cannot
see a speed the machine does not take while it runs."""


def drift_factor(groups: Iterable[Sequence[float]], quantile: float = DRIFT_QUANTILE) -> float:
    """How far a run's samples scattered around their rows' medians, as a factor of at least 1.

    Parameters
    ----------
    groups : iterable of sequences of float
        Each row's samples (times, or ratios). Samples that are not positive and finite (a
        step too short for the clock) cannot be set against a median and are left out, as
        is a group left with none.
    quantile : float, default :data:`DRIFT_QUANTILE`
        Left out at each end of the pooled factors, in [0, 0.5).

    Returns
    -------
    float
        ``max(upper, 1 / lower, 1)`` of the pooled sample-over-median factors; 1 when fewer
        than two samples were usable.

    Raises
    ------
    ValueError
        For a ``quantile`` outside [0, 0.5).
    """
    if not 0 <= quantile < 0.5:
        raise ValueError(f"quantile={quantile!r} is not valid: expected 0 <= quantile < 0.5")
    factors: list[float] = []
    for group in groups:
        # a run must not fail at its end, after minutes of timing, over one unusable sample
        samples = [float(x) for x in group if math.isfinite(x) and x > 0]
        if not samples:
            continue
        median = statistics.median(samples)
        factors += [x / median for x in samples]
    if len(factors) < 2:
        return 1.0
    lower, upper = np.quantile(factors, [quantile, 1 - quantile])
    return float(max(upper, 1 / lower, 1.0))


def widened(median: float, low: float, high: float, factor: float) -> tuple[float, float]:
    """A row's range ``[low, high]`` widened to at least ``[median / factor, median × factor]``.

    Parameters
    ----------
    median, low, high : float
        The row's median and its samples' range.
    factor : float
        From :func:`drift_factor`, at least 1.

    Returns
    -------
    tuple of float
    """
    return min(low, median / factor), max(high, median * factor)
