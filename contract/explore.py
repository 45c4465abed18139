"""A toolbox for exploring the contract interactively: the notebooks' helpers, tested here.

Deterministic examples from the strategies, the exact request a case makes, events and
violations as pandas tables, plots of a run, and a highlighted tree of the shape drift
between two baselines::

    from contract import explore

    cases = explore.draw_cases(schema, references=refs, seed=0)
    explore.cases_frame(cases)                      # mutation, target, reason, expected, payload
    frame = explore.events_frame(contract.run(config))
    explore.plot_status_codes(frame)                # a matplotlib Figure on an Agg canvas
    explore.drift_tree(old_baseline, new_baseline)  # renders as HTML in a notebook

pandas and matplotlib belong to the ``notebooks`` extra: they are imported only by the
functions that need them, which raise :class:`~contract.errors.ConfigurationError` naming
the extra when they are missing. Everything else here has no optional dependency.
"""

from __future__ import annotations

import base64
import html
import importlib
import math
import os
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from contract.baseline import Baseline, load_baseline
from contract.errors import ConfigurationError, ContractViolation
from contract.events import CaseFinished, Event
from contract.shapes import Difference, Shape, compare, member_path, summarize
from strategies import Case, invalid_payloads, mutation_targets, valid_payloads

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DriftLine",
    "DriftMark",
    "DriftTree",
    "case_kind",
    "cases_frame",
    "draw_cases",
    "draw_examples",
    "drift_tree",
    "events_frame",
    "exchange_record",
    "exchanges_frame",
    "format_statuses",
    "payload_excerpt",
    "phase_summary",
    "plot_latency",
    "plot_status_codes",
    "request_for",
    "status_counts",
    "violations_frame",
]

T = TypeVar("T")
References = Mapping[str, Sequence[str]]
BaselineSource = Baseline | str | os.PathLike[str]

REDACTED: Final = "[REDACTED]"
_EXTRA_HINT: Final = "install the notebooks extra: pip install 'close-contract[notebooks]'"
_SUCCESS: Final = frozenset(range(200, 300))


def _frame(
    pandas: ModuleType, rows: list[dict[str, Any]], columns: Sequence[str], optional: Iterable[str]
) -> pd.DataFrame:
    """A frame of ``rows``; ``optional`` text columns keep None (not NaN) where unset."""
    data = {
        name: pandas.Series([row[name] for row in rows], dtype=object if name in optional else None)
        for name in columns
    }
    return pandas.DataFrame(data, columns=list(columns))


def _optional(module: str, needed_by: str) -> ModuleType:
    """Import an optional dependency, or say which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".", 1)[0]
        raise ConfigurationError(
            f"{needed_by} needs {package}, which is not installed: {_EXTRA_HINT}"
        ) from None


# --- deterministic examples ---------------------------------------------------------------


def draw_examples(strategy: st.SearchStrategy[T], count: int, *, seed: int = 0) -> list[T]:
    """Up to ``count`` values drawn from ``strategy``, the same ones for the same ``seed``.

    Runs a seeded Hypothesis ``@given`` (generation only: no database, no shrinking, no
    health checks), so unlike ``strategy.example()`` it is reproducible and warns about
    nothing. Fewer than ``count`` come back when the strategy has fewer distinct values,
    none when it filters out every draw.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    drawn: list[T] = []
    if count == 0:
        return drawn

    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(seed)
    @given(strategy)
    def collect(value: T) -> None:
        drawn.append(value)

    try:
        collect()
    except Unsatisfiable:
        pass  # every draw was filtered out: nothing (more) to show
    return drawn[:count]


def draw_cases(
    request_schema: Mapping[str, Any],
    *,
    references: References | None = None,
    valid: int = 3,
    per_mutation: int = 1,
    seed: int = 0,
) -> list[Case]:
    """``valid`` valid cases, then ``per_mutation`` cases per applicable (mutation, target).

    The pairs come in :func:`strategies.mutation_targets` order and every draw uses
    ``seed``, so the same schema, references and seed give the same cases. ``references``
    is what :func:`strategies.valid_payloads` needs (lead, user, contact and referenced
    instance ids); a missing one raises :class:`strategies.MissingReferenceError`.
    """
    cases = draw_examples(valid_payloads(request_schema, references=references), valid, seed=seed)
    for mutation, target in mutation_targets(request_schema):
        strategy = invalid_payloads(
            request_schema, references=references, mutation=mutation, target=target
        )
        cases.extend(draw_examples(strategy, per_mutation, seed=seed))
    return cases


