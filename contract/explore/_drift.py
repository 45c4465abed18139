"""The drift between two baselines as a highlighted tree, each change with its level."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from contract.baseline import (
    Baseline,
    Findings,
    Shape,
    compare_baselines,
    load_baseline,
    member_path,
    summarize,
)
from contract.errors import Regression
from contract.explore._common import BaselineSource
from contract.explore._requests import format_statuses

# --- shape drift ----------------------------------------------------------------------------

DriftMark = Literal["unchanged", "changed", "removed", "added", "only-old", "only-new"]
"""How a line of a drift tree differs: ``removed``/``added``/``changed`` carry findings;
``only-old``/``only-new`` are operations, case kinds or types one baseline never met
(only the new side's are findings, at INFO: the old side's were not compared)."""

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
_LEVEL_STYLES: Final[dict[str, str]] = {
    "ERR": "color:#fff;background:#c62828",
    "WARN": "color:#000;background:#f9a825",
    "INFO": "color:#fff;background:#1565c0",
}
_LEGEND: Final = "~ changed   - removed   + added   < only in old   > only in new   [level rule]"

# Each rule's words on a line of the tree (the rule's level and name follow them).
_PHRASES: Final[dict[str, str]] = {
    "response-body-type-changed": "type changed",
    "response-property-removed": "removed",
    "response-optional-property-removed": "optional removed",
    "response-property-added": "added",
    "response-property-type-changed": "type changed",
    "response-number-became-non-integer": "became non-integer",
    "response-property-format-changed": "format changed",
    "response-property-became-nullable": "became nullable",
    "response-property-became-optional": "became optional",
    "response-property-became-required": "became required",
    "response-enum-value-added": "value set widened",
    "response-media-type-changed": "media type changed",
    "response-header-removed": "removed",
    "response-optional-header-removed": "optional removed",
    "response-header-became-optional": "became optional",
    "response-header-added": "added",
    "response-header-form-changed": "form changed",
    "response-header-field-added": "field added",
    "response-success-status-changed": "status changed",
    "response-status-changed": "status changed",
    "response-status-added": "status added",
    "response-success-status-removed": "status removed",
    "response-status-removed": "status removed",
    "operation-added": "only in new",
    "case-kind-added": "only in new",
    "type-added": "only in new",
    "field-removed": "removed",
    "field-added": "added",
    "required-field-added": "added",
    "field-type-changed": "type changed",
    "field-became-required": "became required",
    "field-became-optional": "became optional",
    "field-choice-added": "choice added",
    "field-choice-removed": "choice removed",
    "max-accepted-length-decreased": "longest accepted text shorter",
}
_REMOVALS: Final = frozenset(
    {
        "response-property-removed",
        "response-optional-property-removed",
        "response-header-removed",
        "response-optional-header-removed",
        "field-removed",
    }
)
_ADDITIONS: Final = frozenset(
    {"response-property-added", "response-header-added", "field-added", "required-field-added"}
)


def _phrase(regression: Regression) -> str:
    words = _PHRASES.get(regression.rule)
    if words is None:  # how a sent value came back
        words = regression.rule.removeprefix("response-sent-value-").replace("-", " ")
    return f"{words}, {regression.severity}"


@dataclass(frozen=True, slots=True)
class DriftLine:
    """One node of a drift tree: a section, an operation, a case kind, a type, a shape key,
    a media type, a documented header or a sent key.

    ``old`` and ``new`` are short readings (``string[id:user_]``, ``201``), None on the
    side where the node is absent; ``changes`` names each finding at this node
    (``"type changed, breaking"``) and ``levels`` its level and rule, in the same order
    (``"ERR response-property-type-changed"``).
    """

    depth: int
    label: str
    mark: DriftMark
    old: str | None = None
    new: str | None = None
    changes: tuple[str, ...] = ()
    levels: tuple[str, ...] = field(default=())

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
        if self.levels:
            rest += f" [{'; '.join(self.levels)}]"
        return f"{_SYMBOLS[self.mark]} {'  ' * self.depth}", self.label, rest

    def text(self) -> str:
        """The line as plain text: a change symbol, indentation, label, reading, changes."""
        return "".join(self.parts())

    @property
    def level(self) -> str | None:
        """The most serious level among this line's findings (None: it has none)."""
        found = {entry.split(" ", 1)[0] for entry in self.levels}
        return next((level for level in ("ERR", "WARN", "INFO") if level in found), None)


