"""Where a batch's cases come from: Hypothesis (maybe writing a recording's corpus) or a
recording's corpus replayed in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hypothesis import strategies as st

from contract.cassettes import Corpus
from contract.engine._driver import drive
from contract.engine._session import Outcome

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
        corpus = self.corpus

        def logged(drawn: Any) -> Outcome:
            if corpus is not None:
                corpus.add(key, drawn)
            return execute(drawn)

        return drive(
            strategy(),
            logged,
            examples=examples,
            seed=self.seed,
            shrink=self.shrink,
            exitfirst=self.exitfirst,
        )


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
        outcomes: list[Outcome] = []
        for drawn in self.corpus.cases(key):
            outcomes.append(execute(drawn))
            if self.exitfirst and outcomes[-1].failed:
                break
        return outcomes
