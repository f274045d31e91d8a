"""The progress report of a verbose fit never ends the fit it reports on."""

import io
import sys

import numpy as np
import pytest

from nnbackend import LogisticRegression, NeuralNetworkClassifier
from nnbackend.datasets import make_moons
from nnbackend.training.progress import Progress


class _BrokenPipe(io.StringIO):
    """A stderr whose reader went away (``nnbackend train | head``)."""

    def __init__(self, terminal: bool = False) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _closed() -> io.StringIO:
    stream = io.StringIO()
    stream.close()
    return stream


@pytest.mark.parametrize(
    "stderr",
    [_closed, _BrokenPipe, lambda: _BrokenPipe(terminal=True), lambda: None],
    ids=["closed", "broken-pipe", "broken-terminal", "none"],
)
@pytest.mark.parametrize("estimator", [NeuralNetworkClassifier, LogisticRegression])
def test_a_verbose_fit_outlives_a_failing_stderr(estimator, stderr, monkeypatch):
    X, y = make_moons(40, seed=0)
    kw = dict(max_iter=12, random_state=0, tol=None)
    quiet = estimator(**kw).fit(X, y)
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the fallback line on a "terminal"
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    monkeypatch.setattr(sys, "stderr", stderr())
    verbose = estimator(verbose=True, **kw).fit(X, y)
    monkeypatch.undo()
    assert verbose.loss_curve_ == quiet.loss_curve_
    np.testing.assert_array_equal(verbose.predict_proba(X), quiet.predict_proba(X))


def test_the_report_stops_at_the_first_failed_write(monkeypatch):
    stream = _BrokenPipe()
    calls = []
    original = stream.write

    def write(text):
        calls.append(text)
        return original(text)

    stream.write = write
    monkeypatch.setattr(sys, "stderr", stream)
    progress = Progress(total=20, enabled=True, desc="fit")
    for i in range(20):
        progress.update(i, 1.0 / (i + 1))
    progress.close()
    assert len(calls) == 1  # print writes once, fails, and nothing more is tried
    assert not progress.enabled


def test_a_missing_stderr_does_not_send_the_costs_to_stdout(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stderr", None)
    progress = Progress(total=5, enabled=True, desc="fit")
    for i in range(5):
        progress.update(i, 0.5)
    progress.close()
    assert capsys.readouterr().out == ""
