"""Charts as inline SVG, drawn from numbers alone: no script, no font and no file to fetch.

Each chart has a title, labelled axes with round ticks, and its legend to the right of the
plot area, never over the data. Every text in it is escaped, since labels (a check's name,
a status) end up in an HTML page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Bar", "Line", "bar_chart", "line_chart", "series_style"]

# The Okabe–Ito colours that read on white, distinguishable with the common colour-vision
# deficiencies; past them a series is told apart by its dash pattern as well.
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")
_DASHES = ("", "6 3", "2 3", "8 3 2 3")

_WIDTH = 760
_LEFT = 64  # tick labels and the rotated y label
_TOP = 36  # the title
_BOTTOM = 52  # tick labels and the x label
_PLOT_HEIGHT = 220
_LEGEND = 200  # width of the legend column, right of the plot
_GAP = 16
_LEGEND_ROW = 18
_FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its label under the axis, its value and its colour."""

    label: str
    value: int
    colour: str


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a line chart: its name in the legend and a value per x position."""

    name: str
    values: tuple[int, ...]


def series_style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of the ``index``-th series."""
    colour = _PALETTE[index % len(_PALETTE)]
    dash = _DASHES[(index // len(_PALETTE)) % len(_DASHES)]
    return colour, dash


def _ticks(top: int) -> tuple[int, int]:
    """A round step (1, 2 or 5 times a power of ten) giving at most five intervals up to
    ``top``, and the axis maximum (a multiple of the step, at least 1)."""
    top = max(top, 1)
    step = 1
    for magnitude in (10**k for k in range(int(math.log10(top)) + 1)):
        for factor in (1, 2, 5):
            if top / (factor * magnitude) <= 5:
                step = factor * magnitude
                return step, step * math.ceil(top / step)
    return step, step * math.ceil(top / step)


def _text(
    x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, extra: str = ""
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" {_FONT}'
        f"{extra}>{escape(text)}</text>"
    )


def _frame(title: str, x_label: str, y_label: str, top: int, height: int) -> list[str]:
    """The opening tag, title, y grid with its ticks, both axes and their labels."""
    plot_right = _WIDTH - _LEGEND - _GAP
    bottom = _TOP + _PLOT_HEIGHT
    parts = [
        f'<svg viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{_WIDTH}" height="{height}" fill="#fff"/>',
        _text(_WIDTH / 2, 20, title, size=13, extra=' font-weight="bold"'),
    ]
    step, axis_max = _ticks(top)
    for value in range(0, axis_max + 1, step):
        y = bottom - value / axis_max * _PLOT_HEIGHT
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{plot_right}" y2="{y:.1f}" stroke="#e3e3e3"/>'
        )
        parts.append(_text(_LEFT - 6, y + 4, str(value), anchor="end"))
    parts += [
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{plot_right}" y2="{bottom}" stroke="#333"/>',
        _text((_LEFT + plot_right) / 2, bottom + 40, x_label, extra=' font-weight="bold"'),
        _text(
            16,
            _TOP + _PLOT_HEIGHT / 2,
            y_label,
            extra=f' font-weight="bold" transform="rotate(-90 16 {_TOP + _PLOT_HEIGHT / 2:.1f})"',
        ),
    ]
    return parts


def _legend(entries: Sequence[tuple[str, str, str]], *, lines: bool) -> list[str]:
    """Name, colour and dash of each entry, stacked in the column right of the plot."""
    x = _WIDTH - _LEGEND + 4
    parts = []
    for row, (name, colour, dash) in enumerate(entries):
        y = _TOP + 8 + row * _LEGEND_ROW
        if lines:
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="{colour}" '
                f'stroke-width="2.5"{dashed}/>'
            )
        else:
            parts.append(f'<rect x="{x + 5}" y="{y - 6}" width="12" height="12" fill="{colour}"/>')
        shown = name if len(name) <= 28 else name[:27] + "…"
        parts.append(_text(x + 28, y + 4, shown, anchor="start"))
    return parts


def _height(legend_rows: int) -> int:
    return max(_TOP + _PLOT_HEIGHT + _BOTTOM, _TOP + 16 + legend_rows * _LEGEND_ROW)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    x_label: str,
    y_label: str,
    legend: Sequence[tuple[str, str]] = (),
) -> str:
    """A vertical bar per entry of ``bars`` with its value above it; ``legend`` names the
    colours (name, colour)."""
    height = _height(len(legend))
    top = max((b.value for b in bars), default=0)
    parts = _frame(title, x_label, y_label, top, height)
    axis_max = _ticks(top)[1]
    plot_right = _WIDTH - _LEGEND - _GAP
    bottom = _TOP + _PLOT_HEIGHT
    slot = (plot_right - _LEFT) / max(len(bars), 1)
    for n, bar in enumerate(bars):
        tall = bar.value / axis_max * _PLOT_HEIGHT
        x = _LEFT + n * slot + slot * 0.15
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - tall:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{tall:.1f}" fill="{bar.colour}"><title>{escape(bar.label)}: '
            f"{bar.value}</title></rect>"
        )
        middle = x + slot * 0.35
        parts.append(_text(middle, bottom - tall - 4, str(bar.value)))
        parts.append(_text(middle, bottom + 16, bar.label))
    parts += _legend([(name, colour, "") for name, colour in legend], lines=False)
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart(
    x_labels: Sequence[str], lines: Sequence[Line], *, title: str, x_label: str, y_label: str
) -> str:
    """A line with a marker per point for each of ``lines`` over the positions that
    ``x_labels`` name (at most about six of them are written under the axis)."""
    height = _height(len(lines))
    top = max((v for line in lines for v in line.values), default=0)
    parts = _frame(title, x_label, y_label, top, height)
    axis_max = _ticks(top)[1]
    plot_right = _WIDTH - _LEGEND - _GAP
    bottom = _TOP + _PLOT_HEIGHT
    count = len(x_labels)
    inner = plot_right - _LEFT - 24

    def x_of(index: int) -> float:
        return _LEFT + 12 + (inner / 2 if count == 1 else index * inner / (count - 1))

    every = max(1, math.ceil(count / 6))
    for index, label in enumerate(x_labels):
        # The last position is this run: always labelled.
        if index % every == 0 or index == count - 1:
            parts.append(_text(x_of(index), bottom + 16, label))
    entries = []
    for n, line in enumerate(lines):
        colour, dash = series_style(n)
        entries.append((line.name, colour, dash))
        points = [
            (x_of(i), bottom - value / axis_max * _PLOT_HEIGHT)
            for i, value in enumerate(line.values)
        ]
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
            f"{escape(line.name)}, {escape(x_labels[i])}: {line.values[i]}</title></circle>"
            for i, (x, y) in enumerate(points)
        ]
    parts += _legend(entries, lines=True)
    parts.append("</svg>")
    return "\n".join(parts)
