"""The latency comparison (:class:`~contract.events.LatencyCompared`) as the terminal and
the Markdown report say it: its verdict line, then each operation."""

from __future__ import annotations

from contract.baseline import LatencyChange, Percentiles
from contract.events import LatencyCompared

__all__ = ["latency_lines", "latency_markdown"]


def latency_lines(compared: LatencyCompared, *, verbose: bool = False) -> list[str]:
    """Plain lines: the verdict, then each slower operation and each one not compared
    (with ``verbose``, also those as before)."""
    lines = [f"latency: {compared.gate_line()} ({compared.baseline})"]
    for change in compared.changes:
        if change.slower:
            lines.append(f"  slower  {change.line}")
        elif change.not_compared is not None:
            lines.append(f"          {change.line}")
        elif verbose:
            lines.append(f"  same    {change.line}")
    return lines


def _cell(side: Percentiles | None, percentile: str) -> str:
    value: float | None = None if side is None else getattr(side, percentile)
    return "-" if value is None else f"{value:.1f}"


def _row(change: LatencyChange) -> str:
    old, new = change.old, change.new
    verdict = (
        "**slower**"
        if change.slower
        else f"not compared: {change.not_compared}".replace("|", "\\|")
        if change.not_compared is not None
        else "as before"
    )
    cells = [
        f"`{change.operation}`",
        f"{_cell(new, 'p50_ms')} ({_cell(old, 'p50_ms')})",
        f"{_cell(new, 'p95_ms')} ({_cell(old, 'p95_ms')})",
        f"{new.count if new else 0} ({old.count if old else 0})",
        verdict,
    ]
    return "| " + " | ".join(cells) + " |"


def latency_markdown(compared: LatencyCompared | None) -> list[str]:
    """A section: the verdict line, then a table of every operation (the baseline's
    values in parentheses)."""
    if compared is None:
        return []
    lines = [f"## Latency: {compared.baseline}", "", compared.gate_line() + ".", ""]
    if compared.changes:
        lines += [
            "| operation | p50 ms (was) | p95 ms (was) | answers (was) | verdict |",
            "| --- | --- | --- | --- | --- |",
            *(_row(c) for c in compared.changes),
            "",
        ]
    return lines