# --- cases and requests ---------------------------------------------------------------------


def format_statuses(statuses: Iterable[int]) -> str:
    """Statuses as a short text: the full 2xx range reads ``2xx``; ``"2xx / 400"``."""
    codes = set(statuses)
    parts: list[str] = []
    if _SUCCESS <= codes:
        parts.append("2xx")
        codes -= _SUCCESS
    parts.extend(str(code) for code in sorted(codes))
    return " / ".join(parts)


_ONE_LINE: Final = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def payload_excerpt(case: Case, width: int = 80) -> str:
    """The start of the exact request body a case sends, on one line, at most ``width`` chars.

    Line breaks and tabs read as ``\\n``, ``\\r`` and ``\\t``; bytes that are not UTF-8
    as U+FFFD.
    """
    text = case.request_body().decode("utf-8", errors="replace")
    return _shorten(text.translate(_ONE_LINE), width)


def _case_kind(case: Case) -> str:
    if case.mutation is None:
        return "valid"
    return "invalid" if case.send_credentials else "auth"


def cases_frame(cases: Iterable[Case], *, width: int = 80) -> pd.DataFrame:
    """One row per case: kind, mutation, target, reason, expected statuses, payload excerpt.

    ``kind`` is ``valid``, ``invalid`` or ``auth`` (a case that brings its own credentials
    or none); ``mutation`` and ``target`` are None where they do not apply.
    """
    pandas = _optional("pandas", "cases_frame")
    rows = [
        {
            "kind": _case_kind(case),
            "mutation": case.mutation,
            "target": case.target,
            "reason": case.reason,
            "expected": format_statuses(case.expected_statuses),
            "payload": payload_excerpt(case, width),
        }
        for case in cases
    ]
    columns = ["kind", "mutation", "target", "reason", "expected", "payload"]
    return _frame(pandas, rows, columns, optional=("mutation", "target"))


def _authorization(scheme: Literal["basic", "bearer"], api_key: str) -> str:
    if scheme == "bearer":
        return f"Bearer {api_key}"
    return "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")


