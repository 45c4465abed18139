"""Plots of a run on an Agg canvas."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
from contract.explore._common import _optional
from contract.explore._runs import status_counts

# --- plots ----------------------------------------------------------------------------------

# Successes in greens, each client error its own colour, server errors red.
_STATUS_COLORS: Final = {
    200: "#2ca02c",
    201: "#74c476",
    204: "#a1d99b",
    400: "#ff7f0e",
    401: "#9467bd",
    404: "#8c564b",
    415: "#e377c2",
    422: "#bcbd22",
    429: "#7f7f7f",
}
_CLASS_COLORS: Final = {2: "#31a354", 3: "#1f77b4", 4: "#fdae6b", 5: "#d62728"}


def _status_color(status: int) -> str:
    return _STATUS_COLORS.get(status, _CLASS_COLORS.get(status // 100, "#17becf"))


def _canvas(ax: Axes | None, size: tuple[float, float], needed_by: str) -> tuple[Figure, Axes]:
    """The figure and axes to draw on: ``ax``'s, or a new figure on an Agg canvas.

    A new figure never touches pyplot's global state, so it needs no display and no
    backend choice, and is safe to build in a test or a worker thread.
    """
    figure_module = _optional("matplotlib.figure", needed_by)
    if ax is not None:
        root: Any = ax.get_figure()
        # A subfigure's parent may be a subfigure too; the caller wants the whole figure.
        while root is not None and not isinstance(root, figure_module.Figure):
            root = root.get_figure()
        if root is None:
            raise ValueError("ax belongs to no figure: pass axes made by a Figure")
        return root, ax
    agg = _optional("matplotlib.backends.backend_agg", needed_by)
    figure: Figure = figure_module.Figure(figsize=size, layout="constrained")
    agg.FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


# Legends stand outside the plot, beside its top right corner: inside, one covers the bars,
# counts or median label that happen to lie under it. A figure made here has constrained
# layout, which makes room for it.
_OUTSIDE: Final[dict[str, Any]] = {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0)}

# Violating answers: hatched over their status's colour, so the status stays readable.
_VIOLATION_COLOR: Final = "#b00020"
_VIOLATION_LABEL: Final = "violates the contract"


def plot_status_codes(frame: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Horizontal stacked bars: responses per case kind, one colour per status code.

    The answers a violation was found on (the ``violating`` column) are hatched in red
    within their status's segment, and the kinds that have any are labelled in red, so a
    201 for an invalid payload stands out among the expected ones. ``frame`` is an
    :func:`events_frame`; draws on ``ax`` when given, else on a new figure. Returns the
    figure (display it, or ``figure.savefig("statuses.png")``).
    """
    counts = status_counts(frame)
    marked = status_counts(frame, violating=True)
    height = max(3.0, 0.28 * len(counts.index) + 1.5)
    figure, axes = _canvas(ax, (9.0, height), "plot_status_codes")
    kinds = [str(kind) for kind in counts.index]
    # Numeric rows, not category names: the hatched overlay draws only on some rows.
    rows = list(range(len(kinds)))
    left = [0] * len(kinds)
    handles: list[Any] = []
    violating: Any = None
    for status in counts.columns:
        values = [int(v) for v in counts[status]]
        bars = axes.barh(rows, values, left=left, color=_status_color(int(status)))
        bars.set_label(str(status))
        handles.append(bars)
        flagged = [(row, int(marked.loc[kind, status])) for row, kind in enumerate(counts.index)]
        flagged = [(row, width) for row, width in flagged if width]
        if flagged:
            violating = axes.barh(
                [row for row, _ in flagged],
                [width for _, width in flagged],
                left=[left[row] for row, _ in flagged],
                color="none",
                edgecolor=_VIOLATION_COLOR,
                hatch="////",
                linewidth=1.2,
            )
            for patch in violating:
                patch.set_gid("violating")
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(rows, labels=kinds)
    for row, (label, kind) in enumerate(zip(axes.get_yticklabels(), counts.index, strict=True)):
        count = int(marked.loc[kind].sum())
        if not count:
            continue
        # A few violating answers among many are a sliver of the bar: say how many too.
        label.set_color(_VIOLATION_COLOR)
        label.set_fontweight("bold")
        axes.annotate(
            f"{count} violating",
            xy=(left[row], row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=_VIOLATION_COLOR,
        )
    axes.invert_yaxis()  # run order from the top
    axes.set_xlabel("responses")
    axes.set_title("Status codes per case kind")
    if violating is not None:
        # Room for a count beside the longest bar; autoscaling does not see the text.
        axes.set_xlim(0, max(left) * 1.15)
        total = int(marked.to_numpy().sum())
        violating.set_label(f"{_VIOLATION_LABEL} ({total})")
        handles.append(violating)
    if handles:
        axes.legend(handles=handles, title="status", **_OUTSIDE)
    return figure


def plot_latency(
    frame: pd.DataFrame,
    *,
    ax: Axes | None = None,
    bins: int = 30,
    log_scale: bool | None = None,
) -> Figure:
    """A histogram of case durations in ms, stacked by phase, with the median marked.

    A case's duration is the ``elapsed`` its event reports; it covers all the case's
    requests (a valid lifecycle makes several). ``log_scale`` spaces the bins
    logarithmically; by default it does so when the slowest case took 100 times as long
    as the fastest, so that quick invalid cases and slow lifecycles both stay readable.
    """
    figure, axes = _canvas(ax, (9.0, 4.0), "plot_latency")
    phases = list(dict.fromkeys(str(p) for p in frame["phase"]))
    series = [
        [float(v) * 1000 for v in frame.loc[frame["phase"] == phase, "elapsed"]] for phase in phases
    ]
    values = [v for per_phase in series for v in per_phase]
    if values:
        low, high = max(min(values), 1e-3), max(max(values), 1e-3)
        if log_scale is None:
            log_scale = high / low >= 100
        edges: int | list[float] = bins
        if log_scale and high > low:
            spaced = [low * (high / low) ** (i / bins) for i in range(1, bins)]
            edges = [low, *spaced, high]  # exact ends: rounding must not drop the extremes
            axes.set_xscale("log")
        axes.hist(series, bins=edges, stacked=True, label=phases)
        median = statistics.median(values)
        axes.axvline(median, color="black", linestyle="--", linewidth=1)
        axes.annotate(
            f"median {median:.1f} ms",
            xy=(median, 1),
            xycoords=("data", "axes fraction"),
            xytext=(4, -12),
            textcoords="offset points",
        )
        axes.legend(title="phase", **_OUTSIDE)
    axes.set_xlabel("case duration (ms)")
    axes.set_ylabel("cases")
    axes.set_title("Latency per case")
    return figure
