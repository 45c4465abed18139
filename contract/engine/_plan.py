"""The run's main phases as a plan: cases drawn as they fall due, one of every kind first.

A :class:`Batch` is what one Hypothesis strategy feeds (the valid lifecycles of a type, one
invalid mutation of one field); its cases are drawn as a whole, the first time one of them
is due (see :meth:`~contract.session.CaseSource.draw`), so they can be put in any order and
run on several workers, and drawing overlaps the network waits of the cases in flight.
The order is chosen for fast first detection: the *breadth* phase runs one case of every
kind (each invalid mutation, the unknown-id probes, one valid lifecycle
per type) before any kind runs twice; the rest follows in the ``valid`` and ``invalid``
phases. A fault that one request of a kind shows is found within the first few dozen
requests, not after a hundred valid lifecycles.

:func:`execute_plan` runs the plan and yields its events in plan order, whatever the
number of workers. When shrinking is on and a case fails, its batch is run again by
Hypothesis to shrink it (the batch's earlier cases are sent again, within the run's
shrink budget, ``--shrink-budget``, on a live target) and the shrunk case is
reported in the failing case's place; the batch's later cases are dropped, as a
sequential Hypothesis run would never have reached them. Once the run's budget is spent
(``--max-time``), no further case is drawn or sent, and no failure is shrunk: the cases in
flight finish, and the phases not reached still open and close, empty.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from hypothesis import strategies as st

from contract.cassettes import Drawn
from contract.config import OptionError
from contract.discovery import Organization, TypeContract
from contract.engine._workers import Job, run_jobs
from contract.events import PhaseFinished, PhaseStarted
from contract.phases import (
    References,
    mutation_case,
    query_probes,
    unknown_id_probes,
    valid_lifecycle,
)
from contract.session import CaseSource, Outcome, Session, ShrinkBudget
from strategies import (
    MUTATIONS,
    Case,
    MissingReferenceError,
    invalid_payloads,
    mutation_targets,
    valid_payloads,
)

__all__ = ["Batch", "Phase", "Plan", "Planned", "Probe", "build_plan", "execute_plan"]


CaseT = TypeVar("CaseT", bound=Drawn)
# What the run's progress callback returns (an event), handed on as it is.
P = TypeVar("P")


class Planned(Protocol):
    """A batch as the plan schedules it, whatever its cases are.

    The plan holds batches of different cases (a create and its update, one invalid
    case) and a fixed probe; it only puts them in order, so their cases stay typed inside
    each :class:`Batch`, which drew them.
    """

    @property
    def key(self) -> str:
        """The batch's key: its cases' tags and its entries in a recording's corpus."""
        ...

    @property
    def examples(self) -> int:
        """At most this many cases."""
        ...

    def job(self, index: int, source: CaseSource) -> Job | None:
        """Case ``index`` as a job (None: the batch has fewer cases)."""
        ...

    def executed(self, source: CaseSource, index: int) -> None:
        """Tell ``source`` that case ``index`` ran (a recording keeps it)."""
        ...

    def shrunk(self, source: CaseSource, failed: Outcome, budget: ShrinkBudget) -> Outcome:
        """The failing case ``failed`` shrunk by Hypothesis (itself when it cannot be),
        within what is left of the run's shrink ``budget``."""
        ...


