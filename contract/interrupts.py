"""Ctrl-C, SIGTERM and SIGHUP during a run, in one place: when they are delivered, held or
ignored.

CI systems cancel a job with SIGTERM (GitHub Actions, GitLab, ``timeout``, ``docker stop``)
and a closed terminal sends SIGHUP: each of them must end a run as Ctrl-C does, with its
cleanup and its reports. :func:`signals_as_interrupts` turns them into an
:class:`Interrupted` (a ``KeyboardInterrupt`` that knows its signal) for as long as a run
lasts; from then on they are handled exactly as SIGINT is.

A run must never leave behind what it created, so an interrupt is never allowed to land
between a create and its ledger entry (:func:`hold_interrupts`), nor in the middle of
cleanup (:func:`ignore_interrupts`: a second signal never shortens it); while Hypothesis
drives, it is raised inside a case and otherwise at the next case
(:func:`interrupts_between_cases`). Signal handlers exist only on the main thread:
elsewhere (pytest-xdist workers, a notebook's threads) each of these is a no-op. Every
handler put in place is replaced by what was there before.
"""

from __future__ import annotations

import gc
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

__all__ = [
    "BetweenCases",
    "Interrupted",
    "exit_code_for",
    "hold_interrupts",
    "ignore_interrupts",
    "interrupts_between_cases",
    "last_signal",
    "signals_as_interrupts",
]

Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers

# SIGHUP does not exist on Windows.
_CONVERTED = tuple(
    s
    for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)


class Interrupted(KeyboardInterrupt):
    """A run was interrupted by ``signum`` (SIGINT, SIGTERM or SIGHUP).

    A ``KeyboardInterrupt``, so every place that lets Ctrl-C end a run cleanly does the
    same for the others.
    """

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as a shell reports it: 130, 143, 129."""
        return exit_code_for(self.signum)


def exit_code_for(signum: int | None) -> int:
    """The exit code of a run that ``signum`` interrupted (``None``: Ctrl-C)."""
    return 128 + int(signal.SIGINT if signum is None else signum)


# The first interrupt signal received since the outermost signals_as_interrupts() began:
# a phase that catches the interrupt and raises a plain KeyboardInterrupt of its own
# (schemathesis does) must not turn a SIGTERM into a Ctrl-C. ``raised``: one was raised.
_first: list[int] = []
_raised: list[bool] = []


def _note(signum: int) -> None:
    if not _first:
        _first.append(signum)


def last_signal() -> int | None:
    """The first interrupt signal received during :func:`signals_as_interrupts` (or None)."""
    return _first[0] if _first else None


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    _note(signum)
    if _raised:
        # The run is already winding down to its cleanup: a second signal (CI sends SIGTERM
        # again, a user presses Ctrl-C twice) must not cut that short.
        return
    raise _interrupt(signum)


def _interrupt(signum: int) -> KeyboardInterrupt:
    """The exception that delivers ``signum``; from now on further interrupts are ignored."""
    if not _raised:
        _raised.append(True)
    # Ctrl-C stays the plain KeyboardInterrupt it has always been.
    return KeyboardInterrupt() if signum == signal.SIGINT else Interrupted(signum)


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _interrupt_signals() -> list[int]:
    """SIGINT, and SIGTERM/SIGHUP while :func:`signals_as_interrupts` routes them."""
    routed = [s for s in _CONVERTED[1:] if signal.getsignal(s) is _raise_interrupted]
    return [signal.SIGINT, *routed]


@contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Interrupted` for the block, as Ctrl-C raises
    ``KeyboardInterrupt``; after the first, further interrupts are ignored.

    Only a signal left to its default action (Python's own ``KeyboardInterrupt`` for
    SIGINT) is taken over: one that is ignored (``nohup`` ignores SIGHUP) or that a host
    handles itself stays as it is. Nested blocks are fine.
    """
    if not _on_main_thread():
        yield
        return
    if not any(signal.getsignal(s) is _raise_interrupted for s in _CONVERTED):
        _first.clear()
        _raised.clear()
    defaults = {signal.SIGINT: signal.default_int_handler}
    taken: list[tuple[int, Handler | None]] = []
    for signum in _CONVERTED:
        if signal.getsignal(signum) is defaults.get(signum, signal.SIG_DFL):
            taken.append((signum, signal.signal(signum, _raise_interrupted)))
    try:
        yield
    finally:
        for signum, previous in taken:
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)


@contextmanager
def _handling(handler: Handler, signals: list[int] | None = None) -> Iterator[bool]:
    """``handler`` answers the interrupt signals for the block; says whether it could be
    put in place."""
    if not _on_main_thread():
        yield False
        return
    previous = [(s, signal.signal(s, handler)) for s in signals or _interrupt_signals()]
    try:
        yield True
    finally:
        # None: the handler was not set from Python, and the default is what it did.
        for signum, before in reversed(previous):
            signal.signal(signum, signal.SIG_DFL if before is None else before)


@contextmanager
def ignore_interrupts() -> Iterator[None]:
    """Ignore every interrupt for the block: a second one must not leave half a cleanup
    behind."""
    with _handling(signal.SIG_IGN):
        yield


@contextmanager
def hold_interrupts() -> Iterator[None]:
    """Hold interrupts until the block is over, then deliver the first one.

    Wrap a create and its ledger entry in it: an interrupt after the server created a
    resource but before the ledger wrote it down would leave that resource behind.
    """
    received: list[int] = []

    def held(signum: int, frame: FrameType | None) -> None:
        _note(signum)
        received.append(signum)

    with _handling(held):
        yield
    if received:
        signal.raise_signal(received[0])


def _in_gc_callback(frame: FrameType | None) -> bool:
    # An exception raised in a gc callback is reported as unraisable and discarded.
    codes = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in codes:
            return True
        frame = frame.f_back
    return False


class BetweenCases:
    """An interrupt while Hypothesis drives: raised at once inside a case, else at the next
    case."""

    def __init__(self) -> None:
        self.pending: int | None = None
        self.inside_case = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The interrupt signals' handler."""
        _note(signum)
        if self.pending is None:
            self.pending = signum
        if self.inside_case and not _in_gc_callback(frame):
            raise _interrupt(signum)

    def check(self) -> None:
        """Raise the interrupt that arrived between cases, if one did."""
        if self.pending is not None:
            raise _interrupt(self.pending)


@contextmanager
def interrupts_between_cases() -> Iterator[BetweenCases]:
    """Deliver interrupts only where Hypothesis can take it (see :class:`BetweenCases`).

    A ``KeyboardInterrupt`` raised in Hypothesis's own machinery is not safe: it can surface
    as an internal ``AssertionError``, and one raised in its garbage-collector callback is
    printed and then lost. Only Python's own Ctrl-C handler (and SIGTERM/SIGHUP routed by
    :func:`signals_as_interrupts`) is replaced, not an ignored SIGINT nor a host's handler.
    """
    state = BetweenCases()
    signals = [
        s
        for s in _interrupt_signals()
        if signal.getsignal(s) in (signal.default_int_handler, _raise_interrupted)
    ]
    if not signals:
        yield state
        return
    with _handling(state.handle, signals):
        yield state
    state.check()
