"""The Markdown report: metadata, the summary table, each violation, inconclusive cases."""

from __future__ import annotations

from collections.abc import Sequence

from contract.errors import ContractViolation
from contract.events import BaselineCompared, CaseFinished, LatencyCompared, Summary
from contract.reports._groups import RootCauses, excerpt, fingerprint, not_run_by_reason
from contract.reports._latency import latency_markdown
from contract.reports._metadata import Metadata, option_text

__all__ = ["markdown_report"]


def _header(meta: Metadata, s: Summary) -> list[str]:
    lines = ["# close-contract report", "", meta.line(), ""]
    options = meta.options
    if options is not None:
        shown = ", ".join(
            f"{name} {option_text(value)}"
            for name, value in options.items()
            if value not in (None, [])
        )
        lines += [f"Options: {shown}.", ""]
    if meta.interrupted:
        lines += [
            "**Interrupted**: the run stopped before it finished (Ctrl-C, SIGTERM or "
            "SIGHUP); this report holds the cases that ran.",
            "",
        ]
    if s.max_time_reached:
        lines += [
            "**Time budget reached** (--max-time): no further case was drawn; the checks "
            "it never reached did not run.",
            "",
        ]
    lines += [
        "| cases | requests | violations | inconclusive | duration |",
        "| ---: | ---: | ---: | ---: | ---: |",
        f"| {s.cases} | {s.requests} | {s.violations} | {s.inconclusive} | {s.duration:.1f} s |",
        "",
    ]
    return lines


def _checks(s: Summary) -> list[str]:
    """What each check did (judged, passed, failed, inconclusive), the failing first, and
    the checks that did not run with why; the violations per check where no tally is."""
    if not s.checks:
        if not s.by_check:
            return []
        lines = ["| check | violations |", "| --- | ---: |"]
        lines += [f"| `{k}` | {v} |" for k, v in sorted(s.by_check.items())]
        return [*lines, ""]
    ran = sorted(
        ((name, t) for name, t in s.checks.items() if t.not_run is None),
        key=lambda item: (-item[1].failed, item[0]),
    )
    lines = [
        "| check | judged | passed | failed | inconclusive |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| `{name}` | {t.judged} | {t.passed} | {t.failed} | {t.inconclusive} |" for name, t in ran
    ]
    lines.append("")
    for why, names in not_run_by_reason(s).items():
        lines += [f"Not run: {', '.join(f'`{n}`' for n in names)} ({why}).", ""]
    return lines


def _violations(cases: Sequence[CaseFinished]) -> list[str]:
    """One section per root cause: its first violation with the case that showed it and
    its reproduction, how many cases it stands for, and the failures that followed it in
    those cases (one line each), so one cause reads the same however often it showed."""
    causes = RootCauses()
    for case in cases:
        causes.add(case)
    groups = list(causes.groups.values())
    if not groups:
        return []
    lines = ["| root cause | check | cases | title |", "| --- | --- | ---: | --- |"]
    for group in groups:
        found = group.cause.first
        title = excerpt(found.title, 120).replace("|", "\\|")
        lines.append(
            f"| `{fingerprint(found)}` | `{found.check}` | {group.cause.count} | {title} |"
        )
    lines.append("")
    for group in groups:
        cause = group.cause
        found = cause.first
        cases_text = "case" if cause.count == 1 else "cases"
        lines += [
            f"## [{found.check}] {found.title}",
            "",
            f"Root cause `{fingerprint(found)}`, in {cause.count} {cases_text}; the first: "
            f"{cause.label} ({cause.phase}), severity {found.severity}.",
            "",
        ]
        if found.message:
            lines += [found.message, ""]
        lines += _reproduction(found)
        if group.follow_ons:
            lines += [f"Followed in the same {cases_text} by:", ""]
            lines += [
                f"- `{related.first.check}`: {excerpt(related.first.title, 200)} "
                f"({related.count} {'time' if related.count == 1 else 'times'})"
                for related in group.follow_ons.values()
            ]
            lines.append("")
    return lines


