"""Events yielded by :func:`contract.run`: the one stream every front door renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contract.errors import ContractViolation

__all__ = [
    "CaseFinished",
    "CleanupFinished",
    "Event",
    "PhaseFinished",
    "PhaseStarted",
    "RunFinished",
    "RunStarted",
    "Summary",
]


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The target is up and its custom object types are known."""

    target: str
    base_url: str
    seed: int
    types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhaseStarted:
    """A phase begins; ``total`` is the number of cases it will run, when known."""

    phase: str
    total: int | None = None


@dataclass(frozen=True, slots=True)
class CaseFinished:
    """One case ran: its label, the requests it made and every violation they showed.

    ``case`` is the JSON-ready case (payload, mutation, reason, expected statuses), or None
    for probes that are not generated payloads. ``inconclusive`` says why the network, not
    the API, decided the case (a request that may have taken effect went unanswered); such
    a case has no verdict of its own.
    """

    phase: str
    label: str
    type_id: str | None
    case: dict[str, Any] | None
    requests: int
    statuses: tuple[int, ...]
    elapsed: float
    violations: tuple[ContractViolation, ...] = ()
    inconclusive: str | None = None

    @property
    def passed(self) -> bool:
        """No violation (an inconclusive case may have checked nothing)."""
        return not self.violations


@dataclass(frozen=True, slots=True)
class PhaseFinished:
    """A phase ended."""

    phase: str


@dataclass(frozen=True, slots=True)
class CleanupFinished:
    """Everything the run created was deleted, except ``leftovers`` (with the reason)."""

    deleted: int
    leftovers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Summary:
    """The totals of a run, and the exit code they mean.

    ``inconclusive`` counts the cases the network decided (see :class:`CaseFinished`);
    ``inconclusive_budget`` is how many of them a run may have and still give a verdict
    (``None``: any number).
    """

    cases: int
    requests: int
    violations: int
    by_check: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    interrupted: bool = False
    inconclusive: int = 0
    inconclusive_budget: int | None = None

    @property
    def over_budget(self) -> bool:
        """More inconclusive cases than the budget allows: the run tested too little."""
        budget = self.inconclusive_budget
        return budget is not None and self.inconclusive > budget

    @property
    def exit_code(self) -> int:
        """1 when something broke the contract; else 3 when the network decided too many
        cases for a verdict (like an unreachable target); else 0, the contract holds."""
        if self.violations:
            return 1
        return 3 if self.over_budget else 0

    def to_dict(self) -> dict[str, Any]:
        """The ``summary`` object of the JSON report."""
        return {
            "cases": self.cases,
            "requests": self.requests,
            "violations": self.violations,
            "inconclusive": self.inconclusive,
            "inconclusive_budget": self.inconclusive_budget,
            "by_check": dict(sorted(self.by_check.items())),
            "duration": round(self.duration, 3),
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run is over: its summary and every violation found."""

    summary: Summary
    violations: tuple[ContractViolation, ...] = ()


Event = RunStarted | PhaseStarted | CaseFinished | PhaseFinished | CleanupFinished | RunFinished
