"""Runs as tables: events, phases, statuses and violations."""

from __future__ import annotations

import json
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
    "violating",
    "checks",
    "passed",
]


def _violating_statuses(event: CaseFinished) -> tuple[int, ...]:
    """The status of each answer of the case that broke the contract, each answer once.

    A violation carries the answer it was found on; two checks may flag the same answer,
    so answers are told apart by their content (request and response, timing included).
    Violations without an answer (a regression found when the run's baseline is compared)
    mark none. Since an answer is known only by its content, a status is never marked on
    more answers than the case received with it.
    """
    answers: dict[str, int] = {}
    for violation in event.violations:
        status = (violation.response or {}).get("status")
        if not isinstance(status, int):
            continue
        identity = json.dumps([violation.request, violation.response], sort_keys=True, default=str)
        answers.setdefault(identity, status)
    received = Counter(event.statuses)
    flagged = Counter(answers.values())
    return tuple(
        status for status in sorted(flagged) for _ in range(min(flagged[status], received[status]))
    )


def events_frame(events: Iterable[Event]) -> pd.DataFrame:
    """One row per finished case (other events are skipped), in run order.

    Columns: ``phase``, ``kind`` (:func:`case_kind`), ``label``, ``type_id``,
    ``mutation``, ``target``, ``requests``, ``statuses`` (a tuple, one per request),
    ``elapsed`` (seconds), ``violations`` (count), ``violating`` (the status of each
    answer a violation was found on, ascending: ``(201,)`` for an invalid payload that was
    accepted), ``checks`` (the checks that failed, comma-separated) and ``passed``.
    Accepts the live iterator of :func:`contract.run`.
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
                "violating": _violating_statuses(event),
                "checks": ", ".join(sorted({v.check for v in event.violations})),
                "passed": event.passed,
            }
        )
    optional = ("type_id", "mutation", "target", "statuses", "violating")
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


def status_counts(frame: pd.DataFrame, *, violating: bool = False) -> pd.DataFrame:
    """Responses per case kind (rows, in run order) and status code (columns, ascending).

    With ``violating=True`` only the answers that broke the contract are counted (the
    ``violating`` column of an :func:`events_frame`), in the same rows and columns as
    all answers, so the two tables line up cell by cell.
    """
    pandas = _optional("pandas", "status_counts")
    seen = _tally(frame["kind"], frame["statuses"])
    kinds = list(dict.fromkeys(kind for kind, _ in seen))
    codes = sorted({status for _, status in seen})
    if violating:
        # A frame built before the column existed has no violating answers to count.
        marked = frame["violating"] if "violating" in frame.columns else [()] * len(frame)
        seen = _tally(frame["kind"], marked)
    rows = [[seen[(kind, code)] for code in codes] for kind in kinds]
    return pandas.DataFrame(
        rows,
        index=pandas.Index(kinds, name="kind"),
        columns=pandas.Index(codes, name="status"),
        dtype="int64",
    )


def _tally(kinds: Iterable[Any], statuses: Iterable[Any]) -> Counter[tuple[str, int]]:
    """How many answers of each status each case kind received."""
    return Counter(
        (str(kind), int(status))
        for kind, answered in zip(kinds, statuses, strict=True)
        for status in answered or ()
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