def request_for(
    case: Case,
    base_url: str,
    api_key: str | None,
    *,
    auth_scheme: Literal["basic", "bearer"] = "basic",
) -> httpx.Request:
    """The ``POST custom_object/`` request a case makes, as a contract run sends it.

    ``base_url`` is the API root (``.../api/v1``). The body is the case's exact bytes,
    labelled with its content type (none when it has none); credentials for ``api_key``
    are added unless the case brings its own or none (auth cases), and the case's own
    headers come last. Send it with ``httpx.Client().send(request)``.
    """
    headers: dict[str, str] = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.send_credentials and api_key is not None:
        headers["Authorization"] = _authorization(auth_scheme, api_key)
    for name, value in case.headers:
        for existing in [h for h in headers if h.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    url = base_url.rstrip("/") + "/custom_object/"
    return httpx.Request("POST", url, headers=headers, content=case.request_body())


def _redactor(secrets: Iterable[str]) -> list[str]:
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue  # an empty "secret" would match everywhere
        basic = base64.b64encode(f"{secret}:".encode()).decode("ascii")
        forms |= {secret, quote(secret, safe=""), basic, basic.rstrip("=")}
    return sorted(forms, key=len, reverse=True)


def _redact(text: str, forms: list[str]) -> str:
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


def exchange_record(
    response: httpx.Response, *, secrets: Iterable[str] = (), width: int = 120
) -> dict[str, Any]:
    """One request and its response as a flat, redacted dict (a table row).

    Keys: ``request`` (method and path), ``content_type`` and ``authorization`` as sent,
    ``request_body``, ``status``, ``response_type``, ``response_body`` (bodies shortened to
    ``width`` chars) and ``elapsed_ms``. Every form of each secret (as is, URL-encoded,
    inside a Basic credential) reads ``[REDACTED]``.
    """
    forms = _redactor(secrets)
    request = response.request

    def clean(value: str | None, limit: int | None = None) -> str | None:
        if value is None:
            return None
        text = _redact(" ".join(value.split()), forms)
        return text if limit is None else _shorten(text, limit)

    body = request.content.decode("utf-8", errors="replace") if request.content else None
    try:
        elapsed: float | None = round(response.elapsed.total_seconds() * 1000, 1)
    except RuntimeError:  # httpx times a response when its stream closes; a mock's never does
        elapsed = None
    return {
        "request": clean(f"{request.method} {request.url.raw_path.decode('ascii')}"),
        "content_type": clean(request.headers.get("content-type")),
        "authorization": clean(request.headers.get("authorization")),
        "request_body": clean(body, width),
        "status": response.status_code,
        "response_type": clean(response.headers.get("content-type")),
        "response_body": clean(response.content.decode("utf-8", errors="replace"), width),
        "elapsed_ms": elapsed,
    }


def exchanges_frame(
    responses: Iterable[httpx.Response], *, secrets: Iterable[str] = (), width: int = 120
) -> pd.DataFrame:
    """:func:`exchange_record` of each response, as a table."""
    pandas = _optional("pandas", "exchanges_frame")
    kept = list(secrets)
    rows = [exchange_record(r, secrets=kept, width=width) for r in responses]
    columns = [
        "request",
        "content_type",
        "authorization",
        "request_body",
        "status",
        "response_type",
        "response_body",
        "elapsed_ms",
    ]
    return _frame(pandas, rows, columns, optional=("content_type", "authorization", "request_body"))


# --- runs -----------------------------------------------------------------------------------


def case_kind(event: CaseFinished) -> str:
    """The kind of case an event reports: its phase, and ``:mutation`` for invalid cases.

    ``"valid"``, ``"invalid:body_array"``, ``"probes"``: the rows of a status plot.
    """
    mutation = (event.case or {}).get("mutation")
    return f"{event.phase}:{mutation}" if mutation else event.phase


_EVENT_COLUMNS: Final = [
    "phase",
    "kind",
    "label",
    "type_id",
    "mutation",
    "target",
    "requests",
    "statuses",
    "elapsed",
    "violations",
    "checks",
    "passed",
]


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """One row per finished case (other events are skipped), in run order.

    Columns: ``phase``, ``kind`` (:func:`case_kind`), ``label``, ``type_id``,
    ``mutation``, ``target``, ``requests``, ``statuses`` (a tuple, one per request),
    ``elapsed`` (seconds), ``violations`` (count), ``checks`` (the checks that failed,
    comma-separated) and ``passed``. Accepts the live iterator of :func:`contract.run`.
    """
    pandas = _optional("pandas", "events_frame")
    rows = []
    for event in events:
        if not isinstance(event, CaseFinished):
            continue
        case = event.case or {}
        rows.append(
            {
                "phase": event.phase,
                "kind": case_kind(event),
                "label": event.label,
                "type_id": event.type_id,
                "mutation": case.get("mutation"),
                "target": case.get("target"),
                "requests": event.requests,
                "statuses": tuple(event.statuses),
                "elapsed": event.elapsed,
                "violations": len(event.violations),
                "checks": ", ".join(sorted({v.check for v in event.violations})),
                "passed": event.passed,
            }
        )
    optional = ("type_id", "mutation", "target", "statuses")
    return _frame(pandas, rows, _EVENT_COLUMNS, optional=optional)


def phase_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Totals per phase of an :func:`events_frame`, phases in run order.

    Columns: ``cases``, ``requests``, ``failed`` (cases with a violation), ``violations``,
    ``seconds`` (the case durations added up), and the median and 95th-percentile case
    duration (``median_ms``, ``p95_ms``).
    """
    pandas = _optional("pandas", "phase_summary")
    rows = []
    for phase, group in frame.groupby("phase", sort=False):
        millis = sorted(float(v) * 1000 for v in group["elapsed"])
        rows.append(
            {
                "phase": phase,
                "cases": len(group),
                "requests": int(group["requests"].sum()),
                "failed": int((~group["passed"].astype(bool)).sum()),
                "violations": int(group["violations"].sum()),
                "seconds": round(sum(millis) / 1000, 3),
                "median_ms": round(statistics.median(millis), 2) if millis else None,
                "p95_ms": round(_percentile(millis, 0.95), 2) if millis else None,
            }
        )
    columns = ["phase", "cases", "requests", "failed", "violations", "seconds"]
    return pandas.DataFrame(rows, columns=[*columns, "median_ms", "p95_ms"]).set_index("phase")


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


def status_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Responses per case kind (rows, in run order) and status code (columns, ascending)."""
    pandas = _optional("pandas", "status_counts")
    seen = Counter(
        (str(kind), int(status))
        for kind, statuses in zip(frame["kind"], frame["statuses"], strict=True)
        for status in statuses
    )
    kinds = list(dict.fromkeys(kind for kind, _ in seen))
    codes = sorted({status for _, status in seen})
    rows = [[seen[(kind, code)] for code in codes] for kind in kinds]
    return pandas.DataFrame(
        rows,
        index=pandas.Index(kinds, name="kind"),
        columns=pandas.Index(codes, name="status"),
        dtype="int64",
    )


def _render_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict) and "type" in value:
        return summarize(value)
    if isinstance(value, list | tuple) and all(isinstance(v, int) for v in value):
        return format_statuses(value)
    return str(value)


