"""Ctrl-C in a long command: a KeyboardInterrupt that Python drops (in a finalizer, in C code
that clears errors) is raised again until the command has seen one."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from nnbackend._cli.interrupts import repeated_interrupts

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends itself SIGINT")

DEADLINE_S = 30.0  # a bound for a hung test, not a timing: the repetition comes in 0.05 s


def _work_until_interrupted(swallow_first: bool) -> int:
    """Spin until a KeyboardInterrupt escapes; returns how many were dropped on the way."""
    dropped = sent = 0
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        try:
            if not sent:
                sent = 1
                os.kill(os.getpid(), signal.SIGINT)  # handled inside this try
            time.sleep(0.001)
        except KeyboardInterrupt:
            if swallow_first and dropped == 0:
                dropped += 1  # what a finalizer or an error-clearing C call does
                continue
            assert dropped == int(swallow_first)
            raise
    pytest.fail(f"no KeyboardInterrupt reached the command within {DEADLINE_S} s")


def test_a_dropped_interrupt_is_raised_again():
    with repeated_interrupts(0.05) as seen:
        with pytest.raises(KeyboardInterrupt):
            _work_until_interrupted(swallow_first=True)
        seen()


def test_after_seen_and_after_the_block_nothing_repeats():
    before = signal.getsignal(signal.SIGINT)
    with repeated_interrupts(0.05) as seen:
        with pytest.raises(KeyboardInterrupt):
            _work_until_interrupted(swallow_first=False)
        seen()
        # the command's answer (saving the model) runs in peace: repetitions and new
        # SIGINTs are ignored
        os.kill(os.getpid(), signal.SIGINT)
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            time.sleep(0.001)
    assert signal.getsignal(signal.SIGINT) is before
    assert not [t for t in threading.enumerate() if t.name == "repeat-ctrl-c" and t.is_alive()]


def test_without_an_interrupt_the_block_changes_nothing():
    before = signal.getsignal(signal.SIGINT)
    with repeated_interrupts(0.05):
        assert signal.getsignal(signal.SIGINT) is not before
        time.sleep(0.1)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_custom_handler_or_another_thread_is_left_alone():
    calls = []
    previous = signal.signal(signal.SIGINT, lambda *a: calls.append(a))
    try:
        with repeated_interrupts(0.05):
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        assert len(calls) == 1
    finally:
        signal.signal(signal.SIGINT, previous)
    result = []

    def in_thread():
        with repeated_interrupts(0.05) as seen:
            result.append(seen)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert signal.getsignal(signal.SIGINT) is previous and len(result) == 1
