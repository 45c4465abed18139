"""The small pieces of HTML the report's sections share: escaped text, table rows."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["badge", "e", "head", "plural", "row"]


def e(value: object) -> str:
    """``value`` as text, escaped for an HTML element or a quoted attribute."""
    return escape(str(value))


def plural(count: int, word: str) -> str:
    """``1 case``, ``2 cases``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def badge(text: str, kind: str) -> str:
    """A small label of the CSS class ``kind`` (``new``, ``seen``, ``fixed``)."""
    return f'<span class="badge {kind}">{e(text)}</span>'


def row(*cells: object, numeric: Sequence[int] = (), css: str = "") -> str:
    """A table row. The cells at the positions ``numeric`` are escaped and right-aligned;
    the others are HTML already (their callers escape what a target said)."""
    shown = "".join(
        f'<td class="n">{e(c)}</td>' if n in numeric else f"<td>{c}</td>"
        for n, c in enumerate(cells)
    )
    return f'<tr class="{css}">{shown}</tr>' if css else f"<tr>{shown}</tr>"


def head(*names: str, numeric: Sequence[int] = ()) -> str:
    """A table's header row (the ``numeric`` columns right-aligned)."""
    cells = "".join(
        f'<th class="n">{e(n)}</th>' if i in numeric else f"<th>{e(n)}</th>"
        for i, n in enumerate(names)
    )
    return f"<thead><tr>{cells}</tr></thead>"
