"""Ctrl-C during a run, in one place: when it is delivered, held or ignored.

A run must never leave behind what it created, so an interrupt is never allowed to land
between a create and its ledger entry (:func:`hold_interrupts`), nor in the middle of
cleanup (:func:`ignore_interrupts`); while Hypothesis drives, it is raised inside a case
and otherwise at the next case (:func:`interrupts_between_cases`). Signal handlers exist
only on the main thread: elsewhere (pytest-xdist workers, a notebook's threads) each of
these is a no-op. Every handler put in place is replaced by what was there before.
"""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = ["BetweenCases", "hold_interrupts", "ignore_interrupts", "interrupts_between_cases"]

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers


@contextmanager
def _handling(handler: Handler) -> Iterator[bool]:
    """``handler`` answers SIGINT for the block; says whether it could be put in place."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield True
    finally:
        # None: the handler was not set from Python, and the default is what it did.
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


@contextmanager
def ignore_interrupts() -> Iterator[None]:
    """Ignore Ctrl-C for the block: a second one must not leave half a cleanup behind."""
    with _handling(signal.SIG_IGN):
        yield


@contextmanager
def hold_interrupts() -> Iterator[None]:
    """Hold Ctrl-C until the block is over, then deliver it.

    Wrap a create and its ledger entry in it: an interrupt after the server created a
    resource but before the ledger wrote it down would leave that resource behind.
    """
    received: list[int] = []
    with _handling(lambda signum, frame: received.append(signum)):
        yield
    if received:
        signal.raise_signal(signal.SIGINT)


def _in_gc_callback(frame: FrameType | None) -> bool:
    # An exception raised in a gc callback is reported as unraisable and discarded.
    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


class BetweenCases:
    """Ctrl-C while Hypothesis drives: raised at once inside a case, else at the next case."""

    def __init__(self) -> None:
        self.pending = False
        self.inside_case = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The SIGINT handler."""
        self.pending = True
        if self.inside_case and not _in_gc_callback(frame):
            raise KeyboardInterrupt

    def check(self) -> None:
        """Raise the interrupt that arrived between cases, if one did."""
        if self.pending:
            raise KeyboardInterrupt


@contextmanager
def interrupts_between_cases() -> Iterator[BetweenCases]:
    """Deliver Ctrl-C only where Hypothesis can take it (see :class:`BetweenCases`).

    A ``KeyboardInterrupt`` raised in Hypothesis's own machinery is not safe: it can surface
    as an internal ``AssertionError``, and one raised in its garbage-collector callback is
    printed and then lost. Only Python's own Ctrl-C handler is replaced, not an ignored
    SIGINT nor a host's handler.
    """
    state = BetweenCases()
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield state
        return
    with _handling(state.handle):
        yield state
    state.check()