def violations_frame(violations: Iterable[ContractViolation]) -> pd.DataFrame:
    """One row per violation: check, severity, title, message, reproduction, path, old, new.

    ``path``, ``old`` and ``new`` are filled for regressions (shapes read as
    ``string[datetime+offset]``, status lists as ``201``) and None otherwise.
    """
    pandas = _optional("pandas", "violations_frame")
    rows = [
        {
            "check": v.check,
            "severity": v.severity,
            "title": v.title,
            "message": v.message,
            "reproduction": v.reproduction,
            "path": getattr(v, "path", None),
            "old": _render_value(getattr(v, "old", None)),
            "new": _render_value(getattr(v, "new", None)),
        }
        for v in violations
    ]
    columns = ["check", "severity", "title", "message", "reproduction", "path", "old", "new"]
    return _frame(pandas, rows, columns, optional=("path", "old", "new"))


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


def plot_status_codes(frame: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Horizontal stacked bars: responses per case kind, one colour per status code.

    ``frame`` is an :func:`events_frame`; draws on ``ax`` when given, else on a new
    figure. Returns the figure (display it, or ``figure.savefig("statuses.png")``).
    """
    counts = status_counts(frame)
    height = max(3.0, 0.28 * len(counts.index) + 1.5)
    figure, axes = _canvas(ax, (9.0, height), "plot_status_codes")
    kinds = [str(kind) for kind in counts.index]
    left = [0] * len(kinds)
    for status in counts.columns:
        values = [int(v) for v in counts[status]]
        axes.barh(kinds, values, left=left, color=_status_color(int(status)), label=str(status))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.invert_yaxis()  # run order from the top
    axes.set_xlabel("responses")
    axes.set_title("Status codes per case kind")
    if len(counts.columns):
        axes.legend(title="status", loc="lower right")
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
        axes.legend(title="phase")
    axes.set_xlabel("case duration (ms)")
    axes.set_ylabel("cases")
    axes.set_title("Latency per case")
    return figure


# --- shape drift ----------------------------------------------------------------------------

DriftMark = Literal["unchanged", "changed", "removed", "added", "only-old", "only-new"]
"""How a line of a drift tree differs: ``removed``/``added``/``changed`` are regressions;
``only-old``/``only-new`` are operations or case kinds one baseline never met (not a
regression by itself: a status change shows under ``statuses``)."""

_SYMBOLS: Final[dict[str, str]] = {
    "unchanged": " ",
    "changed": "~",
    "removed": "-",
    "added": "+",
    "only-old": "<",
    "only-new": ">",
}
_STYLES: Final[dict[str, str]] = {
    "unchanged": "color:#555",
    "changed": "color:#b35900;font-weight:bold",
    "removed": "color:#c62828;font-weight:bold",
    "added": "color:#2e7d32;font-weight:bold",
    "only-old": "color:#888;font-style:italic",
    "only-new": "color:#888;font-style:italic",
}
_LEGEND: Final = "~ changed   - removed   + added   < only in old   > only in new"


@dataclass(frozen=True, slots=True)
class DriftLine:
    """One node of a drift tree: a section, an operation, a case kind or a shape key.

    ``old`` and ``new`` are short readings (``string[id:user_]``, ``201``), None on the
    side where the node is absent; ``changes`` names each regression found at this node
    (``"type_change (breaking)"``).
    """

    depth: int
    label: str
    mark: DriftMark
    old: str | None = None
    new: str | None = None
    changes: tuple[str, ...] = ()

    @property
    def reading(self) -> str:
        """What the node is: ``old → new`` when it changed, else the side it exists on."""
        if self.mark == "changed" and self.old != self.new:
            return f"{self.old} → {self.new}"
        if self.mark in ("added", "only-new"):
            return self.new or ""
        return self.old if self.old is not None else self.new or ""

    def parts(self) -> tuple[str, str, str]:
        """The text in three parts: change symbol and indentation, label, the rest."""
        rest = f"  {self.reading}" if self.reading else ""
        if self.changes:
            rest += f"  ({'; '.join(self.changes)})"
        elif self.mark in ("only-old", "only-new"):
            rest += f"  ({self.mark.replace('-', ' in ')})"
        return f"{_SYMBOLS[self.mark]} {'  ' * self.depth}", self.label, rest

    def text(self) -> str:
        """The line as plain text: a change symbol, indentation, label, reading, changes."""
        return "".join(self.parts())


@dataclass(frozen=True, slots=True, repr=False)
class DriftTree:
    """The statuses and response shapes of two baselines as one tree, differences marked.

    ``str(tree)`` is the plain text (symbols: ``~`` changed, ``-`` removed, ``+`` added,
    ``<``/``>`` only in the old/new baseline); in a notebook the tree renders as HTML
    with the same marks coloured.
    """

    lines: tuple[DriftLine, ...]

    @property
    def changes(self) -> int:
        """The number of regressions marked (equals ``len(compare_baselines(old, new))``)."""
        return sum(len(line.changes) for line in self.lines)

    def text(self) -> str:
        """The tree as plain text, a legend first."""
        return "\n".join([_LEGEND, *(line.text() for line in self.lines)])

    def html(self) -> str:
        """The tree as an HTML ``<pre>`` block with inline styles (no stylesheet needed)."""
        body = [f'<span style="color:#888">{html.escape(_LEGEND)}</span>']
        for line in self.lines:
            style = "font-weight:bold" if line.depth == 0 else _STYLES[line.mark]
            # Only the key itself is struck through; its reading and note stay legible.
            label_style = style + (
                ";text-decoration:line-through" if line.mark == "removed" else ""
            )
            prefix, label, rest = (html.escape(part) for part in line.parts())
            body.append(
                f'<span style="{style}">{prefix}</span><span style="{label_style}">{label}</span>'
                f'<span style="{style}">{rest}</span>'
            )
        return '<pre class="close-contract-drift">' + "\n".join(body) + "</pre>"

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        return f"<DriftTree: {self.changes} regressions marked in {len(self.lines)} lines>"

    def __str__(self) -> str:
        return self.text()


_PHRASES: Final[dict[str, str]] = {
    "removed_key": "removed",
    "added_key": "added",
    "type_change": "type changed",
    "format_change": "format changed",
    "nullability_change": "became nullable",
    "became_optional": "became optional",
    "became_required": "became required",
}


def _below(path: str, ancestor: str) -> bool:
    return len(path) > len(ancestor) and path.startswith(ancestor) and path[len(ancestor)] in ".["


def _children(
    old: Shape | None, new: Shape | None
) -> list[tuple[str, str, Shape | None, Shape | None]]:
    """(label, path suffix or key, old child, new child) for the members of a shape."""
    found: list[tuple[str, str, Shape | None, Shape | None]] = []
    old_keys: dict[str, Shape] = (old or {}).get("keys", {})
    new_keys: dict[str, Shape] = (new or {}).get("keys", {})
    for name in sorted(old_keys.keys() | new_keys.keys()):
        found.append((name, name, old_keys.get(name), new_keys.get(name)))
    old_items, new_items = (old or {}).get("items"), (new or {}).get("items")
    if old_items is not None or new_items is not None:
        found.append(("[*]", "[*]", old_items, new_items))
    return found


@dataclass(slots=True)
class _Walk:
    differences: dict[str, list[Difference]]
    show_unchanged: bool
    out: list[DriftLine]

    def shape(
        self, label: str, path: str, depth: int, old: Shape | None, new: Shape | None
    ) -> None:
        here = self.differences.get(path, [])
        below = any(_below(p, path) for p in self.differences)
        kinds = {d.kind for d in here}
        mark: DriftMark = (
            "removed"
            if "removed_key" in kinds
            else "added"
            if "added_key" in kinds
            else "changed"
            if here
            else "unchanged"
        )
        changes = tuple(f"{_PHRASES[d.kind]}, {d.severity}" for d in here)
        line = DriftLine(
            depth,
            label,
            mark,
            None if old is None else summarize(old),
            None if new is None else summarize(new),
            changes,
        )
        if mark != "unchanged" or below or self.show_unchanged:
            self.out.append(line)
        # Unchanged subtrees stay folded; removed and added ones are one line each.
        if not below or mark in ("removed", "added"):
            return
        for name, step, old_child, new_child in _children(old, new):
            child = f"{path}[*]" if step == "[*]" else member_path(path, step)
            self.shape(name, child, depth + 1, old_child, new_child)


def drift_tree(
    old: BaselineSource, new: BaselineSource, *, show_unchanged: bool = True
) -> DriftTree:
    """The drift from ``old`` to ``new`` (baselines, baseline files or cassette directories).

    Two sections: ``statuses`` (per case kind) and ``operations`` (the response shape per
    operation and status). Regressions are marked where
    :func:`contract.baseline.compare_baselines` finds them; unchanged subtrees are folded
    into one line, or left out with ``show_unchanged=False``.
    """
    before = old if isinstance(old, Baseline) else load_baseline(old)
    after = new if isinstance(new, Baseline) else load_baseline(new)
    lines: list[DriftLine] = []

    status_lines: list[DriftLine] = []
    for kind in sorted(before.statuses.keys() | after.statuses.keys()):
        was, now = before.statuses.get(kind), after.statuses.get(kind)
        was_text = None if was is None else format_statuses(was)
        now_text = None if now is None else format_statuses(now)
        if was is None or now is None:
            mark: DriftMark = "only-new" if was is None else "only-old"
            status_lines.append(DriftLine(1, kind, mark, was_text, now_text))
        elif sorted(set(was)) != sorted(set(now)):
            change = ("status changed, breaking",)
            status_lines.append(DriftLine(1, kind, "changed", was_text, now_text, change))
        elif show_unchanged:
            status_lines.append(DriftLine(1, kind, "unchanged", was_text, now_text))
    lines.append(DriftLine(0, "statuses", "unchanged"))
    lines.extend(status_lines)

    lines.append(DriftLine(0, "operations", "unchanged"))
    for operation in sorted(before.operations.keys() | after.operations.keys()):
        was_shape, now_shape = before.operations.get(operation), after.operations.get(operation)
        if was_shape is None or now_shape is None:
            mark = "only-new" if was_shape is None else "only-old"
            shape = now_shape if was_shape is None else was_shape
            assert shape is not None
            reading = summarize(shape)
            lines.append(
                DriftLine(
                    1,
                    operation,
                    mark,
                    None if was_shape is None else reading,
                    None if now_shape is None else reading,
                )
            )
            continue
        differences: dict[str, list[Difference]] = {}
        for difference in compare(was_shape, now_shape):
            differences.setdefault(difference.path, []).append(difference)
        _Walk(differences, show_unchanged, lines).shape(operation, "$", 1, was_shape, now_shape)
    return DriftTree(tuple(lines))
