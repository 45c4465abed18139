"""Baseline comparison: every difference in statuses, field definitions, shapes, media
types, documented headers and echoes of sent values, as a ``Regression`` classified by a
named rule with a level (see ``RULES``), and their rendering for ``close-contract diff``."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Final

from contract.baseline._baseline import Baseline, load_baseline, operation_type
from contract.baseline._echoes import ECHOES
from contract.baseline._lengths import shorter_lengths
from contract.baseline._names import DeclaredField
from contract.baseline._recorder import BaselineRecorder
from contract.baseline._rules import (
    LEVELS,
    RULES,
    Findings,
    Override,
    apply_overrides,
    severity_of,
)
from contract.baseline._shapes import (
    Difference,
    Shape,
    ShapeScope,
    compare,
    member_path,
    presence_change,
    summarize,
)
from contract.errors import Level, Regression

__all__ = ["compare_baselines", "compare_run", "diff_paths", "format_differences"]

_RERECORD = "record a new one with `close-contract baseline --out FILE`"
_IMPACT: Final[dict[Level, str]] = {
    "ERR": "Clients written against the baseline break.",
    "WARN": "Clients written against the baseline may break.",
    "INFO": "Existing clients are unaffected.",
}
# The words of each rule in a finding's title.
_PHRASES: Final[dict[str, str]] = {
    "response-body-type-changed": "body type changed",
    "response-property-removed": "key removed",
    "response-optional-property-removed": "optional key removed",
    "response-property-added": "key added",
    "response-property-type-changed": "type changed",
    "response-number-became-non-integer": "integer became a number with a fraction",
    "response-property-format-changed": "format changed",
    "response-property-became-nullable": "became nullable",
    "response-property-became-optional": "key became optional",
    "response-property-became-required": "key became required",
    "response-enum-value-added": "value set widened",
    "response-media-type-changed": "media type changed",
    "response-header-removed": "header removed",
    "response-optional-header-removed": "optional header removed",
    "response-header-became-optional": "header became optional",
    "response-header-added": "header added",
    "response-header-form-changed": "header form changed",
    "response-header-field-added": "header field added",
    "operation-added": "operation only the new side reached",
    "case-kind-added": "case kind only the new side ran",
    "type-added": "type only the new side tested",
    "field-removed": "field removed",
    "field-added": "field added",
    "required-field-added": "required field added",
    "field-type-changed": "field type changed",
    "field-became-required": "field became required",
    "field-became-optional": "field became optional",
    "field-choice-added": "choice added",
    "field-choice-removed": "choice removed",
    "response-sent-value-stringified": "sent value comes back as a string",
    "response-sent-value-integer-valued": "sent value comes back integer-valued",
    "response-sent-value-cut": "sent value comes back cut",
    "response-sent-value-dropped": "sent value is dropped",
    "response-sent-value-changed": "sent value comes back changed",
    "response-sent-value-kept": "sent value comes back as sent",
    "max-accepted-length-decreased": "longest accepted text shorter",
}
# Which rule a shape difference falls under, in a body and in a documented header.
_BODY_RULES: Final[dict[str, str]] = {
    "removed_key": "response-property-removed",
    "optional_key_removed": "response-optional-property-removed",
    "added_key": "response-property-added",
    "type_change": "response-property-type-changed",
    "became_non_integer": "response-number-became-non-integer",
    "format_change": "response-property-format-changed",
    "nullability_change": "response-property-became-nullable",
    "became_optional": "response-property-became-optional",
    "became_required": "response-property-became-required",
    "value_added": "response-enum-value-added",
}
_HEADER_RULES: Final[dict[str, str | None]] = {
    "removed_key": "response-header-form-changed",
    "optional_key_removed": "response-header-form-changed",
    "added_key": "response-header-field-added",
    "type_change": "response-header-form-changed",
    "became_non_integer": "response-number-became-non-integer",
    "format_change": "response-header-form-changed",
    "nullability_change": "response-header-form-changed",
    "became_optional": "response-header-form-changed",
    "became_required": None,  # a field now always there: nothing a reader notices
    "value_added": "response-enum-value-added",
}


def _render(kind: str, value: Any) -> str:
    if value is None:
        return "no format" if kind == "format_change" else "absent"
    if isinstance(value, dict):
        return summarize(value)
    if isinstance(value, list):
        if kind.startswith("status"):
            return ", ".join(map(str, value))
        if kind in ("value_added", "value_removed"):
            return "{" + ", ".join(map(str, value)) + "}"
        return " | ".join(map(str, value))
    return str(value)


def _finding(
    rule: str,
    *,
    check: str,
    where: str,
    path: str,
    old: Any,
    new: Any,
    kind: str,
    said: str | None = None,
) -> Regression:
    """A finding of ``rule`` at ``path`` of ``where`` (an operation, a case kind, a type)."""
    level = RULES[rule].level
    was, now = _render(kind, old), _render(kind, new)
    title = said or f"{where}: {_PHRASES[rule]} at {path}"
    return Regression(
        check=check,
        title=title,
        message=(
            f"{level} {rule}: {where} {path}: the baseline saw {was}, this run saw {now} "
            f"({was} → {now}). {_IMPACT[level]} If the change is intended, {_RERECORD}."
        ),
        severity=severity_of(level),
        path=path,
        old=old,
        new=new,
        kind=kind,
        rule=rule,
        level=level,
    )


# --- statuses ------------------------------------------------------------------------------


def _success(codes: set[int]) -> bool:
    return any(200 <= code < 300 for code in codes)


def _status_findings(
    old: Mapping[str, list[int]], new: Mapping[str, list[int]], *, partial: bool
) -> list[Regression]:
    found: list[Regression] = []
    for kind in sorted(old.keys() & new.keys()):
        before, after = set(old[kind]), set(new[kind])
        added, removed = after - before, before - after
        was, now = sorted(before), sorted(after)
        title = f"{kind}: status {_render('status', was)} → {_render('status', now)}"
        if added and not after & before:
            rule = (
                "response-success-status-changed" if _success(before) else "response-status-changed"
            )
            found.append(_status(rule, kind, was, now, "status_change", title))
            continue
        if added:
            found.append(_status("response-status-added", kind, was, now, "status_added", title))
        # A run is a subset of observations: a status it has not met yet is no removal.
        if removed and not partial:
            rule = (
                "response-success-status-removed"
                if _success(removed)
                else "response-status-removed"
            )
            found.append(_status(rule, kind, was, now, "status_removed", title))
    return found


def _status(
    rule: str, kind: str, was: list[int], now: list[int], what: str, title: str
) -> Regression:
    return _finding(
        rule,
        check="status_regression",
        where=kind,
        path=kind,
        old=was,
        new=now,
        kind=what,
        said=title,
    )


# --- field definitions ---------------------------------------------------------------------


def _declared_type(field: DeclaredField) -> str:
    return f"{field['type']} (multiple)" if field["multiple"] else str(field["type"])


def _field(rule: str, type_key: str, key: str, old: Any, new: Any, kind: str) -> Regression:
    return _finding(
        rule,
        check="shape_regression",
        where=f"type {type_key}",
        path=member_path("$", key),
        old=old,
        new=new,
        kind=kind,
    )


def _field_findings(
    old: Mapping[str, Mapping[str, DeclaredField]], new: Mapping[str, Mapping[str, DeclaredField]]
) -> list[Regression]:
    found: list[Regression] = []
    for type_key in sorted(old.keys() & new.keys()):
        before, after = old[type_key], new[type_key]
        for key in sorted(before.keys() | after.keys()):
            if key not in after:
                was = _declared_type(before[key])
                found.append(_field("field-removed", type_key, key, was, None, "removed_key"))
                continue
            if key not in before:
                rule = "required-field-added" if after[key]["required"] else "field-added"
                found.append(
                    _field(rule, type_key, key, None, _declared_type(after[key]), "added_key")
                )
                continue
            was, now = _declared_type(before[key]), _declared_type(after[key])
            if was != now:
                found.append(_field("field-type-changed", type_key, key, was, now, "type_change"))
            if before[key]["required"] != after[key]["required"]:
                if after[key]["required"]:
                    rule, kind, flags = (
                        "field-became-required",
                        "became_required",
                        ("optional", "required"),
                    )
                else:
                    rule, kind, flags = (
                        "field-became-optional",
                        "became_optional",
                        ("required", "optional"),
                    )
                found.append(_field(rule, type_key, key, *flags, kind))
            choices_before = set(before[key].get("choices", ()))
            choices_after = set(after[key].get("choices", ()))
            if was == now and choices_after - choices_before:
                found.append(
                    _field(
                        "field-choice-added",
                        type_key,
                        key,
                        sorted(choices_before),
                        sorted(choices_after - choices_before),
                        "value_added",
                    )
                )
            if was == now and choices_before - choices_after:
                found.append(
                    _field(
                        "field-choice-removed",
                        type_key,
                        key,
                        sorted(choices_before - choices_after),
                        None,
                        "value_removed",
                    )
                )
    for type_key in sorted(new.keys() - old.keys()):
        found.append(
            _finding(
                "type-added",
                check="shape_regression",
                where=f"type {type_key}",
                path="$",
                old=None,
                new=f"{len(new[type_key])} fields",
                kind="type_added",
            )
        )
    return found


def _length_findings(old: Baseline, new: Baseline) -> list[Regression]:
    """A name or text key whose longest accepted length (the length ladder's) is shorter."""
    return [
        _finding(
            "max-accepted-length-decreased",
            check="shape_regression",
            where=f"type {type_key}",
            path=member_path("$", key),
            old=was,
            new=now,
            kind="length_decreased",
        )
        for type_key, key, was, now in shorter_lengths(old.lengths, new.lengths)
    ]


# --- one operation -------------------------------------------------------------------------


def _scope(old: Baseline, new: Baseline, operation: str, *, partial: bool) -> ShapeScope:
    type_key = operation_type(operation) or ""
    declared = {**new.types.get(type_key, {}), **old.types.get(type_key, {})}
    parents = ("$", "$.data[*]")
    data = frozenset(member_path(parent, key) for key in declared for parent in parents)
    choices: dict[str, frozenset[str]] = {}
    for key, field in old.types.get(type_key, {}).items():
        if field["type"] == "choices" and "choices" in field:
            allowed = frozenset(field["choices"])
            for parent in parents:
                where = member_path(parent, key)
                choices[where] = choices[f"{where}[*]"] = allowed
    return ShapeScope(partial, data, choices)


def _shape_findings(
    operation: str, differences: list[Difference], rules: Mapping[str, str | None]
) -> list[Regression]:
    found: list[Regression] = []
    integers = {d.path for d in differences if d.kind == "became_non_integer"}
    for difference in differences:
        rule = rules[difference.kind]
        if rule is None or (difference.kind == "value_added" and difference.path in integers):
            continue  # a number that took a fraction: its new value says nothing more
        if rule == "response-property-type-changed" and difference.path == "$":
            rule = "response-body-type-changed"
        found.append(
            _finding(
                rule,
                check="shape_regression",
                where=operation,
                path=difference.path,
                old=difference.old,
                new=difference.new,
                kind=difference.kind,
            )
        )
    return found


def _count(shape: Shape | None) -> int | None:
    count = None if shape is None else shape.get("count")
    return count if isinstance(count, int) else None


# How a documented header's presence changed, by the presence change of a key.
_HEADER_PRESENCE: Final[dict[str, tuple[str, Any, Any]]] = {
    "removed_key": ("response-header-removed", "present", None),
    "optional_key_removed": ("response-optional-header-removed", "sometimes", None),
    "added_key": ("response-header-added", None, "present"),
    "became_optional": ("response-header-became-optional", "required", "optional"),
}


def _header_findings(
    operation: str,
    old: Mapping[str, Shape],
    new: Mapping[str, Shape],
    answers: tuple[int | None, int | None],
    *,
    partial: bool,
) -> list[Regression]:
    found: list[Regression] = []
    for name in sorted(old.keys() | new.keys()):
        was, now = old.get(name), new.get(name)
        always = tuple(
            shape is not None and (_count(shape) is None or n is None or _count(shape) == n)
            for shape, n in ((was, answers[0]), (now, answers[1]))
        )
        kind = presence_change(was, now, answers, (always[0], always[1]), partial=partial)
        if kind in _HEADER_PRESENCE:
            rule, before, after = _HEADER_PRESENCE[kind]
            found.append(
                _finding(
                    rule,
                    check="shape_regression",
                    where=operation,
                    path=name,
                    old=before,
                    new=after,
                    kind=kind,
                )
            )
        if was is not None and now is not None:
            differences = compare(was, now, name, partial=partial)
            found.extend(_shape_findings(operation, differences, _HEADER_RULES))
    return found


def _echo_findings(
    operation: str, old: Mapping[str, Mapping[str, int]], new: Mapping[str, Mapping[str, int]]
) -> list[Regression]:
    found: list[Regression] = []
    for key in sorted(old.keys() & new.keys()):
        before = {outcome for outcome, n in old[key].items() if n}
        after = {outcome for outcome, n in new[key].items() if n}
        for outcome in ECHOES:
            if outcome in after - before:
                rule = (
                    "response-sent-value-kept"
                    if outcome == "same"
                    else f"response-sent-value-{outcome}"
                )
                found.append(
                    _finding(
                        rule,
                        check="echo_regression",
                        where=operation,
                        path=member_path("$", key),
                        old=sorted(before, key=ECHOES.index),
                        new=sorted(after, key=ECHOES.index),
                        kind="echo_change",
                    )
                )
    return found


def _operation_findings(
    old: Baseline, new: Baseline, operation: str, *, partial: bool
) -> list[Regression]:
    was, now = old.operations[operation], new.operations[operation]
    scope = _scope(old, new, operation, partial=partial)
    found = _shape_findings(operation, compare(was, now, scope=scope), _BODY_RULES)
    media_old, media_new = old.media_types.get(operation, {}), new.media_types.get(operation, {})
    if media_old and set(media_new) - set(media_old):
        found.append(
            _finding(
                "response-media-type-changed",
                check="shape_regression",
                where=operation,
                path="Content-Type",
                old=sorted(media_old),
                new=sorted(media_new),
                kind="media_type_change",
            )
        )
    found.extend(
        _header_findings(
            operation,
            old.headers.get(operation, {}),
            new.headers.get(operation, {}),
            (_count(was), _count(now)),
            partial=partial,
        )
    )
    found.extend(
        _echo_findings(operation, old.echoes.get(operation, {}), new.echoes.get(operation, {}))
    )
    return found


# --- whole baselines -----------------------------------------------------------------------


def _compare(
    old: Baseline,
    new: Baseline,
    *,
    partial: bool,
    fail_on: Level,
    overrides: Mapping[str, Override] | None,
) -> Findings:
    found = _status_findings(old.statuses, new.statuses, partial=partial)
    # Within a family of case kinds (the name up to its last ":"), which kinds run may
    # depend on the draws (the stateful phase draws its invalid updates): a kind is new
    # only when its whole family is.
    families = {_family(kind) for kind in old.statuses}
    for kind in sorted(new.statuses.keys() - old.statuses.keys()):
        if _family(kind) in families:
            continue
        got = _render("status", sorted(new.statuses[kind]))
        found.append(
            _finding(
                "case-kind-added",
                check="status_regression",
                where=kind,
                path=kind,
                old=None,
                new=sorted(new.statuses[kind]),
                kind="status_added",
                said=f"{kind}: only the new side ran it ({got})",
            )
        )
    found.extend(_field_findings(old.types, new.types))
    found.extend(_length_findings(old, new))
    for operation in sorted(old.operations.keys() & new.operations.keys()):
        found.extend(_operation_findings(old, new, operation, partial=partial))
    for operation in sorted(new.operations.keys() - old.operations.keys()):
        found.append(
            _finding(
                "operation-added",
                check="shape_regression",
                where=operation,
                path="$",
                old=None,
                new=new.operations[operation],
                kind="operation_added",
                said=f"{operation}: only the new side reached it",
            )
        )
    not_compared = [
        *(f"case kind {k}" for k in sorted(old.statuses.keys() - new.statuses.keys())),
        *(f"type {t}" for t in sorted(old.types.keys() - new.types.keys())),
        *(f"operation {o}" for o in sorted(old.operations.keys() - new.operations.keys())),
    ]
    return Findings(apply_overrides(found, overrides), fail_on=fail_on, not_compared=not_compared)


def _family(kind: str) -> str:
    return kind.rpartition(":")[0] or kind


def compare_baselines(
    old: Baseline,
    new: Baseline,
    *,
    fail_on: Level = "ERR",
    overrides: Mapping[str, Override] | None = None,
) -> Findings:
    """Every difference from ``old`` to ``new``, each a ``Regression`` with its rule and
    level: statuses per case kind, field definitions per type, then per operation its
    shape, media types, documented headers and echoes of sent values.

    What only ``new`` reached (an operation, a case kind, a type) is reported at INFO;
    what only ``old`` reached is listed in ``Findings.not_compared``, never a finding.
    ``overrides`` sets a rule's level (or ``off``); ``fail_on`` is the gate the result's
    truth value applies (see :class:`Findings`).
    """
    return _compare(old, new, partial=False, fail_on=fail_on, overrides=overrides)


def compare_run(
    baseline: Baseline,
    recorder: BaselineRecorder,
    *,
    fail_on: Level = "ERR",
    overrides: Mapping[str, Override] | None = None,
) -> Findings:
    """Compare what a run observed so far with ``baseline`` (see :func:`compare_baselines`).

    The run is a subset of observations: operations it has not reached, optional keys it
    has not seen, statuses it has not met yet and keys that merely happened to be present
    every time are not regressions, and a presence is judged only on enough answers;
    anything it saw that the baseline never did is.
    """
    observed = recorder.observed(baseline.target)
    return _compare(baseline, observed, partial=True, fail_on=fail_on, overrides=overrides)


def diff_paths(
    old: str | os.PathLike[str],
    new: str | os.PathLike[str],
    *,
    fail_on: Level = "ERR",
    overrides: Mapping[str, Override] | None = None,
) -> Findings:
    """``compare_baselines`` of two baseline files or cassette directories."""
    return compare_baselines(
        load_baseline(old), load_baseline(new), fail_on=fail_on, overrides=overrides
    )


# --- rendering -----------------------------------------------------------------------------


def _ordered(regressions: list[Regression]) -> list[Regression]:
    rank = {level: n for n, level in enumerate(LEVELS[::-1])}
    rules = list(RULES)
    return sorted(
        regressions,
        key=lambda r: (
            rank.get(r.level, 0),
            rules.index(r.rule) if r.rule in rules else len(rules),
        ),
    )


def _entry(regression: Regression) -> dict[str, Any]:
    return {
        "rule": regression.rule,
        "level": regression.level,
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
    """Render findings for ``close-contract diff``: grouped by rule, or a JSON list.

    Text: one group per rule, the most serious level first, each with its count and one
    line per finding; then a count per level, how many fail the gate, and what was not
    compared (for a :class:`Findings`). JSON: one entry per finding with its ``rule`` and
    ``level``.
    """
    ordered = _ordered(list(regressions))
    if as_json:
        return json.dumps(
            [_entry(r) for r in ordered], indent=2, sort_keys=True, ensure_ascii=False
        )
    not_compared = regressions.not_compared if isinstance(regressions, Findings) else ()
    lines: list[str] = []
    if not ordered:
        lines.append("No differences: the baselines agree.")
    groups: dict[tuple[str, str], list[Regression]] = {}
    for regression in ordered:
        groups.setdefault((regression.level, regression.rule), []).append(regression)
    for (level, rule), members in groups.items():
        lines.append(f"{level:<4}  {rule} ({len(members)})")
        width = max(len(r.title) for r in members)
        for r in members:
            change = f"{_render(r.kind, r.old)} → {_render(r.kind, r.new)}"
            lines.append(f"      {r.title.ljust(width)}  {change}")
    if ordered:
        findings = regressions if isinstance(regressions, Findings) else Findings(ordered)
        tally = ", ".join(f"{n} {level}" for level, n in findings.counts().items())
        noun = "difference" if len(ordered) == 1 else "differences"
        failing = len(findings.failing)
        lines.append(
            f"{len(ordered)} {noun}: {tally}; {failing} at {findings.fail_on} or above "
            f"{'fail' if failing != 1 else 'fails'} the gate"
        )
    if not_compared:
        lines.append(f"Not compared (only the old side reached them): {'; '.join(not_compared)}")
    return "\n".join(lines)
