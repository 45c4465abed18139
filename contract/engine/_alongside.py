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
from typing import Any

from contract.engine._machine import Stopped
from contract.engine._session import Outcome
from contract.engine._sources import CaseSource

__all__ = ["Alongside"]


class _Deferred:
    """A source whose :meth:`executed` calls wait to be handed to the real one (what it
    draws, it draws from the real one)."""

    def __init__(self, inner: CaseSource) -> None:
        self.inner = inner
        self.calls: list[tuple[str, Any]] = []
        self.batch = inner.batch
        self.draw = inner.draw

    def executed(self, key: str, drawn: Any) -> None:
        self.calls.append((key, drawn))


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
        self._outcomes: list[Outcome] = []
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name="close-contract-stateful", daemon=True
        )

    def start(self) -> Alongside:
        """Start the phase; return self."""
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for outcome in self._phase(self._deferred, self._stop):
                self._outcomes.append(outcome)
        except Stopped:
            pass  # the run is ending: what was made is the ledger's to delete
        except BaseException as exc:  # handed to the caller's thread by outcomes()
            self._error = exc

    def outcomes(self) -> Iterator[Outcome]:
        """The phase's outcomes, in order, once it is over (its error raised here)."""
        try:
            self._thread.join()
        except KeyboardInterrupt:
            self.close()  # Ctrl-C while waiting: the phase stops too, then cleanup runs
            raise
        if self._error is not None:
            raise self._error
        for key, drawn in self._deferred.calls:
            self._source.executed(key, drawn)
        self._deferred.calls.clear()
        yield from self._outcomes

    def close(self) -> None:
        """Stop the phase after its current step and wait for it."""
        self._stop.set()
        _join(self._thread)


def _join(thread: threading.Thread) -> None:
    """Wait for ``thread``, also through a second Ctrl-C: cleanup must not start while it
    still sends requests."""
    while thread.is_alive():
        try:
            thread.join()
        except KeyboardInterrupt:
            continue
