"""What a verbose run shows: a live display where someone watches, and the costs as lines."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

__all__ = ["Progress"]


def _format_cost(cost: float) -> str:
    # six decimals as the course prints them, unless a cost that large would fill the screen
    return f"{cost:.6f}" if abs(cost) < 1e6 else f"{cost:.6e}"


class Progress:
    """What a verbose run shows on stderr: one live display, and each reported cost once.

    The live display is shown only where someone watches it, a terminal or a notebook: a tqdm
    bar with the current cost when tqdm is installed, else one line redrawn in place (a
    carriage return, at most ten times a second). A log file or a pipe gets no live display,
    whose redraws would only repeat the costs there. In every case the cost at iteration 0,
    every tenth of the run and the last iteration is printed once, as a line of its own, in
    the course's words: ``cost after iteration i: c``.

    ``style="epochs"`` prints scikit-learn's lines instead, on stdout: ``Iteration i, loss =
    c`` after every iteration, ``Validation score: s`` after every held-out score, and what
    the stall count decided (:meth:`plateau`).

    Reporting never ends a training: where stderr is missing (None), closed or fails to write
    (a closed pipe), the course's output stops there and the run goes on.
    """

    _REDRAW_S = 0.1  # the fallback line's redraw interval, as tqdm's default mininterval

    def __init__(self, total: int, enabled: bool, desc: str, style: str = "course") -> None:
        self.enabled = bool(enabled)
        self.style = style
        self.total = total
        self.desc = desc
        self.every = max(1, total // 10)
        self.stream = sys.stderr  # read now, not at import, so redirections are honoured
        self.bar: Any = None
        self.live = False
        self.last: tuple[int, float] | None = None
        self.printed: int | None = None
        self.drawn_at = -math.inf
        self.width = 0
        if style == "course" and self.stream is None:  # pythonw, a detached service
            self.enabled = False
        if not (self.enabled and style == "course" and self._watched(self.stream)):
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            self.live = True
            return
        self.bar = tqdm(total=total, desc=desc, unit="it", leave=True, file=self.stream)

    @staticmethod
    def _watched(stream: Any) -> bool:
        # A notebook's streams are no terminals, but its kernel renders live output. The kernel
        # is asked for, not the module: a process that merely imported ipykernel (a test
        # runner driving notebooks, say) has no kernel and no one watching.
        isatty = getattr(stream, "isatty", None)
        try:
            terminal = bool(isatty is not None and isatty())
        except (OSError, ValueError):  # a closed stream
            return False
        return terminal or _in_a_kernel()

    def _safely(self, write: Any) -> None:
        # The stream may fail at any write (a pipe closed by ``head``, a closed file): the
        # report stops, the training it reports on does not.
        try:
            write()
        except (OSError, ValueError):
            self.enabled = False

    def update(self, iteration: int, cost: float) -> None:
        if not self.enabled:
            return
        if self.style == "epochs":
            print(f"Iteration {iteration + 1}, loss = {cost:.8f}", flush=True)
            return
        self.last = (iteration, cost)
        self._safely(lambda: self._update(iteration, cost))

    def _update(self, iteration: int, cost: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(cost=_format_cost(cost), refresh=False)
            self.bar.update(1)
        elif self.live:
            now = time.monotonic()
            if now - self.drawn_at >= self._REDRAW_S:
                self._draw(iteration, cost)
                self.drawn_at = now
        if iteration % self.every == 0:
            self._cost_line(iteration, cost)

    def score(self, value: float) -> None:
        """Report a held-out score (scikit-learn's style only)."""
        if self.enabled and self.style == "epochs":
            print(f"Validation score: {value:f}", flush=True)

    def plateau(self, message: str, learning_rate: float | None) -> None:
        """Report the stall count's decision: a lowered rate (given), or the stop.

        Parameters
        ----------
        message : str
            :func:`~nnbackend.training.rules.stall_message`.
        learning_rate : float or None
            The new rate when the optimizer lowered it; None when the run stops.
        """
        if not (self.enabled and self.style == "epochs"):
            return
        if learning_rate is None:
            print(message + " Stopping.", flush=True)
        else:
            print(message + f" Setting learning rate to {learning_rate:f}", flush=True)

    def close(self) -> None:
        if not self.enabled or self.style == "epochs":
            return
        self._safely(self._close)

    def _close(self) -> None:
        if self.last is not None and self.printed != self.last[0]:
            self._cost_line(*self.last)  # the last cost, also after an early stop
        if self.bar is not None:
            self.bar.close()
        elif self.live and self.last is not None:
            self._draw(*self.last)
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, iteration: int, cost: float) -> None:
        line = f"{self.desc}: {iteration + 1}/{self.total} it, cost {_format_cost(cost)}"
        self.stream.write("\r" + line.ljust(self.width))
        self.stream.flush()
        self.width = len(line)

    def _cost_line(self, iteration: int, cost: float) -> None:
        text = f"cost after iteration {iteration}: {_format_cost(cost)}"
        self.printed = iteration
        if self.bar is not None:
            self.bar.write(text, file=self.stream)  # above the bar, which is redrawn below
        elif self.live:
            # overwrite the live line with the cost line, then redraw the live line below it
            self.stream.write("\r" + text.ljust(self.width) + "\n")
            self._draw(iteration, cost)
        else:
            print(text, file=self.stream, flush=True)


def _in_a_kernel() -> bool:
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
