"""Events yielded by :func:`contract.run`: the one stream every front door renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contract.baseline import LatencyChange, Percentiles
from contract.errors import LEVELS, ContractViolation, Level, Regression, level_at_least

if TYPE_CHECKING:
    from contract.checks import CheckTally
    from contract.config import Config, TargetKind

__all__ = [
    "BaselineCompared",
    "CaseFinished",
    "CleanupFinished",
    "Event",
    "LatencyChange",
    "LatencyCompared",
    "Percentiles",
    "PhaseFinished",
    "PhaseStarted",
    "Progress",
    "RunFinished",
    "RunOptions",
    "RunStarted",
    "Summary",
]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What a run was asked to do, as its reports show it: every option of the option
    table a report records (:meth:`Config.recorded <contract.config.Config.recorded>`), by
    its report name, in the table's order. Never a key: only the scheme that carried it.

    Each is also an attribute: ``options.seed``, ``options.faults``.
    """

    values: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> RunOptions:
        """The options of ``config``; ``shrink`` is whether the run shrinks (its default
        depends on the target), ``faults`` the embedded emulator's, ``checks`` and
        ``exclude_checks`` the selection given (empty: every check)."""
        return cls(config.recorded())

    def __getattr__(self, name: str) -> Any:
        for key, value in self.values:
            if key == name:
                return value
        raise AttributeError(name)

    def to_dict(self) -> dict[str, Any]:
        """The ``options`` object of the JSON report (sequences as lists)."""
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in self.values
        }