@dataclass(slots=True)
class Batch(Generic[CaseT]):
    """One strategy's cases: ``execute(drawn, index)`` runs case ``index`` of batch ``key``."""

    key: str
    strategy: Callable[[], st.SearchStrategy[CaseT]]
    execute: Callable[[CaseT, int], Outcome]
    examples: int
    _drawn: list[CaseT] | None = None

    def cases(self, source: CaseSource) -> list[CaseT]:
        """The batch's cases, drawn from ``source`` the first time they are asked for."""
        if self._drawn is None:
            self._drawn = source.draw(self.key, self.strategy, self.examples)
        return self._drawn

    def job(self, index: int, source: CaseSource) -> Job | None:
        """Case ``index`` of this batch as a job (None: fewer were drawn)."""
        cases = self.cases(source)
        if index >= len(cases):
            return None
        return Job(self.key, index, functools.partial(self.execute, cases[index], index))

    def executed(self, source: CaseSource, index: int) -> None:
        """Tell ``source`` that case ``index`` ran."""
        source.executed(self.key, self.cases(source)[index])

    def shrunk(self, source: CaseSource, failed: Outcome, budget: ShrinkBudget) -> Outcome:
        """The failing case of this batch shrunk by Hypothesis (``failed`` if it does not
        fail again: the target answered differently the second time). The batch's earlier
        cases are sent again, all within the run's shrink ``budget``: once it is spent,
        the smallest failing case found so far stands."""
        execute = budget.metered(self.counted())
        outcomes = source.batch(self.key, self.strategy, execute, self.examples)
        if outcomes and outcomes[-1].failed:
            return outcomes[-1]
        return failed

    def counted(self) -> Callable[[CaseT], Outcome]:
        """``execute`` numbering its calls 0, 1, ... (for Hypothesis driving the batch)."""
        count = [0]

        def run(drawn: CaseT) -> Outcome:
            count[0] += 1
            return self.execute(drawn, count[0] - 1)

        return run


@dataclass(frozen=True, slots=True)
class Probe:
    """A fixed case, not drawn: nothing to record, nothing to shrink."""

    key: str
    execute: Callable[[], Outcome]
    examples: int = 1

    def job(self, index: int, source: CaseSource) -> Job | None:
        """The probe as a job."""
        return Job(self.key, index, self.execute)

    def executed(self, source: CaseSource, index: int) -> None:
        """Nothing to record: a replay runs the probe again as it is."""

    def shrunk(self, source: CaseSource, failed: Outcome, budget: ShrinkBudget) -> Outcome:
        """Nothing to shrink."""
        return failed


# A place in the plan: case ``index`` of a batch (skipped if the batch drew fewer).
Slot = tuple[Planned, int]


@dataclass(slots=True)
class Phase:
    """A phase's name and its slots, in the order they report."""

    name: str
    slots: list[Slot] = field(default_factory=list)

    @property
    def total(self) -> int:
        """At most this many cases (a batch may draw fewer than its examples)."""
        return len(self.slots)


@dataclass(slots=True)
class Plan:
    """The phases of a run in order."""

    phases: list[Phase]


def _valid_batch(
    s: Session, tc: TypeContract, refs: References, lead: str
) -> Batch[tuple[Case, Case]]:
    # Built once: the plan builds it to see whether its references exist, the source to draw.
    @functools.cache
    def strategy() -> st.SearchStrategy[tuple[Case, Case]]:
        one = valid_payloads(tc.request_schema, references=refs)
        return st.tuples(one, valid_payloads(tc.request_schema, references=refs))

    def execute(pair: tuple[Case, Case], index: int) -> Outcome:
        # The first case of each type also runs the auth and isolation probes on its
        # instance, and the reads with query parameters: by its place, not by which case
        # happened to finish first.
        first = index == 0
        probes = (query_probes,) if first else ()
        return valid_lifecycle(s, tc, pair[0], pair[1], lead, probe=first, probes=probes)

    return Batch(f"valid:{tc.type_id}", strategy, execute, s.config.examples)


def _invalid_batches(
    s: Session, tc: TypeContract, refs: References
) -> list[tuple[str, Batch[Case]]]:
    def execute(case: Case, index: int) -> Outcome:
        return mutation_case(s, tc, case)

    batches: list[tuple[str, Batch[Case]]] = []
    for mutation, target in mutation_targets(tc.request_schema):
        strategy = functools.cache(
            functools.partial(
                invalid_payloads,
                tc.request_schema,
                references=refs,
                mutation=mutation,
                target=target,
            )
        )
        key = f"invalid:{tc.type_id}:{mutation}:{target}"
        batches.append((mutation, Batch(key, strategy, execute, s.config.invalid_examples)))
    return batches


