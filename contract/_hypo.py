"""Drive a Hypothesis strategy against a target: run each drawn case, shrink failures.

Hypothesis is the generator and, on targets where each try is cheap, the shrinker. The
engine hands it a function that executes one case and returns an outcome; outcomes of the
generation phase are kept, and when shrinking is on the first failing case is replaced by
the minimal one Hypothesis finds (its shrink attempts are run but not reported).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

__all__ = ["Outcome", "drive"]

T = TypeVar("T")


class Outcome(Protocol):
    """What executing one case produced; ``failed`` makes Hypothesis shrink it."""

    @property
    def failed(self) -> bool: ...


R = TypeVar("R", bound=Outcome)


@dataclass(slots=True)
class _Failure(Exception, Generic[R]):
    outcome: R


def drive(
    strategy: st.SearchStrategy[T],
    execute: Callable[[T], R],
    *,
    examples: int,
    seed: int,
    shrink: bool,
) -> list[R]:
    """Run ``execute`` on up to ``examples`` cases drawn from ``strategy``.

    Deterministic for a given ``seed``. Returns the outcomes in order; with ``shrink`` the
    run stops at the first failure and reports its shrunk form last.
    """
    outcomes: list[R] = []
    state = {"failing": False}

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]

    @settings(
        max_examples=examples,
        phases=phases,
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(strategy)
    def body(case: T) -> None:
        outcome = execute(case)
        if not state["failing"]:
            outcomes.append(outcome)
        if shrink and outcome.failed:
            state["failing"] = True
            raise _Failure(outcome)

    try:
        body()
    except _Failure as final:
        # The last raise is Hypothesis's replay of the minimal failing case.
        if outcomes and outcomes[-1].failed:
            outcomes[-1] = final.outcome
    except Flaky:
        pass  # the target answered differently on replay; keep the first failure as seen
    return outcomes