@dataclass(frozen=True, slots=True)
class RunStarted:
    """The target is up and its custom object types are known.

    ``target`` describes the target for people, ``target_kind`` names it for tools;
    ``started_at`` is when the run began (UTC); ``options`` what it was asked to do;
    ``run_token`` the token its leads' names carry (``close-contract cleanup --run-token``
    finds what a killed run left with it). The last four are optional so that a stream
    built by hand (tests, notebooks) still works.
    """

    target: str
    base_url: str
    seed: int
    types: tuple[str, ...]
    target_kind: TargetKind | None = None
    started_at: datetime | None = None
    options: RunOptions | None = None
    run_token: str | None = None


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
    # For each check that judged an answer of the case: how many it passed and failed.
    judged: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Findings reported that fail nothing (the advisory checks', and the concurrency phase's
    # unless the run is asked to fail on them): shown apart, never counted as violations.
    warnings: tuple[ContractViolation, ...] = ()

    @property
    def passed(self) -> bool:
        """No violation (an inconclusive case may have checked nothing)."""
        return not self.violations


@dataclass(frozen=True, slots=True)
class PhaseFinished:
    """A phase ended."""

    phase: str


@dataclass(frozen=True, slots=True)
class Progress:
    """How a run is going, for a live display; reports and verdicts ignore it.

    ``rate`` is requests per second over the last few seconds, ``throttled`` the 429s met
    so far; ``budget_*`` is the server's rate budget with the least room left, as it last
    reported it (``None`` until it did): ``budget_remaining`` requests of ``budget_limit``
    until the window resets in ``budget_reset`` seconds.
    """

    requests: int
    elapsed: float
    rate: float
    throttled: int
    cases: int
    workers: int
    budget_limit: int | None = None
    budget_remaining: int | None = None
    budget_reset: float | None = None


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
    (``None``: any number). ``stopped_early`` says the run stopped after its first case
    with a violation (``Config.exitfirst``), so later phases did not run. ``workers`` is
    how many cases ran at once, ``throttled`` how many 429s the run met (each waited out
    and retried) and ``first_violation_request`` how many requests had been sent when the
    first case with a violation ended (``None``: none had one). ``interrupted`` says a
    signal stopped the run, ``signal`` which one (``None``: SIGINT); ``max_time_reached``
    says the run's budget (``--max-time``) ran out, so no further case was drawn: the run
    ended normally, with fewer cases.
    """

    cases: int
    requests: int
    violations: int
    by_check: dict[str, int] = field(default_factory=dict)
    duration: float = 0.0
    interrupted: bool = False
    inconclusive: int = 0
    inconclusive_budget: int | None = None
    stopped_early: bool = False
    workers: int = 1
    throttled: int = 0
    first_violation_request: int | None = None
    signal: int | None = None
    max_time_reached: bool = False
    # The one line of the error that ended a run after it began (an unreachable target, a
    # lead it could not prove its own), and the exit code it means (2 or 3).
    error: str | None = None
    error_exit_code: int = 3
    # What cleanup could not delete (or would not: not provably the run's). A run that
    # left data on the organization has no clean verdict, whatever its checks said.
    left_behind: int = 0
    # What every registered check did (see contract.checks.CheckTally); empty for a
    # summary built by hand.
    checks: dict[str, CheckTally] = field(default_factory=dict)
    # Findings reported that fail nothing (see CaseFinished.warnings): no part of the
    # exit code.
    warnings: int = 0

    @property
    def over_budget(self) -> bool:
        """More inconclusive cases than the budget allows: the run tested too little."""
        budget = self.inconclusive_budget
        return budget is not None and self.inconclusive > budget

    @property
    def exit_code(self) -> int:
        """128 + the signal for an interrupted run (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP); 1
        when something broke the contract; else 3 when the network decided too many cases
        for a verdict (like an unreachable target) or cleanup left something on the
        organization; else 0, the contract holds. A run whose budget ran out is judged on
        what it found; one that ended in an error after it began exits with that error's
        code (2 or 3)."""
        if self.interrupted:
            return 128 + (2 if self.signal is None else self.signal)  # SIGINT is 2
        if self.error is not None:
            return self.error_exit_code
        if self.violations:
            return 1
        return 3 if self.over_budget or self.left_behind else 0

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
            "stopped_early": self.stopped_early,
            "max_time_reached": self.max_time_reached,
            "workers": self.workers,
            "throttled": self.throttled,
            "first_violation_request": self.first_violation_request,
            "error": self.error,
            "left_behind": self.left_behind,
            "warnings": self.warnings,
            "exit_code": self.exit_code,
        }


@dataclass(frozen=True, slots=True)
class BaselineCompared:
    """The run's answers were compared with ``baseline``: every finding at every level
    (each a :class:`~contract.errors.Regression` with its rule and level, the most serious
    first), the gate ``fail_on``, and what only the baseline reached (``not_compared``).

    Only the findings at ``fail_on`` or above are violations (of the baseline case that
    follows); the others are reported here and fail nothing.
    """

    baseline: str
    fail_on: Level
    findings: tuple[Regression, ...] = ()
    not_compared: tuple[str, ...] = ()

    @property
    def failing(self) -> tuple[Regression, ...]:
        """The findings that fail the gate."""
        return tuple(f for f in self.findings if level_at_least(f.level, self.fail_on))

    @property
    def below_gate(self) -> tuple[Regression, ...]:
        """The findings reported but failing nothing."""
        failing = self.failing
        return tuple(f for f in self.findings if f not in failing)

    def counts(self) -> dict[str, int]:
        """How many findings each level holds, ``ERR`` first (levels with none left out)."""
        counts = {level: sum(f.level == level for f in self.findings) for level in LEVELS[::-1]}
        return {level: n for level, n in counts.items() if n}

    def gate_line(self) -> str:
        """The counts per level and the gate, as every rendering says them:
        ``1 ERR, 2 INFO; 1 at ERR or above fails the gate``."""
        counts = ", ".join(f"{n} {level}" for level, n in self.counts().items())
        failing = len(self.failing)
        verb = "fails" if failing == 1 else "fail"
        return f"{counts}; {failing} at {self.fail_on} or above {verb} the gate"

    def to_dict(self) -> dict[str, Any]:
        """The ``baseline`` object of the JSON report."""
        failing = self.failing
        return {
            "baseline": self.baseline,
            "fail_on": self.fail_on,
            "counts": self.counts(),
            "findings": [
                {
                    "rule": f.rule,
                    "level": f.level,
                    "fails": f in failing,
                    "title": f.title,
                    "path": f.path,
                    "old": f.old,
                    "new": f.new,
                    "kind": f.kind,
                }
                for f in self.findings
            ],
            "not_compared": list(self.not_compared),
        }


@dataclass(frozen=True, slots=True)
class LatencyCompared:
    """The run's answer times per operation were compared with the latency baseline
    beside ``baseline`` (see :mod:`contract.baseline`): each operation slower (its p95
    grew past ``factor`` times the baseline's and by ``floor_ms``), as before, or not
    compared, and why. ``note`` says why nothing was compared (a replay; no latency file
    beside the baseline). Apart from the shape baseline and from the contract: slower
    operations are violations (``latency_regression``) only when ``fails``
    (``--fail-on-latency``), else reported here alone.

    ``LatencyChange`` and ``Percentiles`` (its rows) are exported here with it.
    """

    baseline: str
    factor: float
    floor_ms: float
    fails: bool = False
    changes: tuple[LatencyChange, ...] = ()
    note: str | None = None

    @property
    def slower(self) -> tuple[LatencyChange, ...]:
        """The operations whose p95 grew past the factor and the floor."""
        return tuple(c for c in self.changes if c.slower)

    def gate_line(self) -> str:
        """What was found and what it does, as every rendering says it: ``1 operation
        slower, 3 as before, 1 not compared (p95 past x2 and +100 ms); reported only
        (--fail-on-latency fails the run)``."""
        if self.note is not None:
            return f"not compared: {self.note}"
        slower = len(self.slower)
        skipped = sum(c.not_compared is not None for c in self.changes)
        same = len(self.changes) - slower - skipped
        parts = [f"{slower} operation{'' if slower == 1 else 's'} slower", f"{same} as before"]
        if skipped:
            parts.append(f"{skipped} not compared")
        rule = f"p95 past x{self.factor:g} and +{self.floor_ms:g} ms"
        verdict = (
            "a slower one fails the run (--fail-on-latency)"
            if self.fails
            else "reported only (--fail-on-latency fails the run)"
        )
        return f"{', '.join(parts)} ({rule}); {verdict}"

    def to_dict(self) -> dict[str, Any]:
        """The ``latency`` object of the JSON report."""
        return {
            "baseline": self.baseline,
            "factor": self.factor,
            "floor_ms": self.floor_ms,
            "fails": self.fails,
            "note": self.note,
            "operations": [c.to_dict() for c in self.changes],
        }


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run is over: its summary and every violation found."""

    summary: Summary
    violations: tuple[ContractViolation, ...] = ()


Event = (
    RunStarted
    | PhaseStarted
    | CaseFinished
    | PhaseFinished
    | Progress
    | BaselineCompared
    | LatencyCompared
    | CleanupFinished
    | RunFinished
)
