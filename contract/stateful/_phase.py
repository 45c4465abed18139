"""The stateful phase: sequences of operations judged against a reference model.

Hypothesis's rule-based state machine (see :mod:`contract.stateful._machine`) draws each
sequence; every machine run is one outcome (phase ``stateful``). A failing run is shrunk
where shrinking is on, within a bound on the extra runs it costs, and each of its
violations carries the numbered requests that reproduce it. A recording stores every
reported run's steps (rules and arguments, instances by model handle) in the corpus; a
replay executes them again through the same step functions, without Hypothesis (both come
from one table of rules, see :mod:`contract.stateful._rules`). Once the
run's budget is spent (``--max-time``), no further sequence starts; the ones that ran are
reported.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from contract.discovery import Organization
from contract.interrupts import interrupts_between_cases
from contract.phases import References
from contract.session import (
    CaseSource,
    Outcome,
    Session,
    ShrinkBudget,
    quiet_settings,
    requests_of,
)
from contract.stateful._machine import machine_for, replay
from contract.stateful._steps import Steps
from contract.stateful._tour import tour
from contract.stateful._world import CORPUS_KEY, StepFailed, World

__all__ = ["CORPUS_KEY", "stateful_phase"]

# Extra machine runs a shrink may cost: each is a whole sequence of requests.
_SHRINK_RUNS = 20


class _Enough(BaseException):
    """Ends the drawing: the shrink's bound or the run's budget is reached (Hypothesis lets
    a BaseException through at once)."""


def stateful_phase(
    session: Session,
    source: CaseSource,
    org: Organization,
    refs: References,
    leads: Sequence[str],
    contacts: Sequence[str] = (),
    stop: threading.Event | None = None,
    tour_leads: Sequence[str] = (),
    concurrent: bool = False,
    spent: Callable[[], bool] = lambda: False,
) -> Iterator[Outcome]:
    """Run the configured number of machine runs; yield one outcome per reported run.

    With ``tour_leads``, the tour runs on them and the other sequences on ``leads``; with
    ``concurrent`` too, the tour runs on a thread of its own while Hypothesis draws the
    others (what each one predicts is the same either way). Once ``stop`` is set (from another
    thread), no further step is sent and :class:`~contract.stateful._world.Stopped` is
    raised. ``spent()`` is asked before each sequence: once the run's budget ran out, no
    further sequence starts.
    """
    config = session.config
    world = World(session, org, refs, tuple(leads), tuple(contacts), tuple(tour_leads))
    if stop is not None:
        world.stop = stop
    if not world.types or config.stateful_runs < 1 or spent():
        return
    recorded = source.sequences(CORPUS_KEY)
    if recorded is not None:
        for sequence in recorded:
            if spent():
                return
            number = sequence["run"]
            steps = world.steps(number, world.tour_leads if number == 0 else None)
            replay(steps, sequence["steps"], world.check_stop)
            yield _reported(steps)
        return
    yield from _generated(session, source, world, concurrent, spent)


def _generated(
    session: Session,
    source: CaseSource,
    world: World,
    concurrent: bool,
    spent: Callable[[], bool],
) -> Iterator[Outcome]:
    config = session.config
    # First, every rule once (see contract.stateful._tour); it counts as one of the runs.
    # On leads of its own it runs alongside the sequences Hypothesis draws.
    first = world.steps(0, world.tour_leads)
    more = config.stateful_runs > 1
    if concurrent and world.own_tour_leads and more:
        with ThreadPoolExecutor(1, "close-contract-tour") as pool:
            toured = pool.submit(tour, world, first)
            try:
                reported = _drawn(session, world, spent)
            except BaseException:
                world.stop.set()  # the tour ends with its current step (the pool waits)
                raise
        toured.result()  # what the tour raised
    else:
        with interrupts_between_cases():
            tour(world, first)
        reported = _drawn(session, world, spent) if more and not spent() else []
    source.executed(CORPUS_KEY, first.entry())
    yield _reported(first)
    for steps in reported:
        source.executed(CORPUS_KEY, steps.entry())
        yield _reported(steps)


def _reported(steps: Steps) -> Outcome:
    """The sequence's outcome, its steps as its case: a finding then carries what
    ``close-contract reproduce`` executes again (the rules and their arguments)."""
    outcome = steps.outcome
    outcome.case = {"sequence": steps.entry()}
    outcome.violations = [
        dataclasses.replace(v, case=dict(outcome.case)) for v in outcome.violations
    ]
    return outcome


def _drawn(session: Session, world: World, spent: Callable[[], bool]) -> list[Steps]:
    """The sequences Hypothesis draws after the tour (``stateful_runs - 1``), the ones
    reported; none starts once ``spent()`` says the run's budget ran out."""
    config = session.config
    shrink = config.shrinking
    world.raise_on_failure = shrink
    # A budget of its own: the phase runs alongside the plan, whose shrinks would otherwise
    # take from the same one in whatever order the threads reach it, and what each side
    # reports would depend on the timing (and the number of workers).
    budget = ShrinkBudget(config.shrink_requests)
    reported: list[Steps] = []
    state: dict[str, Any] = {"failing": None, "shrinks": 0}

    def finished(steps: Steps) -> None:
        if not shrink:
            # Every sequence drawn is reported, in order: a recording's corpus must hold
            # each one that sent a request. A sequence's predictions depend on what the
            # sequences before it left on the shared leads, so a replay that skipped one
            # would predict the ones after it from another state than the run did.
            reported.append(steps)
            return
        failed = steps.outcome.failed
        if state["failing"] is not None:
            # A shrink's run: its requests count against the run's shrink budget.
            budget.charge(requests_of(steps.outcome))
        if state["failing"] is None:
            reported.append(steps)
            if failed:
                state["failing"] = steps
        elif failed and _shorter(steps, state["failing"]):
            state["failing"] = steps

    world.finished = finished

    def before() -> None:
        interrupts.check()
        world.check_stop()
        if spent():
            raise _Enough  # the run's budget ran out: what ran so far is reported
        if state["failing"] is not None:
            state["shrinks"] += 1
            if state["shrinks"] > _SHRINK_RUNS or budget.exhausted:
                raise _Enough

    # The machine's own seed makes the sequences the same for a seed, run after run.
    machine = hypothesis_seed(config.seed)(machine_for(world, first=1, before=before))
    settings = quiet_settings(
        config.stateful_runs - 1, shrink=shrink, stateful_step_count=config.stateful_steps
    )
    with interrupts_between_cases() as interrupts:
        try:
            run_state_machine_as_test(machine, settings=settings)
        except (StepFailed, Flaky, _Enough):
            pass  # the shortest failing run seen is reported below
    if state["failing"] is not None and reported:
        reported[-1] = state["failing"]
    # Hypothesis may try a run that drew no step at all: it tested nothing. Every run that
    # did is reported (Hypothesis counts some runs, such as those that ran out of data, as
    # no example): a recording must hold every request it sent, in order, for its replay
    # to be answered as the run was.
    return [r for r in reported if r.executed]


def _shorter(candidate: Steps, best: Steps) -> bool:
    return len(candidate.outcome.exchanges) < len(best.outcome.exchanges)
