"""Sections of a freshly rendered document put into the written one, in place.

``python -m benchmarks --only NAMES --splice`` runs only the named benchmarks;
their sections replace the same sections of the document already written, and the rest
stays as it was (with a line on the machine list saying what was run again, and when).
"""

from __future__ import annotations

import re

from benchmarks._document import MISSING, item

__all__ = ["splice"]

_SECTION = re.compile(r"^## .*$", re.MULTILINE)


def _sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text before the first section, and each section's title line and body."""
    starts = [m.start() for m in _SECTION.finditer(text)]
    head = text[: starts[0]] if starts else text
    out = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        title, _, body = text[start:end].partition("\n")
        out.append((title, body))
    return head, out


def splice(written: str, fresh: str, again: str) -> str:
    """``written`` with every measured section of ``fresh`` in place (appended before the
    problems when new), and ``again`` added to the machine list."""
    head, sections = _sections(written)
    _, measured = _sections(fresh)
    measured = [(t, b) for t, b in measured if b.strip() != MISSING and t != "## Problems"]
    titles = [title for title, _ in sections]
    for title, body in measured:
        if title in titles:
            sections[titles.index(title)] = (title, body)
        else:
            at = titles.index("## Problems") if "## Problems" in titles else len(sections)
            sections.insert(at, (title, body))
            titles.insert(at, title)
    head = head.rstrip("\n") + "\n" + item(again) + "\n\n"
    text = "".join(f"{title}\n{body.rstrip(chr(10))}\n\n" for title, body in sections)
    return head + text.rstrip("\n") + "\n"
