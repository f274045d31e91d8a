"""A pytest plugin: the skips of a run, counted by reason, in a few lines at its end.

pytest's ``-rs`` prints one line per skipping test location: with every backend parametrised
and CuPy absent, that is over a hundred lines that bury the failures above them. This prints
one line per reason instead, the commonest first; ``pytest -rs`` still lists each skip.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

MAX_REASONS = 8


def skip_reason(report: Any) -> str:
    """The reason a test report was skipped for, without pytest's "Skipped: " prefix."""
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """Print the skips grouped by reason."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if r.skipped]
    if not skipped:
        return
    counts = Counter(skip_reason(r) for r in skipped)
    terminalreporter.section(f"{len(skipped)} skipped, by reason", sep="-")
    for reason, n in counts.most_common(MAX_REASONS):
        terminalreporter.line(f"{n:5d}  {reason}")
    rest = counts.most_common()[MAX_REASONS:]
    if rest:
        n_rest = sum(n for _, n in rest)
        terminalreporter.line(
            f"{n_rest:5d}  for {len(rest)} other reasons (pytest -rs lists each skip)"
        )