def _reproduction(found: ContractViolation) -> list[str]:
    """The curl command, or the numbered requests that reproduce the violation in order.

    The numbers are shell comments inside one ``sh`` block, so the block renders as a
    numbered list on GitHub and still runs as it is when pasted into a shell.
    """
    if not found.steps:
        return ["```sh", found.reproduction, "```", ""] if found.reproduction else []
    lines = ["Reproduce with these requests, in order:", "", "```sh"]
    for number, step in enumerate(found.steps, 1):
        lines += [f"# {number}.", step]
    return [*lines, "```", ""]


def _warnings(cases: Sequence[CaseFinished]) -> list[str]:
    """Findings that fail nothing (advisory checks', the concurrency phase's), each with its
    message."""
    found = [(c, w) for c in cases for w in c.warnings]
    if not found:
        return []
    lines = [
        "## Warnings",
        "",
        "Reported only: what only inference expects fails nothing (`--fail-on-concurrency` "
        "makes the concurrency phase's findings fail the run).",
        "",
    ]
    for case, warning in found:
        lines += [f"### `{warning.check}`: {warning.title}", ""]
        lines += [f"{case.label} ({case.phase}).", ""]
        lines += ["```", warning.message, "```", ""]
        lines += _reproduction(warning)
    return lines


def _inconclusive(cases: Sequence[CaseFinished]) -> list[str]:
    undecided = [c for c in cases if c.inconclusive]
    if not undecided:
        return []
    lines = [
        "## Inconclusive cases",
        "",
        "The network, not the API, decided these: a request that may have taken "
        "effect went unanswered, so the case was not judged.",
        "",
    ]
    lines += [f"- {c.label} ({c.phase}): {c.inconclusive}" for c in undecided]
    lines.append("")
    return lines


def _baseline(compared: BaselineCompared | None) -> list[str]:
    """Every finding of the baseline comparison by rule, those that fail the gate marked."""
    if compared is None:
        return []
    lines = [f"## Baseline: {compared.baseline}", ""]
    if not compared.findings:
        lines += ["No differences from the baseline.", ""]
    else:
        lines += [
            f"{compared.gate_line()} (`--fail-on`).",
            "",
            "| level | rule | finding | fails |",
            "| --- | --- | --- | --- |",
        ]
        failing_set = compared.failing
        for found in compared.findings:
            title = found.title.replace("|", "\\|")
            fails = "yes" if found in failing_set else "no"
            lines.append(f"| {found.level} | `{found.rule}` | {title} | {fails} |")
        lines.append("")
    if compared.not_compared:
        lines += [
            "Not compared (only the baseline reached them): "
            + "; ".join(compared.not_compared)
            + ".",
            "",
        ]
    return lines


def _verdict(meta: Metadata, s: Summary) -> str:
    if s.over_budget:
        return (
            f"No verdict: {s.inconclusive} inconclusive cases, more than the "
            f"{s.inconclusive_budget} allowed."
        )
    if s.violations:
        return ""  # the violations above are the verdict
    if meta.interrupted:
        return "No verdict: the run was interrupted."
    return "The contract holds: no violation."


def markdown_report(
    meta: Metadata,
    summary: Summary,
    cases: Sequence[CaseFinished],
    baseline: BaselineCompared | None = None,
    *,
    latency: LatencyCompared | None = None,
) -> str:
    """The report as Markdown: a metadata line, summary and per-check tables, each
    violation with its curl reproduction (or its numbered requests), the inconclusive
    cases, every finding of the baseline comparison, the answer times compared with the
    latency baseline, the verdict."""
    lines = _header(meta, summary)
    lines += _checks(summary)
    lines += _violations(cases)
    lines += _warnings(cases)
    lines += _inconclusive(cases)
    lines += _baseline(baseline)
    lines += latency_markdown(latency)
    lines.append(_verdict(meta, summary))
    return "\n".join(lines).rstrip() + "\n"
