"""The run's main phases as a plan: every case drawn up front, one of every kind first.

A :class:`Batch` is what one Hypothesis strategy feeds (the valid lifecycles of a type, one
invalid mutation of one field); its cases are drawn before anything is sent (see
:meth:`~contract.engine.CaseSource.draw`), so they can be put in any order and run on
several workers. The order is chosen for fast first detection: the *breadth* phase runs
one case of every kind (each invalid mutation, the unknown-id probes, one valid lifecycle
per type) before any kind runs twice; the rest follows in the ``valid`` and ``invalid``
phases. A fault that one request of a kind shows is found within the first few dozen
requests, not after a hundred valid lifecycles.

:func:`execute_plan` runs the plan and yields its events in plan order, whatever the
number of workers. When shrinking is on and a case fails, its batch is run again by
Hypothesis to shrink it (the batch's earlier cases are sent again: shrinking is on by
default only on the embedded emulator, where that costs nothing) and the shrunk case is
reported in the failing case's place; the batch's later cases are dropped, as a
sequential Hypothesis run would never have reached them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contract.discovery import Organization, TypeContract
from contract.engine._lifecycle import invalid_case, unknown_id_probes, valid_lifecycle
from contract.engine._references import References
from contract.engine._session import Outcome, Session
from contract.engine._sources import CaseSource
from contract.engine._workers import Job, run_jobs
from contract.errors import ConfigurationError
from contract.events import PhaseFinished, PhaseStarted
from strategies import (
    Case,
    MissingReferenceError,
    invalid_payloads,
    mutation_targets,
    valid_payloads,
)

__all__ = ["Batch", "Phase", "Plan", "build_plan", "execute_plan"]


@dataclass(frozen=True, slots=True)
class Batch:
    """One strategy's cases: ``execute(drawn, index)`` runs case ``index`` of batch ``key``."""

    key: str
    strategy: Callable[[], st.SearchStrategy[Any]]
    execute: Callable[[Any, int], Outcome]
    examples: int
    # Whether the source draws (and a recording keeps) its cases: a fixed probe is not
    # drawn, so there is nothing to record or shrink.
    generated: bool = True

    def job(self, index: int, drawn: Any) -> Job:
        """Case ``index`` of this batch as a job."""
        return Job(self.key, index, drawn, functools.partial(_call, self.execute, index))

    def counted(self) -> Callable[[Any], Outcome]:
        """``execute`` numbering its calls 0, 1, ... (for Hypothesis driving the batch)."""
        count = [0]

        def run(drawn: Any) -> Outcome:
            count[0] += 1
            return self.execute(drawn, count[0] - 1)

        return run


def _call(execute: Callable[[Any, int], Outcome], index: int, drawn: Any) -> Outcome:
    return execute(drawn, index)


@dataclass(slots=True)
class Phase:
    """A phase's name and its jobs, in the order they report."""

    name: str
    jobs: list[Job] = field(default_factory=list)


@dataclass(slots=True)
class Plan:
    """The phases of a run in order, and the batch of every job (for shrinking)."""

    phases: list[Phase]
    batches: dict[str, Batch]

    @property
    def cases(self) -> int:
        """How many cases the plan holds."""
        return sum(len(phase.jobs) for phase in self.phases)


def _valid_batch(s: Session, tc: TypeContract, refs: References, lead: str) -> Batch:
    def strategy() -> st.SearchStrategy[tuple[Case, Case]]:
        one = valid_payloads(tc.request_schema, references=refs)
        return st.tuples(one, valid_payloads(tc.request_schema, references=refs))

    def execute(pair: tuple[Case, Case], index: int) -> Outcome:
        # The first case of each type also runs the auth and isolation probes on its
        # instance: by its place, not by which case happened to finish first.
        return valid_lifecycle(s, tc, pair[0], pair[1], lead, probe=index == 0)

    return Batch(f"valid:{tc.type_id}", strategy, execute, s.config.examples)


def _invalid_batches(s: Session, tc: TypeContract, refs: References) -> list[tuple[str, Batch]]:
    def execute(case: Case, index: int) -> Outcome:
        return invalid_case(s, tc, case)

    batches = []
    for mutation, target in mutation_targets(tc.request_schema):
        strategy = functools.partial(
            invalid_payloads, tc.request_schema, references=refs, mutation=mutation, target=target
        )
        key = f"invalid:{tc.type_id}:{mutation}:{target}"
        batches.append((mutation, Batch(key, strategy, execute, s.config.invalid_examples)))
    return batches


