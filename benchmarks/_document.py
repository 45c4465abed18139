"""What every section of the benchmark document is built from: the figures one command
gave, and the paragraph, list and table helpers that lay them out."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MISSING", "PEER_PACKAGES", "BenchRun", "item", "number", "paragraph", "table"]

WIDTH = 92
MISSING = "Not measured this time (see Problems below)."
# The environment hypothesis-jsonschema is measured in (it needs an older Hypothesis).
PEER_PACKAGES = ("hypothesis==6.170.9", "hypothesis-jsonschema", "jsonschema")


@dataclass
class BenchRun:
    """What one benchmark command gave: its figures, how long it took and its status."""

    command: str
    data: Any
    seconds: float
    status: int


def paragraph(*parts: str) -> str:
    """One paragraph: ``parts`` joined by spaces, wrapped to the document's width."""
    return textwrap.fill(
        " ".join(parts), width=WIDTH, break_long_words=False, break_on_hyphens=False
    )


def item(*parts: str) -> str:
    """One list item, wrapped with its continuation lines indented."""
    return textwrap.fill(
        " ".join(parts),
        width=WIDTH,
        initial_indent="- ",
        subsequent_indent="  ",
        break_long_words=False,
        break_on_hyphens=False,
    )


def table(header: Sequence[str], align: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table: a header row, an alignment row, then ``rows``."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def number(value: float, digits: int = 0) -> str:
    """``value`` with thousands separators and ``digits`` decimals."""
    return f"{value:,.{digits}f}"
