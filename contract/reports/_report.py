"""RunReport: the events of one run, collected, rendered as JSON, JUnit XML, Markdown or
HTML."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contract.errors import ContractError, ContractViolation
from contract.events import (
    BaselineCompared,
    CaseFinished,
    CleanupFinished,
    Event,
    LatencyCompared,
    RunFinished,
    RunStarted,
    Summary,
)
from contract.reports._groups import Group, RootCauses, excerpt, fingerprint
from contract.reports._html import html_report
from contract.reports._json import json_report
from contract.reports._junit import junit_report
from contract.reports._markdown import markdown_report
from contract.reports._metadata import Metadata, elapsed_since
from contract.reports._personal import scrub_personal
from contract.secrets import Redactor
from contract.totals import Totals

__all__ = ["RunReport"]


@dataclass
class RunReport:
    """Collects the events of a run; renders them as JSON, JUnit XML, Markdown or HTML.

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
    # The answer times compared with the latency baseline beside it (None: none were).
    latency: LatencyCompared | None = None
    # The error that ended the run after it began (exit 2 or 3): its reports are written
    # all the same, with what the run found and what cleanup left.
    error: ContractError | None = None
    # The run's keys: blanked in every form in what assert_holds says (a server may echo
    # one in an answer that a violation quotes).
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def add(self, event: Event) -> None:
        """Take one event of the stream."""
        if isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, CaseFinished):
            self.cases.append(event)
        elif isinstance(event, BaselineCompared):
            self.baseline = event
        elif isinstance(event, LatencyCompared):
            self.latency = event
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

    def root_causes(self) -> RootCauses:
        """The run's violations grouped by root cause (and its inconclusive cases)."""
        causes = RootCauses()
        for case in self.cases:
            causes.add(case)
        return causes

    def assert_holds(self, *, cap: int = 10) -> None:
        """Raise ``AssertionError`` unless the contract held: no violation, a verdict (not
        too many inconclusive cases), nothing left behind, the run not cut short.

        The message groups the violations by root cause, the first ``cap`` groups with the
        case that showed each and its reproduction, as the terminal shows them::

            def test_contract_holds(close_run):
                close_run.assert_holds()
        """
        summary = self.summary
        if summary.exit_code == 0:
            return
        lines = [f"close-contract: {self._why_not(summary)}"]
        groups = list(self.root_causes().groups.values())
        for group in groups[:cap]:
            lines += _group_lines(group)
        if len(groups) > cap:
            lines.append(f"… and {len(groups) - cap} more root causes")
        raise AssertionError(Redactor(self.secrets)("\n".join(lines)))

    def _why_not(self, s: Summary) -> str:
        if s.violations:
            causes = len(self.root_causes().groups)
            return (
                f"contract broken: {_plural(s.violations, 'violation')} in "
                f"{_plural(sum(1 for c in self.cases if c.violations), 'case')}, "
                f"{_plural(causes, 'root cause')}"
            )
        if s.error:
            return f"the run ended early: {s.error}"
        if s.interrupted:
            return "no verdict: the run was interrupted"
        if s.over_budget:
            return (
                f"no verdict: the network left {_plural(s.inconclusive, 'case')} "
                f"inconclusive, more than the {s.inconclusive_budget} allowed"
            )
        if s.left_behind:
            return f"no clean verdict: cleanup left {_plural(s.left_behind, 'resource')}"
        return f"the run exited {s.exit_code}"

    def __repr__(self) -> str:
        # Short, for assertion messages: the events themselves are thousands of lines.
        s = self.summary
        return (
            f"RunReport(cases={s.cases}, violations={s.violations}, "
            f"inconclusive={s.inconclusive}, exit_code={s.exit_code})"
        )

    def _metadata(self, summary: Summary) -> Metadata:
        return Metadata(self.started, summary.duration, self.interrupted)

    def _shown(self) -> tuple[list[CaseFinished], CleanupFinished | None]:
        """The cases and cleanup as every rendering shows them: without personal data,
        unless the run was asked to keep it (``keep_personal_data``)."""
        started = self.started
        options = None if started is None else started.options
        if options is not None and getattr(options, "keep_personal_data", False):
            return self.cases, self.cleanup
        token = None if started is None else started.run_token
        return scrub_personal(self.cases, self.cleanup, token=token)

    def to_json(self, report_name: str = "report.json") -> dict[str, Any]:
        """The JSON report (format :data:`~contract.reports.REPORT_FORMAT`): ``format``,
        ``interrupted``, ``versions``, ``started_at``, ``duration``, ``target``,
        ``options``, ``seed``, ``types``, ``summary``, ``cleanup``, ``violations``,
        ``cases``, ``checks``, ``baseline``, ``latency``; ``report.schema.json`` describes
        each. ``report_name`` is the file the report is written to, which each violation's
        ``script`` runs ``close-contract reproduce`` on."""
        summary = self.summary
        cases, cleanup = self._shown()
        return json_report(
            self._metadata(summary),
            summary,
            cases,
            cleanup,
            self.baseline,
            report_name,
            latency=self.latency,
        )

    def to_junit(self) -> str:
        """One ``testsuite`` per check (with the run's metadata as ``properties``): a
        failing ``testcase`` per root cause, a passing one for a check that held, a
        skipped one for a check that did not run; inconclusive cases skipped."""
        summary = self.summary
        return junit_report(self._metadata(summary), summary, self._shown()[0])

    def to_markdown(self) -> str:
        """A readable report: metadata line, summary table, violations by check, then each
        violation and the inconclusive cases."""
        summary = self.summary
        cases = self._shown()[0]
        meta = self._metadata(summary)
        return markdown_report(meta, summary, cases, self.baseline, latency=self.latency)

    def to_html(
        self, history: Sequence[Mapping[str, Any]] = (), *, notes: Sequence[str] = ()
    ) -> str:
        """One self-contained HTML page (inline CSS and SVG charts, no script, nothing
        fetched): metadata, summary, per-check coverage, answers by status, a section per
        root cause, the baseline comparison. Given ``history`` (earlier JSON reports, as
        :meth:`to_json` makes them, in any order), it also says which root causes are new or
        fixed since the last run and charts violations per check across the runs. An entry
        that is no report is skipped with a note; ``notes`` (what the caller skipped while
        reading them, see :func:`~contract.reports.read_history`) are shown beside it."""
        summary = self.summary
        cases = self._shown()[0]
        meta = self._metadata(summary)
        return html_report(meta, summary, cases, self.baseline, history, notes)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _group_lines(group: Group) -> list[str]:
    """One root cause: its check and title, how many cases, where it showed, and how to
    reproduce it."""
    cause = group.cause
    found = cause.first
    lines = [
        f"✗ {found.check}: {found.title} ({_plural(cause.count, 'case')})",
        f"  case: {cause.label} ({cause.phase}), root cause {fingerprint(found)}",
    ]
    if found.message and found.message != found.title:
        lines.append(f"  {excerpt(found.message, limit=300)}")
    if found.steps:
        lines.append(f"  reproduce ({_plural(len(found.steps), 'request')}, in order):")
        lines += [f"    {n}. {excerpt(step, limit=2000)}" for n, step in enumerate(found.steps, 1)]
    elif found.reproduction:
        lines.append(f"  reproduce: {excerpt(found.reproduction, limit=2000)}")
    if group.follow_on_count:
        lines.append(f"  +{group.follow_on_count} follow-on failures in the same cases")
    return lines
