"""Shrinking within a request budget: past it, the smallest failure found so far stands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

from contract.config import DEFAULT_LIVE_SHRINK_BUDGET, Config
from contract.session import ShrinkBudget, drive

LEAST = 10**6  # the smallest failing value


@dataclass
class _Sent:
    attempts: int = 1


@dataclass
class _Outcome:
    value: int
    failed: bool
    exchanges: list[_Sent] = field(default_factory=lambda: [_Sent(), _Sent()])


def _execute(tried: list[int]) -> Callable[[int], _Outcome]:
    def execute(value: int) -> _Outcome:
        tried.append(value)
        return _Outcome(value, value >= LEAST)

    return execute


def _shrunk(budget: ShrinkBudget) -> tuple[_Outcome, list[int]]:
    tried: list[int] = []
    strategy = st.integers(min_value=0, max_value=10**9)
    outcomes: list[_Outcome] = drive(
        strategy, budget.metered(_execute(tried)), examples=50, seed=3, shrink=True
    )
    return outcomes[-1], tried


def test_without_a_bound_the_failure_shrinks_to_its_smallest() -> None:
    budget = ShrinkBudget(None)
    last, tried = _shrunk(budget)
    assert last.failed and last.value == LEAST
    # Every try was counted (two requests each)
    assert budget.spent == 2 * len(tried)


def test_past_the_budget_nothing_more_is_sent_and_the_smallest_so_far_stands() -> None:
    _, every_try = _shrunk(ShrinkBudget(None))
    first_failure = next(n for n, v in enumerate(every_try, 1) if v >= LEAST)
    budget = ShrinkBudget(2 * (first_failure + 3))

    last, tried = _shrunk(budget)

    # Three tries past the first failure, then the budget was spent: nothing more was sent
    assert len(tried) == first_failure + 3 < len(every_try)
    assert budget.exhausted
    # What stands is a failing case, the smallest of those tried (not yet the least)
    assert last.failed
    assert last.value == min(v for v in tried if v >= LEAST)


def test_shrinking_is_on_everywhere_and_bounded_on_a_live_target() -> None:
    live = Config(base_url="https://api.example.test/api/v1", api_key="k" * 40)
    assert live.shrinking and live.shrink_requests == DEFAULT_LIVE_SHRINK_BUDGET
    assert Config().shrinking and Config().shrink_requests is None
    assert Config(shrink_budget=50).shrink_requests == 50
    assert not Config(shrink=False).shrinking
