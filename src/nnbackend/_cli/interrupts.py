"""Ctrl-C that a long command does not lose.

Python turns SIGINT into a KeyboardInterrupt wherever the main thread happens to be when it
handles the signal. Raised inside a finalizer, a weakref callback or a C call that clears
errors, the exception is dropped, and a fit of millions of iterations runs on: seen in the
suite under load, with PyTorch and JAX as the library (``tests/test_cli.py``'s real-command
Ctrl-C test timed out 60 s after its SIGINT). Within :func:`repeated_interrupts`, a SIGINT
raises KeyboardInterrupt and raises it again every quarter second until the command says it
has seen one.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["repeated_interrupts"]

REPEAT_S = 0.25
"""Seconds between a SIGINT and its repetition, while no KeyboardInterrupt has been seen."""


@contextlib.contextmanager
def repeated_interrupts(repeat_s: float = REPEAT_S) -> Iterator[Callable[[], None]]:
    """A block in which a Ctrl-C reaches the command even where Python would drop it.

    The first SIGINT raises KeyboardInterrupt, as Python's own handler does, and starts a
    thread that delivers SIGINT to the main thread again every ``repeat_s`` seconds. Calling
    the function the block yields (``seen``) stops the repetition; from then on, and after
    the block, further SIGINTs inside the block are ignored, so the command's own answer to
    Ctrl-C (saving what was trained) is not interrupted in its turn. The handler is replaced
    only where Python's default one is installed, in the main thread; elsewhere the block
    changes nothing.

    Parameters
    ----------
    repeat_s : float
        Seconds between repetitions.

    Yields
    ------
    seen : callable
        Call it where the KeyboardInterrupt is caught.
    """
    main = threading.current_thread() is threading.main_thread()
    if not main or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield lambda: None
        return
    armed = threading.Event()
    armed.set()
    started: list[threading.Thread] = []

    def repeat() -> None:
        while armed.wait(0) and not _stopped(armed, repeat_s):
            _thread.interrupt_main(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        if not armed.is_set():
            return
        if not started:
            started.append(threading.Thread(target=repeat, name="repeat-ctrl-c", daemon=True))
            started[0].start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield armed.clear
    finally:
        armed.clear()
        signal.signal(signal.SIGINT, previous)


def _stopped(armed: threading.Event, seconds: float) -> bool:
    # Sleep ``seconds`` in small steps; True once the repetition is no longer wanted.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not armed.is_set():
            return True
        time.sleep(min(0.01, seconds))
    return not armed.is_set()