def build_plan(
    s: Session,
    source: CaseSource,
    org: Organization,
    refs: References,
    lead: str,
    setup_failed: bool,
) -> Plan:
    """Draw every case of the main phases and order them: one of each kind first."""
    batches: dict[str, Batch] = {}
    drawn: dict[str, list[Job]] = {}

    def draw(batch: Batch) -> list[Job]:
        cases = source.draw(batch.key, batch.strategy, batch.examples)
        batches[batch.key] = batch
        jobs = drawn[batch.key] = [batch.job(i, case) for i, case in enumerate(cases)]
        return jobs

    valid: list[list[Job]] = []
    for tc in org.types:
        try:
            valid.append(draw(_valid_batch(s, tc, refs, lead)))
        except MissingReferenceError as exc:
            if setup_failed:
                continue  # the setup's violations say why no referenced instance exists
            raise ConfigurationError(
                f"{tc.name}: no valid payload can be built: {exc}; include the referenced "
                "type in the run (--custom-object-type-id)"
            ) from None
    invalid: list[tuple[str, list[Job]]] = []
    for tc in org.types:
        for mutation, batch in _invalid_batches(s, tc, refs):
            try:
                invalid.append((mutation, draw(batch)))
            except MissingReferenceError:
                continue
    probes = Batch(
        "probes:unknown_id",
        st.none,
        lambda _drawn, _index: unknown_id_probes(s, s.config.seed),
        1,
        generated=False,
    )
    batches[probes.key] = probes

    breadth = Phase("breadth")
    seen: set[str] = set()
    for mutation, jobs in invalid:
        if mutation not in seen and jobs:
            seen.add(mutation)
            breadth.jobs.append(jobs.pop(0))
    breadth.jobs.append(probes.job(0, None))
    breadth.jobs.extend(jobs.pop(0) for jobs in valid if jobs)
    # Round robin over the types: every type gets its second case before any its third.
    rest_valid = Phase("valid", _round_robin(valid))
    rest_invalid = Phase("invalid", _round_robin([jobs for _, jobs in invalid]))
    return Plan([breadth, rest_valid, rest_invalid], batches)


def _round_robin(lists: Sequence[list[Job]]) -> list[Job]:
    out: list[Job] = []
    depth = max((len(jobs) for jobs in lists), default=0)
    for i in range(depth):
        out.extend(jobs[i] for jobs in lists if i < len(jobs))
    return out


def execute_plan(
    s: Session,
    source: CaseSource,
    plan: Plan,
    workers: int,
    progress: Callable[[], Any],
    *,
    every: float = 0.5,
) -> Iterator[Any]:
    """Run ``plan`` on ``workers``; yield PhaseStarted/PhaseFinished, each case's outcome
    (in plan order) and whatever ``progress()`` returns about every ``every`` seconds."""
    shrink = s.config.shrinking
    dropped: set[str] = set()  # batches shrunk already: their later cases are not run
    phase_of: dict[int, int] = {}

    def jobs() -> Iterator[Job]:
        for number, phase in enumerate(plan.phases):
            for job in phase.jobs:
                if job.key not in dropped:
                    phase_of[id(job)] = number
                    yield job

    current = -1
    last = time.monotonic()
    for item in run_jobs(jobs(), workers, every=every):
        if item is None:
            last = time.monotonic()
            yield progress()
            continue
        job, outcome = item
        if job.key in dropped:
            continue
        yield from _enter(plan, current, phase_of[id(job)])
        current = phase_of[id(job)]
        batch = plan.batches[job.key]
        if shrink and batch.generated and outcome.failed:
            dropped.add(job.key)
            outcome = _shrunk(source, batch, outcome)
        elif batch.generated:
            source.executed(job.key, job.drawn)
        yield outcome
        if time.monotonic() - last >= every:
            last = time.monotonic()
            yield progress()
    # Phases whose cases were all dropped (or that have none) still open and close.
    yield from _enter(plan, current, len(plan.phases))


def _enter(plan: Plan, current: int, target: int) -> Iterator[Any]:
    """The events that close phase ``current`` and open every phase up to ``target``."""
    for number in range(current, target):
        if number >= 0:
            yield PhaseFinished(plan.phases[number].name)
        if number + 1 < min(target + 1, len(plan.phases)):
            phase = plan.phases[number + 1]
            yield PhaseStarted(phase.name, len(phase.jobs))


def _shrunk(source: CaseSource, batch: Batch, failed: Outcome) -> Outcome:
    """The failing case of ``batch`` shrunk by Hypothesis (``failed`` if it does not fail
    again: the target answered differently the second time)."""
    outcomes = source.batch(batch.key, batch.strategy, batch.counted(), batch.examples)
    if outcomes and outcomes[-1].failed:
        return outcomes[-1]
    return failed