@dataclass(frozen=True, slots=True, repr=False)
class DriftTree:
    """The statuses, field definitions and answers of two baselines as one tree, each
    finding marked with its level and rule.

    ``str(tree)`` is the plain text (symbols: ``~`` changed, ``-`` removed, ``+`` added,
    ``<``/``>`` only in the old/new baseline, ``[ERR rule]`` the level); in a notebook the
    tree renders as HTML with the same marks coloured and the levels as badges.
    """

    lines: tuple[DriftLine, ...]

    @property
    def changes(self) -> int:
        """The number of findings marked (equals ``len(compare_baselines(old, new))``)."""
        return sum(len(line.changes) for line in self.lines)

    def levels(self) -> dict[str, int]:
        """How many findings each level holds, ``ERR`` first (levels with none left out)."""
        counts = {"ERR": 0, "WARN": 0, "INFO": 0}
        for line in self.lines:
            for entry in line.levels:
                counts[entry.split(" ", 1)[0]] += 1
        return {level: n for level, n in counts.items() if n}

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
            prefix, label, rest = line.parts()
            if line.levels:
                rest = rest.rsplit(" [", 1)[0]
            badges = "".join(
                f' <span style="{_LEVEL_STYLES[entry.split(" ", 1)[0]]};padding:0 3px">'
                f"{html.escape(entry)}</span>"
                for entry in line.levels
            )
            body.append(
                f'<span style="{style}">{html.escape(prefix)}</span>'
                f'<span style="{label_style}">{html.escape(label)}</span>'
                f'<span style="{style}">{html.escape(rest)}</span>{badges}'
            )
        return '<pre class="close-contract-drift">' + "\n".join(body) + "</pre>"

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:
        levels = ", ".join(f"{n} {level}" for level, n in self.levels().items())
        return f"<DriftTree: {self.changes} regressions marked in {len(self.lines)} lines" + (
            f" ({levels})>" if levels else ">"
        )

    def __str__(self) -> str:
        return self.text()


def _line(
    depth: int,
    label: str,
    old: str | None,
    new: str | None,
    found: Iterable[Regression],
    *,
    default: DriftMark = "unchanged",
) -> DriftLine:
    here = list(found)
    rules = {r.rule for r in here}
    mark: DriftMark = default
    if here and default == "unchanged":
        mark = "removed" if rules & _REMOVALS else "added" if rules & _ADDITIONS else "changed"
    return DriftLine(
        depth,
        label,
        mark,
        old,
        new,
        tuple(_phrase(r) for r in here),
        tuple(f"{r.level} {r.rule}" for r in here),
    )


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
    findings: dict[str, list[Regression]]
    show_unchanged: bool
    out: list[DriftLine]

    def shape(
        self, label: str, path: str, depth: int, old: Shape | None, new: Shape | None
    ) -> None:
        here = self.findings.pop(path, [])
        below = any(_below(p, path) for p in self.findings)
        line = _line(
            depth,
            label,
            None if old is None else summarize(old),
            None if new is None else summarize(new),
            here,
        )
        if line.mark != "unchanged" or below or self.show_unchanged:
            self.out.append(line)
        # Unchanged subtrees stay folded; removed and added ones are one line each.
        if not below or line.mark in ("removed", "added"):
            return
        for name, step, old_child, new_child in _children(old, new):
            child = f"{path}[*]" if step == "[*]" else member_path(path, step)
            self.shape(name, child, depth + 1, old_child, new_child)


def _where(regression: Regression, places: Iterable[str]) -> str | None:
    """The operation, case kind or type (``type X``) a finding's title names, if any."""
    best: str | None = None
    for place in places:
        if regression.title.startswith(f"{place}: ") and (best is None or len(place) > len(best)):
            best = place
    return best


