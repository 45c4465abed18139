"""Baseline comparison: differences in statuses and shapes as ``Regression`` violations,
and their rendering for ``close-contract diff``."""

from __future__ import annotations

import json
import os
from typing import Any

from contract.baseline._baseline import Baseline, BaselineRecorder, load_baseline
from contract.baseline._shapes import Difference, compare, summarize
from contract.errors import Regression

__all__ = ["compare_baselines", "compare_run", "diff_paths", "format_differences"]

_RERECORD = "record a new one with `close-contract baseline --out FILE`"
_PHRASES = {
    "removed_key": "key removed",
    "added_key": "key added",
    "type_change": "type changed",
    "format_change": "format changed",
    "nullability_change": "became nullable",
    "became_optional": "key became optional",
    "became_required": "key became required",
}


def _render(kind: str, value: Any) -> str:
    if value is None:
        return "no format" if kind == "format_change" else "absent"
    if isinstance(value, dict):
        return summarize(value)
    if isinstance(value, list):
        return (", " if kind == "status_change" else " | ").join(map(str, value))
    return str(value)


def _shape_regression(operation: str, difference: Difference) -> Regression:
    phrase = _PHRASES[difference.kind]
    old = _render(difference.kind, difference.old)
    new = _render(difference.kind, difference.new)
    impact = (
        "Clients written against the baseline may break."
        if difference.severity == "breaking"
        else "Existing clients are unaffected."
    )
    return Regression(
        check="shape_regression",
        title=f"{operation}: {phrase} at {difference.path}",
        message=(
            f"{operation} {difference.path}: the baseline saw {old}, this run saw {new} "
            f"({old} → {new}). {impact} If the change is intended, {_RERECORD}."
        ),
        severity=difference.severity,
        path=difference.path,
        old=difference.old,
        new=difference.new,
        kind=difference.kind,
    )


def _status_regressions(
    old: dict[str, list[int]], new: dict[str, list[int]], *, partial: bool
) -> list[Regression]:
    found: list[Regression] = []
    # A case kind only in the old baseline is ignored: this run may have drawn fewer cases.
    for kind in sorted(old.keys() & new.keys()):
        before, after = sorted(set(old[kind])), sorted(set(new[kind]))
        changed = bool(set(after) - set(before)) if partial else before != after
        if not changed:
            continue
        was, now = _render("status_change", before), _render("status_change", after)
        found.append(
            Regression(
                check="status_regression",
                title=f"{kind}: status {was} → {now}",
                message=(
                    f"Cases of kind {kind} got {now}; the baseline pinned {was}. "
                    f"If the change is intended, {_RERECORD}."
                ),
                severity="breaking",
                path=kind,
                old=before,
                new=after,
                kind="status_change",
            )
        )
    return found


def compare_baselines(old: Baseline, new: Baseline) -> list[Regression]:
    """Status changes per case kind, then shape differences per operation in both.

    An operation missing from ``new`` is not a regression by itself (a status change
    shows up in ``statuses``); neither is a case kind missing from ``new``.
    """
    found = _status_regressions(old.statuses, new.statuses, partial=False)
    for operation in sorted(old.operations.keys() & new.operations.keys()):
        differences = compare(old.operations[operation], new.operations[operation])
        found.extend(_shape_regression(operation, d) for d in differences)
    return found


def compare_run(baseline: Baseline, recorder: BaselineRecorder) -> list[Regression]:
    """Compare what a run observed so far with ``baseline``.

    The run is a subset of observations: operations it has not reached, optional keys it
    has not seen, statuses it has not met yet and keys that merely happened to be present
    every time are not regressions; anything it saw that the baseline never did is.
    """
    found = _status_regressions(baseline.statuses, recorder.statuses, partial=True)
    observed = recorder.operations
    for operation in sorted(baseline.operations.keys() & observed.keys()):
        differences = compare(baseline.operations[operation], observed[operation], partial=True)
        found.extend(_shape_regression(operation, d) for d in differences)
    return found


def _regression_entry(regression: Regression) -> dict[str, Any]:
    return {
        "check": regression.check,
        "severity": regression.severity,
        "title": regression.title,
        "message": regression.message,
        "path": regression.path,
        "old": regression.old,
        "new": regression.new,
        "kind": regression.kind,
    }


def format_differences(regressions: list[Regression], *, as_json: bool = False) -> str:
    """Render regressions for ``close-contract diff``: a text table or a JSON list.

    Breaking rows come first; the table ends with a count per severity.
    """
    ordered = sorted(regressions, key=lambda r: r.severity != "breaking")
    if as_json:
        entries = [_regression_entry(r) for r in ordered]
        return json.dumps(entries, indent=2, sort_keys=True, ensure_ascii=False)
    if not ordered:
        return "No differences: the baselines agree."
    rows = [("SEVERITY", "CHECK", "WHERE", "OLD → NEW")] + [
        (r.severity, r.check, r.title, f"{_render(r.kind, r.old)} → {_render(r.kind, r.new)}")
        for r in ordered
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        for row in rows
    ]
    counts: dict[str, int] = {}
    for r in ordered:
        counts[r.severity] = counts.get(r.severity, 0) + 1
    noun = "difference" if len(ordered) == 1 else "differences"
    tally = ", ".join(f"{n} {severity}" for severity, n in counts.items())
    lines.append(f"{len(ordered)} {noun}: {tally}")
    return "\n".join(lines)


def diff_paths(old: str | os.PathLike[str], new: str | os.PathLike[str]) -> list[Regression]:
    """``compare_baselines`` of two baseline files or cassette directories."""
    return compare_baselines(load_baseline(old), load_baseline(new))
