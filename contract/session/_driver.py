"""Drive a Hypothesis strategy against a target: run each drawn case, shrink failures.

Hypothesis is the generator and, on targets where each try is cheap, the shrinker. The
engine hands it a function that executes one case and returns an outcome; outcomes of the
generation phase are kept, and when shrinking is on the first failing case is replaced by
the minimal one Hypothesis finds (its shrink attempts are run but not reported).

Ctrl-C is delivered inside a case and held between cases: a ``KeyboardInterrupt`` raised
in Hypothesis's own machinery is not safe (it can surface as an internal ``AssertionError``,
and one raised in its garbage-collector callback is printed and then lost).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky, HypothesisWarning

from contract.interrupts import interrupts_between_cases

__all__ = ["Executed", "ShrinkBudget", "drive", "quiet_settings", "requests_of", "run_seeded"]

# What a strategy draws: a case, a pair of cases, anything the caller runs.
CaseT = TypeVar("CaseT")


class Executed(Protocol):
    """What executing one case produced; ``failed`` makes Hypothesis shrink it."""

    @property
    def failed(self) -> bool: ...


R = TypeVar("R", bound=Executed)


@dataclass(slots=True)
class _Failure(Exception, Generic[R]):
    outcome: R


class _Spent(BaseException):
    """The run's shrink budget is spent: shrinking ends with the smallest failure so far
    (a BaseException, which Hypothesis lets through at once)."""


@dataclass(slots=True)
class ShrinkBudget:
    """The requests a run may spend shrinking its failures (``limit`` None: no bound).

    On a live target every try costs requests (and rate limit): shrinking stops once the
    budget is spent and reports the smallest failing case found so far, which is still a
    failing case, only maybe not the smallest. Shared by the run's workers and phases.
    """

    limit: int | None
    spent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.spent >= self.limit

    def charge(self, requests: int) -> None:
        """Count ``requests`` a shrink sent."""
        with self._lock:
            self.spent += requests

    def metered(self, execute: Callable[[CaseT], R]) -> Callable[[CaseT], R]:
        """``execute`` for a shrink: it sends nothing once the budget is spent (it raises
        what :func:`drive` ends on), and counts the requests each try sent."""

        def run(case: CaseT) -> R:
            if self.exhausted:
                raise _Spent
            outcome = execute(case)
            self.charge(requests_of(outcome))
            return outcome

        return run


def requests_of(outcome: object) -> int:
    """The requests an outcome's case sent (attempts included), 0 when it does not say."""
    exchanges = getattr(outcome, "exchanges", ())
    return sum(getattr(e, "attempts", 1) for e in exchanges)


class _Stop(BaseException):
    """Ends a batch at once: Hypothesis re-runs a case that raised an ``Exception`` (to
    report it), which would send its requests twice; anything else it lets through."""


def quiet_settings(examples: int, *, shrink: bool = False, **extra: Any) -> settings:
    """Hypothesis settings for driving a target: ``examples`` tries, shrinking only when
    asked, no example database, no deadline, no health checks and nothing printed, so a
    run behaves the same in a CLI, a notebook or a test. ``extra`` adds settings (such as
    ``stateful_step_count``)."""
    return settings(
        max_examples=examples,
        phases=[Phase.generate, Phase.shrink] if shrink else [Phase.generate],
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        **extra,
    )


def run_seeded(
    strategy: st.SearchStrategy[CaseT],
    body: Callable[[CaseT], None],
    *,
    examples: int,
    seed: int,
    shrink: bool = False,
) -> None:
    """Call ``body`` on up to ``examples`` values of ``strategy``, the same ones for a seed.

    Generation (and shrinking when asked) only: no example database, no deadline, no health
    checks and nothing printed, so it behaves the same in a CLI, a notebook or a test.
    """

    @quiet_settings(examples, shrink=shrink)
    @hypothesis_seed(seed)
    @given(strategy)
    def test(value: CaseT) -> None:
        body(value)

    with warnings.catch_warnings():
        # Hypothesis writes out a failing case it stops at, which for a case with a long
        # body warns that its text is large: a report keeps the case, not that text.
        warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)
        test()


def drive(
    strategy: st.SearchStrategy[CaseT],
    execute: Callable[[CaseT], R],
    *,
    examples: int,
    seed: int,
    shrink: bool,
    exitfirst: bool = False,
) -> list[R]:
    """Run ``execute`` on up to ``examples`` cases drawn from ``strategy``.

    Deterministic for a given ``seed``. Returns the outcomes in order; with ``shrink`` the
    run stops at the first failure and reports its shrunk form last; with ``exitfirst``
    (and no shrinking) it stops right after the first failure.
    """
    outcomes: list[R] = []
    state = {"failing": False}
    smallest: list[R] = []  # the last failing case Hypothesis tried: its smallest so far

    def body(case: CaseT) -> None:
        interrupts.check()
        interrupts.inside_case = True
        try:
            outcome = execute(case)
        finally:
            interrupts.inside_case = False
        if not state["failing"]:
            outcomes.append(outcome)
        if shrink and outcome.failed:
            state["failing"] = True
            smallest[:] = [outcome]
            raise _Failure(outcome)
        if exitfirst and outcome.failed:
            raise _Stop

    with interrupts_between_cases() as interrupts:
        try:
            run_seeded(strategy, body, examples=examples, seed=seed, shrink=shrink)
        except _Failure as final:
            # The last raise is Hypothesis's replay of the minimal failing case.
            if outcomes and outcomes[-1].failed:
                outcomes[-1] = final.outcome
        except _Stop:
            pass  # the failing case is the batch's last outcome
        except _Spent:
            # The shrink budget ran out: the smallest failure seen stands for the batch.
            if outcomes and outcomes[-1].failed and smallest:
                outcomes[-1] = smallest[0]
        except Flaky:
            pass  # the target answered differently on replay; keep the first failure as seen
    return outcomes
