"""Parity: nnbackend on a library against the hand-written step on the same library.

Two implementations timed one after the other see different moments of a shared machine's
load, and on equal work (the same matrix products) that noise is larger than the difference
being measured. Here the two steps are timed in alternating samples, so that drift hits both
alike, and the ratio of their medians is reported: what "nnbackend is at parity with a
hand-written step on its own library" means, in numbers.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nnbackend.bench.implementations import row_of
from nnbackend.bench.peers import PEERS, Step

__all__ = ["Parity", "interleaved", "interleaved_samples", "peer_pairs"]

# One sample runs the step this long at least (several calls of a small step), so that the
# clock's resolution and one call's jitter do not dominate it.
_SAMPLE_S = 2e-3


@dataclass(frozen=True)
class Parity:
    """nnbackend's step and a peer's, timed in alternating samples on one case.

    Attributes
    ----------
    ours, peer : str
        The implementations' names.
    ours_s, peer_s : float
        Median seconds per step over the samples.
    ratio : float
        ``ours_s / peer_s``: below 1, nnbackend is faster.
    samples : int
        Samples of each.
    """

    ours: str
    peer: str
    ours_s: float
    peer_s: float
    ratio: float
    samples: int


def peer_pairs(implementations: Sequence[str]) -> list[tuple[str, str]]:
    """The (nnbackend row, peer) pairs among ``implementations``: same library, same device.

    Parameters
    ----------
    implementations : sequence of str

    Returns
    -------
    list of (str, str)
    """
    wanted = set(implementations)
    pairs = []
    for name in implementations:
        if not name.startswith("nnbackend-"):
            continue
        row = row_of(name)
        if row.steps_per_call != 1 or row.library is None or name != f"nnbackend-{row.library}":
            continue  # the fit rows and the training-loop step are not steps of a library
        for peer in PEERS:
            if peer.name in wanted and peer.library == row.library and peer.device == row.device:
                pairs.append((name, peer.name))
    return pairs


def _seconds_per_call(
    step: Callable[[], None], sync: Callable[[], None], clock: Callable[[], float]
) -> float:
    sync()
    start = clock()
    for _ in range(3):
        step()
    sync()
    return (clock() - start) / 3


def _sample(
    step: Callable[[], None], sync: Callable[[], None], calls: int, clock: Callable[[], float]
) -> float:
    start = clock()
    for _ in range(calls):
        step()
    sync()
    return (clock() - start) / calls


def interleaved(
    ours: Step,
    peer: Step,
    budget_s: float,
    warmup: int = 3,
    min_samples: int = 5,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[float, float, int]:
    """Time two steps in alternating samples; return their medians per step and the count.

    The same as :func:`interleaved_samples`, reduced to the two medians.

    Returns
    -------
    (ours_s, peer_s, samples)
    """
    mine, theirs = interleaved_samples(ours, peer, budget_s, warmup, min_samples, clock)
    return statistics.median(mine), statistics.median(theirs), len(mine)


def interleaved_samples(
    ours: Step,
    peer: Step,
    budget_s: float,
    warmup: int = 3,
    min_samples: int = 5,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[list[float], list[float]]:
    """Time two steps in alternating samples; return each one's seconds per step, in pairs.

    Sample ``i`` of one and sample ``i`` of the other were taken one right after the other,
    so their ratio compares the two under the same load.

    Parameters
    ----------
    ours, peer : (step, sync)
    budget_s : float
        Seconds to spend, both together (at least ``min_samples`` each).
    warmup : int, default 3
        Untimed calls of each first.
    min_samples : int, default 5
    clock : callable, default time.perf_counter
        Seconds, monotonic (a test passes a fake one).

    Returns
    -------
    (ours, peer) : two lists of float of the same length
    """
    for step, sync in (ours, peer):
        for _ in range(warmup):
            step()
        sync()
    # The same number of calls per sample for both (one device sync per sample, so equal
    # counts keep asynchronous libraries comparable), enough for the faster one to fill it.
    fastest = min(_seconds_per_call(*ours, clock), _seconds_per_call(*peer, clock))
    calls = max(1, min(1000, int(_SAMPLE_S / max(fastest, 1e-7))))
    mine: list[float] = []
    theirs: list[float] = []
    spent = 0.0
    while len(mine) < min_samples or spent < budget_s:
        # alternate which goes first, so neither always follows the other
        order = [(ours, mine), (peer, theirs)]
        if len(mine) % 2:
            order.reverse()
        for (step, sync), out in order:
            out.append(_sample(step, sync, calls, clock))
            spent += out[-1] * calls
        if len(mine) >= 200:
            break
    return mine, theirs
