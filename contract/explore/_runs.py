"""Runs as tables: events, phases, statuses and violations."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

from contract.baseline import summarize
from contract.errors import ContractViolation
from contract.events import CaseFinished, Event

if TYPE_CHECKING:
    # pandas ships no type information; its frames are Any to the type checker.
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]
from contract.explore._common import _frame, _optional
from contract.explore._requests import format_statuses

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
