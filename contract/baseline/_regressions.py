"""Baseline comparison: differences in statuses, field definitions and shapes as
``Regression`` violations, and their rendering for ``close-contract diff``."""

from __future__ import annotations

import json
import os
from typing import Any

from contract.baseline._baseline import Baseline, load_baseline, operation_type
from contract.baseline._names import DeclaredField
from contract.baseline._recorder import BaselineRecorder
from contract.baseline._shapes import (
    Difference,
    Shape,
    ShapeSeverity,
    compare,
    member_path,
    summarize,
)
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


# A change of a field's definition, with its severity. A field that became required is
# breaking (unlike a response key that became required): creates that leave it out are
# now rejected. One that became optional is breaking as for a response key: instances may
# now lack it.
_FIELD_CHANGES: dict[str, tuple[str, ShapeSeverity]] = {
    "removed_key": ("field removed", "breaking"),
    "added_key": ("field added", "additive"),
    "type_change": ("field type changed", "breaking"),
    "became_required": ("field became required", "breaking"),
    "became_optional": ("field became optional", "breaking"),
}


def _declared_type(field: DeclaredField) -> str:
    return f"{field['type']} (multiple)" if field["multiple"] else str(field["type"])


def _field_regression(
    type_key: str, key: str, kind: str, old: str | None, new: str | None
) -> Regression:
    phrase, severity = _FIELD_CHANGES[kind]
    path = member_path("$", key)
    was, now = _render(kind, old), _render(kind, new)
    return Regression(
        check="shape_regression",
        title=f"type {type_key}: {phrase} at {path}",
        message=(
            f"type {type_key} {path}: the baseline's field definitions have {was}, this run's "
            f"have {now} ({was} → {now}). If the change is intended, {_RERECORD}."
        ),
        severity=severity,
        path=path,
        old=old,
        new=new,
        kind=kind,
    )


def _field_regressions(
    old: dict[str, dict[str, DeclaredField]], new: dict[str, dict[str, DeclaredField]]
) -> list[Regression]:
    found: list[Regression] = []
    # A type in one side only is ignored, as an operation is: a run may select its types.
    for type_key in sorted(old.keys() & new.keys()):
        before, after = old[type_key], new[type_key]
        for key in sorted(before.keys() | after.keys()):
            if key not in after:
                found.append(
                    _field_regression(
                        type_key, key, "removed_key", _declared_type(before[key]), None
                    )
                )
                continue
            if key not in before:
                found.append(
                    _field_regression(type_key, key, "added_key", None, _declared_type(after[key]))
                )
                continue
            was, now = _declared_type(before[key]), _declared_type(after[key])
            if was != now:
                found.append(_field_regression(type_key, key, "type_change", was, now))
            if before[key]["required"] != after[key]["required"]:
                kind = "became_required" if after[key]["required"] else "became_optional"
                flags = (
                    ("optional", "required") if after[key]["required"] else ("required", "optional")
                )
                found.append(_field_regression(type_key, key, kind, *flags))
    return found


def _shape_regressions(
    old: Baseline, operation: str, was: Shape, now: Shape, *, partial: bool
) -> list[Regression]:
    # A custom key the baseline's definitions already declare is not new when it shows up:
    # its field was there, the baseline's cases just never sent it a value.
    declared = old.types.get(operation_type(operation) or "", {})
    known = {member_path(parent, key) for key in declared for parent in ("$", "$.data[*]")}
    return [
        _shape_regression(operation, d)
        for d in compare(was, now, partial=partial)
        if not (d.kind == "added_key" and d.path in known)
    ]


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
    """Status changes per case kind, field definition changes per type, then shape
    differences per operation in both.

    An operation missing from ``new`` is not a regression by itself (a status change
    shows up in ``statuses``); neither is a case kind or a type missing from ``new``.
    """
    found = _status_regressions(old.statuses, new.statuses, partial=False)
    found.extend(_field_regressions(old.types, new.types))
    for operation in sorted(old.operations.keys() & new.operations.keys()):
        was, now = old.operations[operation], new.operations[operation]
        found.extend(_shape_regressions(old, operation, was, now, partial=False))
    return found


def compare_run(baseline: Baseline, recorder: BaselineRecorder) -> list[Regression]:
    """Compare what a run observed so far with ``baseline``.

    The run is a subset of observations: operations it has not reached, optional keys it
    has not seen, statuses it has not met yet and keys that merely happened to be present
    every time are not regressions; anything it saw that the baseline never did is.
    """
    found = _status_regressions(baseline.statuses, recorder.statuses, partial=True)
    found.extend(_field_regressions(baseline.types, recorder.types))
    observed = recorder.operations
    for operation in sorted(baseline.operations.keys() & observed.keys()):
        was, now = baseline.operations[operation], observed[operation]
        found.extend(_shape_regressions(baseline, operation, was, now, partial=True))
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
