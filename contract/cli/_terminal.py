"""What ``close-contract`` shows while a run goes and once it ended.

During the run: a live progress bar per phase on a terminal, one line per phase end
otherwise. At the end: the violations grouped by root cause (see
:mod:`contract.cli._findings`), at most ``cap`` groups unless verbose, and the summary.
Lines are never hard-wrapped (``soft_wrap``): a CI log keeps one line per finding for
``grep``, and a curl reproduction stays copy-pasteable. A violation that takes several
requests to reproduce shows them numbered, one per line, on a terminal and with ``-v``;
piped without ``-v`` it keeps one line that says how many there are and where they are.
Colour follows rich, which respects ``NO_COLOR`` and plain pipes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from contract.cli._progress import pace_line
from contract.errors import ContractViolation
from contract.events import (
    BaselineCompared,
    CaseFinished,
    CleanupFinished,
    Event,
    LatencyCompared,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunStarted,
    Summary,
)
from contract.events import (
    Progress as RunProgress,
)
from contract.reports import (
    Group,
    Related,
    RootCauses,
    excerpt,
    fingerprint,
    latency_lines,
    not_run_by_reason,
)

__all__ = ["QUIET", "VERBOSE", "Terminal", "plural"]

QUIET, NORMAL, VERBOSE = -1, 0, 1
DEFAULT_CAP = 10
"""Root-cause groups shown at the end of a run unless ``-v`` asks for every one."""


def plural(count: int, word: str) -> str:
    """``1 case``, ``2 cases``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass
class _Phase:
    name: str
    cases: int = 0
    failed: int = 0
    inconclusive: int = 0
    task: TaskID | None = None

    def line(self) -> str:
        parts = [plural(self.cases, "case")]
        if self.failed:
            parts.append(f"{self.failed} with violations")
        if self.inconclusive:
            parts.append(f"{self.inconclusive} inconclusive")
        return f"{self.name}: {', '.join(parts)}"