def _placed(
    findings: Findings, places: Iterable[str]
) -> tuple[dict[str, list[Regression]], list[Regression]]:
    chosen = list(places)
    by_place: dict[str, list[Regression]] = {}
    unplaced: list[Regression] = []
    for regression in findings:
        place = _where(regression, chosen)
        if place is None:
            unplaced.append(regression)
        else:
            by_place.setdefault(place, []).append(regression)
    return by_place, unplaced


def _statuses(
    before: Baseline, after: Baseline, found: Mapping[str, list[Regression]], show: bool
) -> list[DriftLine]:
    lines: list[DriftLine] = []
    for kind in sorted(before.statuses.keys() | after.statuses.keys()):
        was, now = before.statuses.get(kind), after.statuses.get(kind)
        was_text = None if was is None else format_statuses(was)
        now_text = None if now is None else format_statuses(now)
        here = found.get(kind, [])
        if was is None or now is None:
            mark: DriftMark = "only-new" if was is None else "only-old"
            lines.append(_line(1, kind, was_text, now_text, here, default=mark))
        elif here:
            lines.append(_line(1, kind, was_text, now_text, here, default="changed"))
        elif show:
            lines.append(_line(1, kind, was_text, now_text, ()))
    return lines


def _types(
    before: Baseline, after: Baseline, found: Mapping[str, list[Regression]], show: bool
) -> list[DriftLine]:
    lines: list[DriftLine] = []
    for type_key in sorted(before.types.keys() | after.types.keys()):
        here = found.get(f"type {type_key}", [])
        was, now = before.types.get(type_key), after.types.get(type_key)
        if was is None or now is None:
            mark: DriftMark = "only-new" if was is None else "only-old"
            count = f"{len(was or now or {})} fields"
            lines.append(
                _line(
                    1,
                    type_key,
                    None if was is None else count,
                    None if now is None else count,
                    here,
                    default=mark,
                )
            )
            continue
        if not here and not show:
            continue
        lines.append(_line(1, type_key, None, None, ()))
        by_path: dict[str, list[Regression]] = {}
        for regression in here:
            by_path.setdefault(regression.path, []).append(regression)
        for key in sorted(was.keys() | now.keys()):
            path = member_path("$", key)
            changes = by_path.pop(path, [])
            if changes or show:
                old_field, new_field = was.get(key), now.get(key)
                lines.append(
                    _line(
                        2,
                        key,
                        None if old_field is None else str(old_field["type"]),
                        None if new_field is None else str(new_field["type"]),
                        changes,
                    )
                )
        # What is at no field's key (the name, whose longest accepted length the
        # ladder records) keeps a line of its own, so every finding is marked once.
        for path, changes in sorted(by_path.items()):
            was_text, now_text = (str(changes[0].old), str(changes[0].new))
            lines.append(_line(2, path.removeprefix("$."), was_text, now_text, changes))
    return lines


def _extras(
    operation: str,
    before: Baseline,
    after: Baseline,
    findings: dict[str, list[Regression]],
    echoes: list[Regression],
    show: bool,
) -> list[DriftLine]:
    """An operation's media types, documented headers and sent keys, as lines."""
    lines: list[DriftLine] = []
    media_old, media_new = before.media_types.get(operation), after.media_types.get(operation)
    here = findings.pop("Content-Type", [])
    if here or (show and (media_old or media_new)):
        lines.append(
            _line(
                2,
                "Content-Type",
                ", ".join(sorted(media_old or {})) or None,
                ", ".join(sorted(media_new or {})) or None,
                here,
            )
        )
    headers_old, headers_new = before.headers.get(operation, {}), after.headers.get(operation, {})
    for name in sorted(headers_old.keys() | headers_new.keys()):
        here = [
            r
            for path in [p for p in findings if p == name or _below(p, name)]
            for r in findings.pop(path)
        ]
        was, now = headers_old.get(name), headers_new.get(name)
        if here or show:
            lines.append(
                _line(
                    2,
                    f"header {name}",
                    None if was is None else summarize(was),
                    None if now is None else summarize(now),
                    here,
                )
            )
    sent_old, sent_new = before.echoes.get(operation, {}), after.echoes.get(operation, {})
    by_path: dict[str, list[Regression]] = {}
    for regression in echoes:
        by_path.setdefault(regression.path, []).append(regression)
    for key in sorted(sent_old.keys() | sent_new.keys()):
        here = by_path.pop(member_path("$", key), [])
        if here or show:
            was_echo, now_echo = sent_old.get(key), sent_new.get(key)
            lines.append(
                _line(
                    2,
                    f"sent {key}",
                    None if was_echo is None else ", ".join(sorted(was_echo)),
                    None if now_echo is None else ", ".join(sorted(now_echo)),
                    here,
                )
            )
    return lines


