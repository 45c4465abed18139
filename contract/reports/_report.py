"""RunReport: the events of one run, collected, rendered as JSON, JUnit XML or Markdown."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from contract.errors import ContractError, ContractViolation
from contract.events import (
    BaselineCompared,
    CaseFinished,
    CleanupFinished,
    Event,
    RunFinished,
    RunStarted,
    Summary,
)
from contract.reports._json import json_report
from contract.reports._junit import junit_report
from contract.reports._markdown import markdown_report
from contract.reports._metadata import Metadata, elapsed_since
from contract.totals import Totals

__all__ = ["RunReport"]


@dataclass
class RunReport:
    """Collects the events of a run; renders them as JSON, JUnit XML or Markdown.

    A report without :class:`~contract.events.RunFinished` is of a run that stopped early
    (Ctrl-C, SIGTERM, SIGHUP): every rendering then says ``interrupted`` and holds the cases
    that ran; ``signal`` is the signal that stopped it (``None``: Ctrl-C).
    """

    started: RunStarted | None = None
    cases: list[CaseFinished] = field(default_factory=list)
    finished: RunFinished | None = None
    cleanup: CleanupFinished | None = None
    signal: int | None = None
    # The comparison with the baseline, every level (None: the run compared none).
    baseline: BaselineCompared | None = None
    # The error that ended the run after it began (exit 2 or 3): its reports are written
    # all the same, with what the run found and what cleanup left.
    error: ContractError | None = None

    def add(self, event: Event) -> None:
        """Take one event of the stream."""
        if isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, CaseFinished):
            self.cases.append(event)
        elif isinstance(event, BaselineCompared):
            self.baseline = event
        elif isinstance(event, CleanupFinished):
            self.cleanup = event
        elif isinstance(event, RunFinished):
            self.finished = event

    @property
    def interrupted(self) -> bool:
        """A signal stopped the run before its end (no :class:`~contract.events.RunFinished`
        and no error)."""
        return self.finished is None and self.error is None

    @property
    def summary(self) -> Summary:
        """The run's summary (a partial one while the run is unfinished)."""
        if self.finished is not None:
            return self.finished.summary
        totals = Totals()
        for case in self.cases:
            totals.add(case)
        since = elapsed_since(self.started)
        return totals.summary(
            duration=sum(c.elapsed for c in self.cases) if since is None else since,
            interrupted=self.interrupted,
            signal=self.signal,
            error=None if self.error is None else str(self.error),
            error_exit_code=3 if self.error is None else self.error.exit_code,
        )

    def select(
        self,
        *,
        phase: str | None = None,
        mutation: str | None = None,
        checks: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> tuple[list[CaseFinished], list[ContractViolation]]:
        """The cases of ``phase`` (and ``mutation``) and their violations of ``checks``."""
        cases = [
            c
            for c in self.cases
            if (phase is None or c.phase == phase)
            and (mutation is None or (c.case or {}).get("mutation") == mutation)
        ]
        found = [
            v
            for c in cases
            for v in c.violations
            if (checks is None or v.check in checks) and v.check not in exclude
        ]
        return cases, found

    def _metadata(self, summary: Summary) -> Metadata:
        return Metadata(self.started, summary.duration, self.interrupted)

    def to_json(self) -> dict[str, Any]:
        """The JSON report (format :data:`~contract.reports.REPORT_FORMAT`): ``format``,
        ``interrupted``, ``versions``, ``started_at``, ``duration``, ``target``,
        ``options``, ``seed``, ``types``, ``summary``, ``cleanup``, ``violations``,
        ``cases``, ``checks``, ``baseline``; ``report.schema.json`` describes each."""
        summary = self.summary
        return json_report(
            self._metadata(summary), summary, self.cases, self.cleanup, self.baseline
        )

    def to_junit(self) -> str:
        """One ``testsuite`` per phase (with the run's metadata as ``properties``), one
        ``testcase`` per case, a ``failure`` per violation, inconclusive cases skipped."""
        return junit_report(self._metadata(self.summary), self.cases)

    def to_markdown(self) -> str:
        """A readable report: metadata line, summary table, violations by check, then each
        violation and the inconclusive cases."""
        summary = self.summary
        return markdown_report(self._metadata(summary), summary, self.cases, self.baseline)