@dataclass
class Terminal:
    """Renders one run's events on ``err`` and its summary on ``out``.

    ``verbosity`` is :data:`QUIET` (only the summary, errors and what was left behind),
    0, or :data:`VERBOSE` (every group and every follow-on); ``redact`` blanks the run's
    keys in what the target said; ``reports`` says whether a report holds what the cap
    leaves out.
    """

    err: Console
    out: Console
    verbosity: int = NORMAL
    redact: Callable[[str], str] = str
    reports: bool = False
    cap: int = DEFAULT_CAP
    findings: RootCauses = field(default_factory=RootCauses)
    baseline: BaselineCompared | None = None
    latency: LatencyCompared | None = None
    # The directory of the reproduction scripts the reports were written with (one per
    # root cause), once known: each finding then names its own.
    scripts: Path | None = None
    # Findings that fail nothing (CaseFinished.warnings).
    warnings: list[ContractViolation] = field(default_factory=list)

    def _say(self, text: str | Text, *, style: str | None = None) -> None:
        shown = Text(self.redact(text)) if isinstance(text, str) else text
        self.err.print(shown, style=style, soft_wrap=True)

    def render(self, events: Iterator[Event], report: Callable[[Event], None]) -> RunFinished:
        """Show ``events`` as they come, hand each to ``report``; the run's last event."""
        live = self.err.is_terminal and self.verbosity > QUIET
        progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]}", style="red"),
            TimeElapsedColumn(),
            TextColumn("{task.fields[pace]}", style="dim"),
            console=self.err,
            disable=not live,
        )
        phase: _Phase | None = None
        finished: RunFinished | None = None
        pace = ""  # the latest pace line (see contract.cli._progress)
        with progress:
            for event in events:
                report(event)
                if isinstance(event, RunStarted):
                    self._started(event)
                elif isinstance(event, PhaseStarted):
                    phase = _Phase(event.phase)
                    phase.task = progress.add_task(
                        event.phase, total=event.total, failed="", pace=pace
                    )
                elif isinstance(event, RunProgress):
                    pace = pace_line(event)
                    if phase is not None and phase.task is not None:
                        progress.update(phase.task, pace=pace)
                elif isinstance(event, CaseFinished):
                    self.findings.add(event)
                    self.warnings.extend(event.warnings)
                    if phase is not None:
                        phase.cases += 1
                        phase.failed += bool(event.violations)
                        phase.inconclusive += event.inconclusive is not None
                        if phase.task is not None:
                            failed = f"✗ {phase.failed}" if phase.failed else ""
                            progress.update(phase.task, advance=1, failed=failed)
                elif isinstance(event, PhaseFinished) and phase is not None:
                    if phase.task is not None:
                        progress.update(phase.task, total=phase.cases)
                    if not live and self.verbosity > QUIET:
                        self._say(phase.line())
                    phase = None
                elif isinstance(event, BaselineCompared):
                    self.baseline = event
                elif isinstance(event, LatencyCompared):
                    self.latency = event
                elif isinstance(event, CleanupFinished):
                    self._cleanup(event)
                elif isinstance(event, RunFinished):
                    finished = event
        if finished is None:
            raise RuntimeError("the run ended without its summary")
        return finished

    def _started(self, event: RunStarted) -> None:
        if self.verbosity > QUIET:
            types = plural(len(event.types), "type")
            self._say(f"target: {event.target} ({types}, seed {event.seed})")
        # Shown even with -q: after a hard kill (CI kills a job some seconds after its
        # SIGTERM) it is what finds the leads the run left on the organization.
        if event.run_token and event.target_kind == "live":
            token = event.run_token
            self._say(
                f"run token: {token} (close-contract cleanup --run-token {token} after a hard kill)"
            )

    def _cleanup(self, event: CleanupFinished) -> None:
        if self.verbosity > QUIET:
            self._say(f"cleanup: deleted {event.deleted}")
        # Shown even with -q: something of the run's own is still on the organization.
        for leftover in event.leftovers:
            self.err.print(
                Text.assemble(("left behind:", "yellow"), " ", self.redact(leftover)),
                soft_wrap=True,
            )

    def show_findings(self) -> None:
        """The violations by root cause (capped unless verbose), then inconclusive cases."""
        if self.verbosity <= QUIET:
            return
        findings = self.findings
        groups = list(findings.groups.values())
        if groups:
            self._say(
                f"{plural(findings.violations, 'violation')} in "
                f"{plural(findings.cases, 'case')}, {plural(len(groups), 'root cause')}:"
            )
        shown = groups if self.verbosity >= VERBOSE else groups[: self.cap]
        for group in shown:
            self._group(group)
        hidden = len(groups) - len(shown)
        if hidden:
            where = "see the report" if self.reports else "-v shows them"
            self._say(f"… and {hidden} more ({where})")
        self._warnings()
        self._inconclusive()
        self._baseline()
        if self.latency is not None:
            for line in latency_lines(self.latency, verbose=self.verbosity >= VERBOSE):
                self._say(line)

    def _baseline(self) -> None:
        """The baseline comparison's counts, and each finding below the gate by rule
        (those at the gate are violations, shown above)."""
        compared = self.baseline
        if compared is None:
            return
        if not compared.findings:
            self._say(f"baseline: no differences from {compared.baseline}")
        else:
            self._say(
                f"baseline: {plural(len(compared.findings), 'difference')} from "
                f"{compared.baseline}: {compared.gate_line()} (--fail-on)"
            )
        below = compared.below_gate
        rules: dict[tuple[str, str], list[str]] = {}
        for found in below:
            rules.setdefault((found.level, found.rule), []).append(found.title)
        shown = 0
        for (level, rule), titles in rules.items():
            self._say(f"  {level:<4}  {rule} ({len(titles)})")
            for title in titles:
                if shown >= self.cap and self.verbosity < VERBOSE:
                    break
                self._say(f"        {title}")
                shown += 1
        if len(below) > shown:
            where = "see the report" if self.reports else "-v shows them"
            self._say(f"  … and {len(below) - shown} more below the gate ({where})")
        if compared.not_compared:
            self._say(
                "  not compared (only the baseline reached them): "
                + "; ".join(compared.not_compared)
            )

    def _group(self, group: Group) -> None:
        cause = group.cause
        self.err.print(
            Text.assemble(
                ("✗ ", "red"),
                (cause.first.check, "bold"),
                ": ",
                self.redact(cause.first.title),
                f" ({plural(cause.count, 'case')})",
            ),
            soft_wrap=True,
        )
        self._example(cause)
        count = group.follow_on_count
        if not count:
            return
        where = "case" if cause.count == 1 else "cases"
        self._say(
            f"  +{count} follow-on {'failure' if count == 1 else 'failures'} in the same {where}"
        )
        if self.verbosity >= VERBOSE:
            for related in group.follow_ons.values():
                self._say(
                    f"    ↳ {related.first.check}: {related.first.title} "
                    f"({plural(related.count, 'time')})"
                )

    def _example(self, related: Related) -> None:
        found = related.first
        self._say(f"  case: {related.label} ({related.phase}), root cause {fingerprint(found)}")
        response = found.response or {}
        if "status" in response:
            body = excerpt(str(response.get("response_body") or ""))
            self._say(f"  answer: {response['status']}" + (f" {body}" if body else ""))
        elif found.message:
            self._say(f"  {excerpt(found.message)}")
        if found.steps:
            self._steps(found.steps)
        elif found.reproduction:
            self._say(f"  reproduce: {excerpt(found.reproduction, limit=10_000)}")
        if self.scripts is not None:
            self._say(f"  run again: sh {self.scripts / (fingerprint(found) + '.sh')}")

    def _steps(self, steps: tuple[str, ...]) -> None:
        """The numbered requests that reproduce a violation, one line each on a terminal
        or with ``-v``; piped, one line that says where they are (one line per finding)."""
        if not self.err.is_terminal and self.verbosity < VERBOSE:
            where = "see the report" if self.reports else "-v shows them"
            self._say(f"  reproduce: {plural(len(steps), 'request')}, in order ({where})")
            return
        self._say(f"  reproduce ({plural(len(steps), 'request')}, in order):")
        for number, step in enumerate(steps, 1):
            self._say(f"    {number}. {excerpt(step, limit=10_000)}")

    def _warnings(self) -> None:
        """Findings that fail nothing, one line each (capped unless verbose)."""
        found = self.warnings
        if not found:
            return
        self._say(
            f"{plural(len(found), 'warning')}, failing nothing (what only inference expects; "
            "--fail-on-concurrency makes the concurrency phase's fail the run):"
        )
        shown = found if self.verbosity >= VERBOSE else found[: self.cap]
        for warning in shown:
            self.err.print(
                Text.assemble(
                    ("! ", "yellow"), (warning.check, "bold"), ": ", self.redact(warning.title)
                ),
                soft_wrap=True,
            )
        if len(found) > len(shown):
            where = "see the report" if self.reports else "-v shows them"
            self._say(f"… and {len(found) - len(shown)} more ({where})")

    def _inconclusive(self) -> None:
        cases = self.findings.inconclusive
        if not cases:
            return
        first = cases[0]
        self.err.print(
            Text.assemble(
                ("? ", "yellow"),
                f"{plural(len(cases), 'case')} inconclusive (network); the first: ",
                self.redact(f"{first.label}: {first.inconclusive}"),
            ),
            soft_wrap=True,
        )
        if self.verbosity >= VERBOSE:
            for case in cases[1:]:
                self._say(f"  ? {case.label}: {case.inconclusive}")

    def show_summary(self, summary: Summary) -> None:
        """The totals, the violations per check and the verdict."""
        table = Table(title="close-contract", show_edge=False)
        for column in ("cases", "requests", "violations", "inconclusive", "duration"):
            table.add_column(column, justify="right")
        table.add_row(
            str(summary.cases),
            str(summary.requests),
            str(summary.violations),
            str(summary.inconclusive),
            f"{summary.duration:.1f} s",
        )
        self.out.print(table)
        self._checks(summary)
        if summary.stopped_early:
            self.out.print("stopped early (-x): the first case with a violation ended the run")
        if summary.max_time_reached:
            self.out.print(
                "time budget reached (--max-time): no further case was drawn; the checks it "
                "never reached did not run",
                soft_wrap=True,
            )
        if summary.warnings:
            self.out.print(f"{plural(summary.warnings, 'warning')}, failing nothing (see above)")
        if summary.interrupted:
            return  # the interrupt's own line says what happened
        if summary.violations:
            self.out.print("contract broken")
        elif summary.over_budget:
            self.out.print(
                f"no verdict: the network left {plural(summary.inconclusive, 'case')} "
                f"inconclusive, more than the {summary.inconclusive_budget} allowed "
                "(--max-inconclusive)"
            )
        elif summary.left_behind:
            self.out.print(
                f"no clean verdict: cleanup left {plural(summary.left_behind, 'resource')} "
                "on the organization (see cleanup above)",
                soft_wrap=True,
            )
        else:
            not_run = sum(t.not_run is not None for t in summary.checks.values())
            self.out.print(
                "contract holds"
                + (f" ({plural(not_run, 'check')} not run: see above)" if not_run else "")
            )

    def _checks(self, summary: Summary) -> None:
        """What each check did: the answers it judged, passed and failed (those the network
        decided are neither), then the checks that did not run and why."""
        tallies = summary.checks
        if not tallies:
            # A summary without the per-check tally (a run cut short before any case).
            if summary.by_check:
                table = Table(show_edge=False)
                table.add_column("check")
                table.add_column("violations", justify="right")
                for name, count in sorted(summary.by_check.items()):
                    table.add_row(name, str(count))
                self.out.print(table)
            return
        ran = [(name, t) for name, t in tallies.items() if t.not_run is None]
        if ran and (self.verbosity >= NORMAL or summary.by_check):
            table = Table(show_edge=False)
            for column in ("check", "judged", "passed", "failed", "inconclusive"):
                table.add_column(column, justify="left" if column == "check" else "right")
            # The failing checks first, then by name: the table is read top down.
            for name, t in sorted(ran, key=lambda item: (-item[1].failed, item[0])):
                if self.verbosity < NORMAL and not t.failed:
                    continue
                table.add_row(
                    name, str(t.judged), str(t.passed), str(t.failed), str(t.inconclusive)
                )
            self.out.print(table)
        if self.verbosity >= NORMAL:
            for why, names in not_run_by_reason(summary).items():
                self.out.print(f"not run: {', '.join(names)} ({why})", soft_wrap=True)
