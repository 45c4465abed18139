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
    for probes that are not generated payloads.
    """

    phase: str
    label: str
    type_id: str | None
    case: dict[str, Any] | None
    requests: int
    statuses: tuple[int, ...]
    elapsed: float
    violations: tuple[ContractViolation, ...] = ()

    @property
    def passed(self) -> bool:
        """No violation."""
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
    """The totals of a run, and the exit code they mean (0 holds, 1 violations found)."""

    cases: int
    requests: int
    violations: int
    by_check: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """0 when the contract holds, 1 when something broke it."""
        return 1 if self.violations else 0

    def to_dict(self) -> dict[str, Any]:
        """The ``summary`` object of the JSON report."""
        return {
            "cases": self.cases,
            "requests": self.requests,
            "violations": self.violations,
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
