"""The HTML report's comparison with earlier runs: which root causes are new or fixed since
the last run, and the trend of violations per check (an inline SVG chart)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from contract.events import Summary
from contract.reports._cells import badge, e, head, plural, row
from contract.reports._charts import Line, line_chart
from contract.reports._history import EarlierRun, earlier_runs, moment_of

__all__ = ["earlier_than", "since_section"]

# Past this many series the trend chart shows the checks with the most violations.
_TREND_LINES = 12
_NOTES_SHOWN = 20


def earlier_than(
    history: Sequence[Mapping[str, Any]], started_at: str | None
) -> tuple[list[EarlierRun], list[str]]:
    """The runs of ``history`` that started before ``started_at`` (this run), oldest first,
    and a note for each report left out."""
    runs, notes = earlier_runs(history)
    current = moment_of(started_at)
    if current is None:
        return runs, notes
    # A report of this run (or of a later one) in the directory is no earlier run.
    kept = [r for r in runs if r.started_at is None or r.started_at < current]
    if len(kept) < len(runs):
        left = plural(len(runs) - len(kept), "report")
        notes.append(f"{left} of this run or of a later one left out")
    return kept, notes


def _when(moment: datetime | None) -> str:
    return "?" if moment is None else moment.strftime("%m-%d %H:%M")


def _trend(runs: Sequence[EarlierRun], s: Summary) -> list[str]:
    """Violations per check in each earlier run and this one, the checks with most first."""
    counts = [run.by_check for run in runs] + [s.by_check]
    totals: Counter[str] = Counter()
    for by_check in counts:
        totals.update(by_check)
    named = [name for name, total in sorted(totals.items(), key=lambda i: (-i[1], i[0])) if total]
    if not named:
        return [f"<p>No violation in any of these {len(counts)} runs.</p>"]
    lines = [Line(name, tuple(c.get(name, 0) for c in counts)) for name in named[:_TREND_LINES]]
    labels = [_when(run.started_at) for run in runs] + ["this run"]
    title = f"Violations per check, the last {len(counts)} runs"
    shown = [
        "<h3>Trend</h3>",
        line_chart(labels, lines, title=title, x_label="run (UTC)", y_label="violations"),
    ]
    if len(named) > _TREND_LINES:
        shown.append(f'<p class="notes">{len(named) - _TREND_LINES} more checks not drawn.</p>')
    return shown


def _fixed(last: EarlierRun, now: set[str], s: Summary) -> list[str]:
    """The last run's root causes this run did not show: fixed, or not judged now."""
    gone = [(fp, cause) for fp, cause in last.causes.items() if fp not in now]
    if not gone:
        return ["<p>Nothing fixed since the last run.</p>"]

    def judged(check: str) -> bool:
        # A cause whose check judged nothing this time is not fixed: nobody looked.
        tally = s.checks.get(check)
        return not s.checks or (tally is not None and tally.not_run is None and tally.judged > 0)

    lines = ["<h3>Root causes of the last run not seen now</h3><table>"]
    lines.append(head("root cause", "check", "title", "now"))
    for fp, (check, title) in gone:
        now_text = (
            badge("fixed since the last run", "fixed")
            if judged(check)
            else badge("not judged in this run", "seen")
        )
        lines.append(row(f"<code>{e(fp)}</code>", f"<code>{e(check)}</code>", e(title), now_text))
    return [*lines, "</table>"]


def since_section(
    runs: Sequence[EarlierRun], notes: Sequence[str], now: set[str], s: Summary
) -> list[str]:
    """The section: the root causes new and fixed since the last of ``runs`` (``now``: this
    run's fingerprints), the trend, and the ``notes`` on what history was skipped."""
    lines = ['<h2 id="history">Since earlier runs</h2>']
    if runs:
        last = runs[-1]
        new = len(now - set(last.causes))
        lines.append(
            f"<p>Compared with the last run (started {e(_when(last.started_at))} UTC, "
            f"{plural(len(last.causes), 'root cause')}): "
            f"{plural(new, 'root cause')} new since the last run.</p>"
        )
        lines += _fixed(last, now, s) + _trend(runs, s)
    else:
        lines.append("<p>No earlier report to compare with.</p>")
    if notes:
        lines.append('<ul class="notes">')
        lines += [f"<li>{e(note)}</li>" for note in notes[:_NOTES_SHOWN]]
        if len(notes) > _NOTES_SHOWN:
            lines.append(f"<li>… and {len(notes) - _NOTES_SHOWN} more notes</li>")
        lines.append("</ul>")
    return lines