def build_plan(
    s: Session, org: Organization, refs: References, lead: str, setup_failed: bool
) -> Plan:
    """The main phases, in order: one case of each kind first (nothing is drawn yet)."""
    valid: list[Batch[tuple[Case, Case]]] = []
    for tc in org.types:
        lifecycles = _valid_batch(s, tc, refs, lead)
        try:
            lifecycles.strategy()  # a missing reference shows when the strategy is built
        except MissingReferenceError as exc:
            if setup_failed:
                continue  # the setup's violations say why no referenced instance exists
            raise OptionError(
                "{type_name}: no valid payload can be built: {problem}; include the "
                "referenced type in the run ({custom_object_type_ids})",
                type_name=tc.name,
                problem=exc,
            ) from None
        valid.append(lifecycles)
    invalid: list[tuple[str, Batch[Case]]] = []
    for tc in org.types:
        for mutation, refusals in _invalid_batches(s, tc, refs):
            try:
                refusals.strategy()
            except MissingReferenceError:
                continue
            invalid.append((mutation, refusals))
    probes = Probe("probes:unknown_id", functools.partial(unknown_id_probes, s, s.config.seed))
    breadth = Phase("breadth")
    first: set[str] = set()
    seen: set[str] = set()
    # Refusals first: one request each, where the cases Close may accept cost a read and
    # a delete too; they come after the probes and the valid lifecycles.
    accepting: list[Slot] = []
    for mutation, refusals in invalid:
        if mutation not in seen:
            seen.add(mutation)
            first.add(refusals.key)
            later = MUTATIONS[mutation].accepted is not None
            (accepting if later else breadth.slots).append((refusals, 0))
    breadth.slots.append((probes, 0))
    breadth.slots.extend((batch, 0) for batch in valid)
    breadth.slots.extend(accepting)
    # Round robin over the batches: every type gets its second case before any its third.
    rest_valid = Phase("valid", _round_robin(valid, {b.key for b in valid}))
    rest_invalid = Phase("invalid", _round_robin([b for _, b in invalid], first))
    return Plan([breadth, rest_valid, rest_invalid])


def _round_robin(batches: Sequence[Planned], started: set[str]) -> list[Slot]:
    """Every slot of ``batches`` by index, then batch; case 0 of ``started`` ones left out."""
    slots: list[Slot] = []
    for index in range(max((b.examples for b in batches), default=0)):
        slots.extend(
            (b, index) for b in batches if index < b.examples and (index or b.key not in started)
        )
    return slots


def execute_plan(
    s: Session,
    source: CaseSource,
    plan: Plan,
    workers: int,
    progress: Callable[[], P],
    *,
    every: float = 0.5,
    spent: Callable[[], bool] = lambda: False,
) -> Iterator[Outcome | PhaseStarted | PhaseFinished | P]:
    """Run ``plan`` on ``workers``; yield PhaseStarted/PhaseFinished, each case's outcome
    (in plan order) and whatever ``progress()`` returns about every ``every`` seconds.

    ``spent()`` is asked before each case is drawn and sent: once it says the run's budget
    ran out, no further case starts."""
    shrink = s.config.shrinking
    dropped: set[str] = set()  # batches shrunk already: their later cases are not run
    phase_of: dict[int, tuple[int, Planned]] = {}

    def jobs() -> Iterator[Job]:
        for number, phase in enumerate(plan.phases):
            for batch, index in phase.slots:
                if spent():
                    return
                if batch.key in dropped:
                    continue
                job = batch.job(index, source)
                if job is not None:
                    phase_of[id(job)] = (number, batch)
                    yield job

    current = -1
    last = time.monotonic()
    for job, outcome in run_jobs(jobs(), workers, every=every):
        number, batch = phase_of.pop(id(job))
        if job.key in dropped:
            continue
        yield from _enter(plan, current, number)
        current = number
        if shrink and outcome.failed and not spent():
            dropped.add(job.key)
            outcome = batch.shrunk(source, outcome, s.shrink_budget)
        else:
            batch.executed(source, job.index)
        yield outcome
        if time.monotonic() - last >= every:
            last = time.monotonic()
            yield progress()
    # Phases whose cases were all dropped (or that have none) still open and close.
    yield from _enter(plan, current, len(plan.phases))


def _enter(plan: Plan, current: int, target: int) -> Iterator[PhaseStarted | PhaseFinished]:
    """The events that close phase ``current`` and open every phase up to ``target``."""
    for number in range(current, target):
        if number >= 0:
            yield PhaseFinished(plan.phases[number].name)
        if number + 1 < min(target + 1, len(plan.phases)):
            phase = plan.phases[number + 1]
            yield PhaseStarted(phase.name, phase.total)
