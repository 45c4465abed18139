"""The stateful phase alongside the others: its sequences on a thread of their own.

A stateful sequence is ordered within itself: each step waits for the answers before it,
since what the model predicts depends on them. On a slow network its round trips come one
after another whatever the number of workers, so a phase run after the others would add
all of them to the run's wall time. Its leads are its own (no case of the other phases
touches them), so it runs while the plan's cases run instead, sharing the client and its
rate budget with them.

What it reports does not depend on that: its outcomes are handed over after the plan's, in
their order, and what it wrote into a recording's corpus is written when they are, as a run
that took the phases one after another would have done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from hypothesis import strategies as st

from contract.cassettes import Drawn
from contract.engine._workers import finish
from contract.session import CaseSource, Outcome, Record, SequenceRecord
from contract.stateful import Stopped

__all__ = ["Alongside"]

CaseT = TypeVar("CaseT", bound=Drawn)


class _Deferred:
    """A source whose :meth:`executed` calls wait to be handed to the real one (what it
    draws or replays, it takes from the real one)."""

    def __init__(self, inner: CaseSource) -> None:
        self.inner = inner
        self.calls: list[tuple[str, Record]] = []

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[CaseT]],
        execute: Callable[[CaseT], Outcome],
        examples: int,
    ) -> list[Outcome]:
        return self.inner.batch(key, strategy, execute, examples)

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[CaseT]], examples: int
    ) -> list[CaseT]:
        return self.inner.draw(key, strategy, examples)

    def executed(self, key: str, drawn: Record) -> None:
        self.calls.append((key, drawn))

    def sequences(self, key: str) -> list[SequenceRecord] | None:
        return self.inner.sequences(key)


class Alongside:
    """Run ``phase(source, stop)`` on a thread while the caller goes on.

    :meth:`outcomes` waits for it and yields what it produced (raising what it raised);
    :meth:`close` tells it to stop after its current step and waits for it. Either way,
    once they return, the thread sends nothing more: cleanup may begin.
    """

    def __init__(
        self,
        phase: Callable[[CaseSource, threading.Event], Iterator[Outcome]],
        source: CaseSource,
    ) -> None:
        self._source = source
        self._deferred = _Deferred(source)
        self._stop = threading.Event()
        self._phase = phase
        self._pool = ThreadPoolExecutor(1, "close-contract-stateful")
        self._done: Future[list[Outcome]] | None = None

    def start(self) -> Alongside:
        """Start the phase; return self."""
        self._done = self._pool.submit(self._run)
        return self

    def _run(self) -> list[Outcome]:
        # What it raises, the future hands to the caller's thread in outcomes().
        try:
            return list(self._phase(self._deferred, self._stop))
        except Stopped:
            return []  # the run is ending: what was made is the ledger's to delete

    def outcomes(self) -> Iterator[Outcome]:
        """The phase's outcomes, in order, once it is over (its error raised here)."""
        assert self._done is not None, "start() first"
        try:
            outcomes = self._done.result()
        except KeyboardInterrupt:
            self.close()  # Ctrl-C while waiting: the phase stops too, then cleanup runs
            raise
        for key, drawn in self._deferred.calls:
            self._source.executed(key, drawn)
        self._deferred.calls.clear()
        yield from outcomes

    def close(self) -> None:
        """Stop the phase after its current step and wait for it."""
        self._stop.set()
        finish(self._pool)
