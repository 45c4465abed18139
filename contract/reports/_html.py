"""The HTML report: one self-contained page for a person to open from a CI job's artifacts.

Everything is inline (CSS, SVG charts) and nothing runs or is fetched: no script, no font,
no image file, and a Content-Security-Policy that forbids them all, so the page reads the
same offline and a target's text cannot turn into markup. Every text a target said (titles,
messages, bodies, labels) is escaped.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from contract.errors import ContractViolation
from contract.events import BaselineCompared, CaseFinished, Summary
from contract.reports._cells import badge, e, head, plural, row
from contract.reports._charts import Bar, bar_chart
from contract.reports._groups import Group, RootCauses, fingerprint
from contract.reports._metadata import Metadata, option_text
from contract.reports._since import earlier_than, since_section

__all__ = ["html_report"]

# An answer's body is shown up to here; the JSON report keeps more of it.
_BODY_SHOWN = 3000

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;
color:#1b1b1b;background:#fff}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:18px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:0 0 6px}
h4{font-size:13px;margin:10px 0 4px}
table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:8px;white-space:pre-wrap;
overflow-wrap:anywhere;max-height:28em;overflow:auto;margin:4px 0}
.meta,.notes{color:#555}
.verdict{font-weight:bold;padding:8px 12px;border-radius:4px}
.ok{background:#e6f4ea;color:#0b5a27}
.broken{background:#fdecea;color:#8a1c12}
.none{background:#fff4e5;color:#7a4b00}
.cause{border:1px solid #ddd;border-left:4px solid #D55E00;padding:10px 14px;margin:12px 0}
.badge{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:bold}
.new{background:#fdecea;color:#8a1c12}
.seen{background:#eee;color:#444}
.fixed{background:#e6f4ea;color:#0b5a27}
tr.failed td{background:#fff6f5}
.chart{max-width:100%;height:auto}
@media print{pre{max-height:none}}
"""
# No script, style only from this page: a target's text can never become code here.
_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
_STATUS_CLASSES = (
    ("2xx", "#009E73"),
    ("3xx", "#56B4E9"),
    ("4xx", "#E69F00"),
    ("5xx", "#D55E00"),
    ("other", "#999999"),
)


def _verdict(meta: Metadata, s: Summary, causes: int) -> tuple[str, str]:
    """The verdict's words and its CSS class."""
    if s.violations:
        return (
            f"Contract broken: {plural(s.violations, 'violation')}, "
            f"{plural(causes, 'root cause')} (exit {s.exit_code}).",
            "broken",
        )
    if s.error:
        return f"The run ended early: {s.error} (exit {s.exit_code}).", "none"
    if meta.interrupted:
        return f"No verdict: the run was interrupted (exit {s.exit_code}).", "none"
    if s.over_budget:
        return (
            f"No verdict: {s.inconclusive} inconclusive cases, more than the "
            f"{s.inconclusive_budget} allowed (exit {s.exit_code}).",
            "none",
        )
    if s.left_behind:
        return f"No clean verdict: cleanup left {plural(s.left_behind, 'resource')}.", "none"
    return "The contract holds: no violation (exit 0).", "ok"


def _header(meta: Metadata, s: Summary, causes: int) -> list[str]:
    python = meta.versions["python"]
    lines = [
        "<header><h1>close-contract report</h1>",
        f'<p class="meta">{e(meta.line())} · Python {e(python)}</p></header>',
    ]
    options = meta.options
    if options is not None:
        shown = ", ".join(
            f"<code>{e(name)}</code> {e(option_text(value))}"
            for name, value in options.items()
            if value not in (None, [])
        )
        lines.append(f'<p class="meta">Options: {shown}.</p>')
    if meta.interrupted:
        lines.append(
            "<p><strong>Interrupted</strong>: the run stopped before it finished (Ctrl-C, "
            "SIGTERM or SIGHUP); this report holds the cases that ran.</p>"
        )
    if s.max_time_reached:
        lines.append(
            "<p><strong>Time budget reached</strong> (--max-time): no further case was "
            "drawn; the checks it never reached did not run.</p>"
        )
    words, css = _verdict(meta, s, causes)
    numbers = (0, 1, 2, 3, 4)
    duration = f"{s.duration:.1f} s"
    lines += [
        "<h2>Summary</h2><table>",
        head("cases", "requests", "violations", "inconclusive", "duration", numeric=numbers),
        row(s.cases, s.requests, s.violations, s.inconclusive, duration, numeric=numbers),
        "</table>",
        f'<p class="verdict {css}">{e(words)}</p>',
    ]
    return lines


