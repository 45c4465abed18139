"""Where a batch's cases come from: Hypothesis (maybe writing a recording's corpus) or a
recording's corpus replayed in order.

A source either runs a batch itself (:meth:`CaseSource.batch`: Hypothesis drives, and
shrinks a failure where shrinking is on) or only says which cases it holds
(:meth:`CaseSource.draw`), for a scheduler that runs them on several workers. For one seed
both give the same cases in the same order: Hypothesis's generation does not depend on
what the cases did, only shrinking does. Every case runs under its tag (``key#index``,
see :func:`~contract.session._session.tagged`).

A batch's cases have the type its strategy draws (:data:`CaseT`: a case, or a create and
its update), which the batch's ``execute`` takes: the source hands on what it drew, typed.
A stateful sequence is not drawn case by case; the corpus keeps its steps
(:class:`SequenceRecord`), which :meth:`CaseSource.sequences` hands back on a replay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypedDict, TypeVar, cast

from hypothesis import strategies as st

from contract.cassettes import Corpus, Drawn
from contract.interrupts import interrupts_between_cases
from contract.session._driver import drive, run_seeded
from contract.session._session import Outcome, tagged

__all__ = [
    "CaseSource",
    "GeneratedSource",
    "Record",
    "ReplaySource",
    "SequenceRecord",
    "StepRecord",
]

CaseT = TypeVar("CaseT", bound=Drawn)
"""What one case of a batch is: a :class:`~strategies.Case`, or a pair of them (a create and
its update). Only what a recording's corpus can store is drawn through a source."""


class StepRecord(TypedDict):
    """One step of a stateful sequence as a recording keeps it: the rule's name and its
    arguments, JSON-ready (a case as :meth:`~strategies.Case.to_dict` writes it)."""

    rule: str
    args: dict[str, object]


class SequenceRecord(TypedDict):
    """One stateful sequence as a recording keeps it: its number (its label and the tag of
    its requests) and the steps it executed."""

    run: int
    steps: list[StepRecord]


Record = Drawn | SequenceRecord
"""What a recording's corpus keeps of one execution: a drawn case (or pair), or a stateful
sequence."""


class CaseSource(Protocol):
    """Where a batch's cases come from: Hypothesis (and maybe a recording) or a corpus."""

    def batch(
        self,
        key: str,
        strategy: Callable[[], st.SearchStrategy[CaseT]],
        execute: Callable[[CaseT], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run up to ``examples`` cases of batch ``key`` through ``execute``."""
        ...

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[CaseT]], examples: int
    ) -> list[CaseT]:
        """The cases of batch ``key``, unexecuted, in their order."""
        ...

    def executed(self, key: str, drawn: Record) -> None:
        """Write down (when recording) that batch ``key`` ran ``drawn`` next."""
        ...

    def sequences(self, key: str) -> list[SequenceRecord] | None:
        """The sequences a recording stored under ``key`` (None: they are drawn anew)."""
        ...


def _counted(key: str, execute: Callable[[CaseT], Outcome]) -> Callable[[CaseT], Outcome]:
    """``execute`` running each call as the next case of batch ``key``."""
    count = [0]

    def run(drawn: CaseT) -> Outcome:
        index = count[0]
        count[0] += 1
        return tagged(f"{key}#{index}", lambda: execute(drawn))

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
        strategy: Callable[[], st.SearchStrategy[CaseT]],
        execute: Callable[[CaseT], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run up to ``examples`` drawn cases through ``execute``."""
        run = _counted(key, execute)

        def logged(drawn: CaseT) -> Outcome:
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
        self, key: str, strategy: Callable[[], st.SearchStrategy[CaseT]], examples: int
    ) -> list[CaseT]:
        """The cases :meth:`batch` would run for ``key`` (before any failure), unexecuted."""
        drawn: list[CaseT] = []
        # Ctrl-C while Hypothesis draws waits for the draw to end (see contract.interrupts).
        with interrupts_between_cases():
            run_seeded(strategy(), drawn.append, examples=examples, seed=self.seed)
        return drawn

    def executed(self, key: str, drawn: Record) -> None:
        """Write down (when recording) that batch ``key`` ran ``drawn`` next."""
        if self.corpus is not None:
            # The corpus keeps a sequence's record as it is: it is JSON already.
            self.corpus.add(key, drawn)  # type: ignore[arg-type]

    def sequences(self, key: str) -> None:
        """None: every sequence is drawn anew."""
        return None


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
        strategy: Callable[[], st.SearchStrategy[CaseT]],
        execute: Callable[[CaseT], Outcome],
        examples: int,
    ) -> list[Outcome]:
        """Run the stored cases of ``key`` (none if the recording had none)."""
        run = _counted(key, execute)
        outcomes: list[Outcome] = []
        for drawn in self.draw(key, strategy, examples):
            outcomes.append(run(drawn))
            if self.exitfirst and outcomes[-1].failed:
                break
        return outcomes

    def draw(
        self, key: str, strategy: Callable[[], st.SearchStrategy[CaseT]], examples: int
    ) -> list[CaseT]:
        """The stored cases of ``key``, in their order."""
        # What a recording stored under a key is what that key's strategy drew (the batch
        # key names the strategy), and load_corpus checked the form of every entry.
        return cast("list[CaseT]", self.corpus.cases(key))

    def executed(self, key: str, drawn: Record) -> None:
        """Nothing to write down: the recording already holds it."""

    def sequences(self, key: str) -> list[SequenceRecord]:
        """The sequences the recording stored under ``key``, in their order."""
        stored: list[SequenceRecord] = self.corpus.batches.get(key, [])
        return stored
