"""The shape drift between two baselines as a highlighted tree."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Final, Literal

from contract.baseline import (
    Baseline,
    Difference,
    Shape,
    compare,
    load_baseline,
    member_path,
    summarize,
)
from contract.explore._common import BaselineSource
from contract.explore._requests import format_statuses

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