def _coverage(s: Summary) -> list[str]:
    """What each check did, the failing first, then the checks that did not run and why."""
    if not s.checks:
        if not s.by_check:
            return []
        rows = [row(f"<code>{e(k)}</code>", v, numeric=(1,)) for k, v in sorted(s.by_check.items())]
        return [
            "<h2>Checks</h2><table>",
            head("check", "violations", numeric=(1,)),
            *rows,
            "</table>",
        ]
    ran = sorted(
        ((name, t) for name, t in s.checks.items() if t.not_run is None),
        key=lambda item: (-item[1].failed, item[0]),
    )
    numbers = (1, 2, 3, 4)
    lines = [
        "<h2>Checks</h2><table>",
        head("check", "judged", "passed", "failed", "inconclusive", numeric=numbers),
    ]
    lines += [
        row(
            f"<code>{e(name)}</code>",
            *(t.judged, t.passed, t.failed, t.inconclusive),
            numeric=numbers,
            css="failed" if t.failed else "",
        )
        for name, t in ran
    ]
    lines.append("</table>")
    skipped = sorted((name, t.not_run) for name, t in s.checks.items() if t.not_run)
    if skipped:
        lines += ["<h3>Not run</h3><table>", head("check", "why")]
        lines += [row(f"<code>{e(name)}</code>", e(why)) for name, why in skipped]
        lines.append("</table>")
    return lines


def _status_class(status: int) -> str:
    return f"{status // 100}xx" if 200 <= status < 600 else "other"


def _statuses(cases: Sequence[CaseFinished]) -> list[str]:
    """A bar per HTTP status: how many answers had it."""
    counts = Counter(s for c in cases for s in c.statuses if isinstance(s, int))
    if not counts:
        return ["<h2>Answers</h2>", "<p>No answer was received.</p>"]
    colours = dict(_STATUS_CLASSES)
    bars = [Bar(str(s), n, colours[_status_class(s)]) for s, n in sorted(counts.items())]
    present = {_status_class(s) for s in counts}
    chart = bar_chart(
        bars,
        title=f"Answers by HTTP status ({sum(counts.values())} in all)",
        x_label="HTTP status",
        y_label="answers",
        legend=[(name, colour) for name, colour in _STATUS_CLASSES if name in present],
    )
    return ["<h2>Answers</h2>", chart]


def _answer(found: ContractViolation) -> list[str]:
    response = found.response or {}
    if "status" not in response:
        return []
    body = str(response.get("response_body") or "")
    try:
        body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        pass  # not JSON: shown as it came
    if len(body) > _BODY_SHOWN:
        body = body[:_BODY_SHOWN] + f"\n… ({len(body):,} characters in all)"
    lines = [f"<h4>The answer</h4><p>status <code>{e(response['status'])}</code></p>"]
    return [*lines, f"<pre>{e(body)}</pre>"] if body else lines


def _reproduction(found: ContractViolation) -> list[str]:
    if found.steps:
        lines = ["<h4>Reproduce with these requests, in order</h4><ol>"]
        lines += [f"<li><pre>{e(step)}</pre></li>" for step in found.steps]
        return [*lines, "</ol>"]
    if found.reproduction:
        return ["<h4>Reproduce</h4>", f"<pre>{e(found.reproduction)}</pre>"]
    return []


def _badge(fp: str, last: set[str] | None) -> str:
    if last is None:
        return ""
    if fp in last:
        return " " + badge("also in the last run", "seen")
    return " " + badge("new since the last run", "new")


