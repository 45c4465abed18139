"""One reducer from a run's events to its :class:`~contract.events.Summary`.

The engine folds every case into :class:`Totals` as it yields it, and builds the summary
that ends the run from it; a report of a run cut short (a signal, an error) folds the
events it received into its own :class:`Totals`, so both count cases, violations,
inconclusive cases and what every check did the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from contract.checks import tally_checks
from contract.errors import ContractViolation
from contract.events import CaseFinished, Summary

__all__ = ["Totals"]


class Totals:
    """The running totals of a run's cases.

    ``requests_before`` counts what was sent before the first case (discovery), so that
    :attr:`first_violation_request` says how many requests the run had sent when its first
    case with a violation ended.
    """

    def __init__(self, requests_before: int = 0) -> None:
        self.cases: list[CaseFinished] = []
        self.violations: list[ContractViolation] = []
        # Findings that fail nothing (see CaseFinished.warnings).
        self.warnings: list[ContractViolation] = []
        self.inconclusive = 0
        self.requests_before = requests_before
        self.case_requests = 0
        # Requests another generator sent with its own HTTP stack (schemathesis): the
        # client did not count them.
        self.foreign_requests = 0
        self.first_violation_request: int | None = None
        self.stopped_early = False
        # Applied to each case before it is folded in: the engine names the custom fields
        # of its violations (contract.fieldnames) once it knows the types.
        self.prepare: Callable[[CaseFinished], CaseFinished] | None = None

    def add(self, event: CaseFinished) -> CaseFinished:
        """Fold one case in; returns it (as :attr:`prepare` made it), so a phase can
        ``yield totals.add(event)``."""
        if self.prepare is not None:
            event = self.prepare(event)
        self.cases.append(event)
        self.inconclusive += event.inconclusive is not None
        self.case_requests += event.requests
        if event.phase == "schemathesis":
            self.foreign_requests += event.requests
        if event.violations and self.first_violation_request is None:
            self.first_violation_request = self.requests_before + self.case_requests
        self.violations.extend(event.violations)
        self.warnings.extend(event.warnings)
        return event

    def by_check(self) -> dict[str, int]:
        """How many violations each check found."""
        counts: dict[str, int] = {}
        for found in self.violations:
            counts[found.check] = counts.get(found.check, 0) + 1
        return counts

    def summary(
        self,
        *,
        requests: int | None = None,
        enabled_checks: Collection[str] | None = None,
        met: Collection[str] = (),
        **facts: Any,
    ) -> Summary:
        """The summary of what was folded in. ``requests`` is the client's own count plus
        :attr:`foreign_requests` when the engine knows it (default: what the cases sent);
        ``enabled_checks`` the run's selection and ``met`` the checks' requirements it met
        (see :func:`~contract.checks.tally_checks`), for the checks' tally; ``facts`` the
        :class:`~contract.events.Summary` fields only the run knows (duration, workers,
        signal, error, what cleanup left, ...)."""
        return Summary(
            cases=len(self.cases),
            requests=self.case_requests if requests is None else requests,
            violations=len(self.violations),
            warnings=len(self.warnings),
            by_check=self.by_check(),
            inconclusive=self.inconclusive,
            stopped_early=self.stopped_early,
            first_violation_request=self.first_violation_request,
            checks=tally_checks(
                ((c.judged, c.inconclusive is not None) for c in self.cases),
                enabled_checks,
                phases_run={c.phase for c in self.cases},
                met=met,
            ),
            **facts,
        )