def drift_tree(
    old: BaselineSource, new: BaselineSource, *, show_unchanged: bool = True
) -> DriftTree:
    """The drift from ``old`` to ``new`` (baselines, baseline files or cassette directories).

    Sections: ``statuses`` (per case kind), ``types`` (field definitions, when either
    side has any) and ``operations`` (per operation and status: the response shape, then
    its media types, documented headers and sent keys). Every finding of
    :func:`contract.baseline.compare_baselines` is marked where it was found, with its
    level and rule; unchanged subtrees are folded into one line, or left out with
    ``show_unchanged=False``.
    """
    before = old if isinstance(old, Baseline) else load_baseline(old)
    after = new if isinstance(new, Baseline) else load_baseline(new)
    findings = compare_baselines(before, after)
    places = [
        *before.operations.keys() | after.operations.keys(),
        *(f"type {t}" for t in before.types.keys() | after.types.keys()),
        *before.statuses.keys() | after.statuses.keys(),
    ]
    by_place, unplaced = _placed(findings, places)
    lines: list[DriftLine] = [DriftLine(0, "statuses", "unchanged")]
    lines.extend(_statuses(before, after, by_place, show_unchanged))
    type_lines = _types(before, after, by_place, show_unchanged)
    if type_lines:
        lines.append(DriftLine(0, "types", "unchanged"))
        lines.extend(type_lines)
    lines.append(DriftLine(0, "operations", "unchanged"))
    for operation in sorted(before.operations.keys() | after.operations.keys()):
        was, now = before.operations.get(operation), after.operations.get(operation)
        here = by_place.get(operation, [])
        if was is None or now is None:
            mark: DriftMark = "only-new" if was is None else "only-old"
            shape = now if was is None else was
            assert shape is not None
            reading = summarize(shape)
            lines.append(
                _line(
                    1,
                    operation,
                    None if was is None else reading,
                    None if now is None else reading,
                    here,
                    default=mark,
                )
            )
            continue
        echoes = [r for r in here if r.check == "echo_regression"]
        at_paths: dict[str, list[Regression]] = {}
        for regression in here:
            if regression.check != "echo_regression":
                at_paths.setdefault(regression.path, []).append(regression)
        body = {path: found for path, found in at_paths.items() if path.startswith("$")}
        rest = {path: found for path, found in at_paths.items() if not path.startswith("$")}
        # Media types, headers and sent keys show where they changed: an unchanged
        # operation stays one folded line.
        extras = _extras(operation, before, after, rest, echoes, show=False)
        start, root = len(lines), body.get("$", [])
        walk = _Walk(body, show_unchanged or bool(extras), lines)
        walk.shape(operation, "$", 1, was, now)
        # Whatever the walk did not reach stays on the operation's own line, so every
        # finding is marked once.
        left = [r for found in (*walk.findings.values(), *rest.values()) for r in found]
        if left:
            if len(lines) > start:
                head = lines[start]
                lines[start] = _line(1, operation, head.old, head.new, [*root, *left])
            else:
                lines.append(_line(1, operation, summarize(was), summarize(now), left))
        lines.extend(extras)
    if unplaced:
        lines.append(_line(0, "elsewhere", None, None, unplaced))
    return DriftTree(tuple(lines))
