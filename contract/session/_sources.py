"""Where a batch's cases come from: Hypothesis (maybe writing a recording's corpus) or a
recording's corpus replayed in order.

A source either runs a batch itself (:meth:`CaseSource.batch`: Hypothesis drives, and
shrinks a failure where shrinking is on) or only says which cases it holds
(:meth:`CaseSource.draw`), for a scheduler that runs them on several workers. For one seed
both give the same cases in the same order: Hypothesis's generation does not depend on
what the cases did, only shrinking does. Every case runs under its tag (``key#index``,
see :func:`~contract.session._session.tagged`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hypothesis import strategies as st

from contract.cassettes import Corpus
from contract.interrupts import interrupts_between_cases
from contract.session._driver import drive, run_seeded
from contract.session._session import Outcome, tagged

__all__ = ["CaseSource", "GeneratedSource", "ReplaySource"]


class CaseSource(Protocol):
    """Where a batch's cases come from: Hypothesis (and maybe a recording) or a corpus."""

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]: ...

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[Any]], examples: int
    ) -> list[Any]: ...

    def executed(self, key: str, drawn: Any) -> None: ...


def _counted(key: str, execute: Callable[[Any], Outcome]) -> Callable[[Any], Outcome]:
    """``execute`` running each call as the next case of batch ``key``."""
    count = [0]

    def run(drawn: Any) -> Outcome:
        index = count[0]
        count[0] += 1
        return tagged(f"{key}#{index}", execute, drawn)

    return run


@dataclass
class GeneratedSource:
    """Draw cases with Hypothesis; when ``corpus`` is set, write each executed case into it.

    With ``exitfirst`` a batch ends at its first failing case.
    """

    seed: int
    shrink: bool
    corpus: Corpus | None = None
    exitfirst: bool = False

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run up to ``examples`` drawn cases through ``execute``."""
        run = _counted(key, execute)

        def logged(drawn: Any) -> Outcome:
            self.executed(key, drawn)
            return run(drawn)

        return drive(
            strategy(),
            logged,
            examples=examples,
            seed=self.seed,
            shrink=self.shrink,
            exitfirst=self.exitfirst,
        )

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[Any]], examples: int
    ) -> list[Any]:
        """The cases :meth:`batch` would run for ``key`` (before any failure), unexecuted."""
        drawn: list[Any] = []
        # Ctrl-C while Hypothesis draws waits for the draw to end (see contract.interrupts).
        with interrupts_between_cases():
            run_seeded(strategy(), drawn.append, examples=examples, seed=self.seed)
        return drawn

    def executed(self, key: str, drawn: Any) -> None:
        """Write down (when recording) that batch ``key`` ran ``drawn`` next."""
        if self.corpus is not None:
            self.corpus.add(key, drawn)


@dataclass
class ReplaySource:
    """Re-execute the cases a recording stored, in their order; nothing is generated.

    With ``exitfirst`` a batch ends at its first failing case.
    """

    corpus: Corpus
    exitfirst: bool = False

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[Any]],
        execute: Callable[[Any], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run the stored cases of ``key`` (none if the recording had none)."""
        run = _counted(key, execute)
        outcomes: list[Outcome] = []
        for drawn in self.corpus.cases(key):
            outcomes.append(run(drawn))
            if self.exitfirst and outcomes[-1].failed:
                break
        return outcomes

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[Any]], examples: int
    ) -> list[Any]:
        """The stored cases of ``key``, in their order."""
        return self.corpus.cases(key)

    def executed(self, key: str, drawn: Any) -> None:
        """Nothing to write down: the recording already holds it."""