def _findings(groups: Sequence[Group], last: set[str] | None) -> list[str]:
    """An index of the root causes, then a section per cause: its first violation, the
    answer, its reproduction and the failures that followed it in the same cases."""
    if not groups:
        return []
    lines = [
        "<h2>Findings by root cause</h2><table>",
        head("root cause", "check", "cases", "title"),
    ]
    for group in groups:
        found = group.cause.first
        fp = fingerprint(found)
        lines.append(
            row(
                f'<a href="#cause-{fp}"><code>{fp}</code></a>{_badge(fp, last)}',
                f"<code>{e(found.check)}</code>",
                group.cause.count,
                e(found.title),
                numeric=(2,),
            )
        )
    lines.append("</table>")
    for group in groups:
        cause = group.cause
        found = cause.first
        fp = fingerprint(found)
        where = "case" if cause.count == 1 else "cases"
        lines += [
            f'<section class="cause" id="cause-{fp}">',
            f"<h3>[{e(found.check)}] {e(found.title)}</h3>",
            f"<p>Root cause <code>{fp}</code>{_badge(fp, last)}, in {cause.count} {where}; "
            f"the first: {e(cause.label)} ({e(cause.phase)}), severity "
            f"{e(found.severity)}.</p>",
        ]
        if found.message and found.message != found.title:
            lines.append(f"<pre>{e(found.message)}</pre>")
        lines += _answer(found) + _reproduction(found)
        if group.follow_ons:
            lines.append(f"<h4>Followed in the same {where} by</h4><ul>")
            lines += [
                f"<li><code>{e(r.first.check)}</code>: {e(r.first.title)} "
                f"({plural(r.count, 'time')}), root cause <code>{fingerprint(r.first)}</code></li>"
                for r in group.follow_ons.values()
            ]
            lines.append("</ul>")
        lines.append("</section>")
    return lines


def _inconclusive(undecided: Sequence[CaseFinished]) -> list[str]:
    if not undecided:
        return []
    lines = [
        "<h2>Inconclusive cases</h2>",
        "<p>The network, not the API, decided these: a request that may have taken effect "
        "went unanswered, so the case was not judged.</p><ul>",
    ]
    lines += [f"<li>{e(c.label)} ({e(c.phase)}): {e(c.inconclusive)}</li>" for c in undecided]
    return [*lines, "</ul>"]


def _baseline(compared: BaselineCompared | None) -> list[str]:
    """Every finding of the baseline comparison by rule, whether it fails the gate."""
    if compared is None:
        return []
    lines = [f"<h2>Baseline: {e(compared.baseline)}</h2>"]
    if not compared.findings:
        lines.append("<p>No differences from the baseline.</p>")
    else:
        failing = compared.failing
        lines += [
            f"<p>{e(compared.gate_line())} (--fail-on).</p><table>",
            head("level", "rule", "finding", "fails the gate"),
        ]
        lines += [
            row(
                e(f.level),
                f"<code>{e(f.rule)}</code>",
                e(f.title),
                "yes" if f in failing else "no",
                css="failed" if f in failing else "",
            )
            for f in compared.findings
        ]
        lines.append("</table>")
    if compared.not_compared:
        shown = "; ".join(compared.not_compared)
        lines.append(f"<p>Not compared (only the baseline reached them): {e(shown)}.</p>")
    return lines


def html_report(
    meta: Metadata,
    summary: Summary,
    cases: Sequence[CaseFinished],
    baseline: BaselineCompared | None = None,
    history: Sequence[Mapping[str, Any]] = (),
    notes: Sequence[str] = (),
) -> str:
    """The report as one HTML page: metadata, summary and verdict, per-check coverage, the
    answers by status (a chart), a section per root cause, inconclusive cases, the baseline
    comparison, and with ``history`` (earlier JSON reports) what is new or fixed since the
    last run and the trend of violations per check; ``notes`` say what history was
    skipped."""
    causes = RootCauses()
    for case in cases:
        causes.add(case)
    groups = list(causes.groups.values())
    runs, skipped = earlier_than(history, meta.started_at)
    notes = [*notes, *skipped]
    now = {fingerprint(g.cause.first) for g in groups}
    last = set(runs[-1].causes) if runs else None
    body = [
        *_header(meta, summary, len(groups)),
        *_coverage(summary),
        *_statuses(cases),
        *_findings(groups, last),
        *_inconclusive(causes.inconclusive),
        *_baseline(baseline),
        *(since_section(runs, notes, now, summary) if history or notes else []),
        f'<footer class="notes"><p>close-contract {e(meta.versions["close_contract"])}; '
        "a self-contained page: no script, nothing fetched.</p></footer>",
    ]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>close-contract report</title>",
            f"<style>{_STYLE}</style></head><body>",
            *body,
            "</body></html>",
            "",
        ]
    )
