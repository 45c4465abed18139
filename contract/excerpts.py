"""Bodies kept in what a run leaves behind (reports, recordings) are cut past a cap, and
say so.

A target may answer with megabytes (or, broken or hostile, with gigabytes): the checks see
all of it, within the client's own bounds, but a report or a recording keeps only the
first :data:`KEPT_BODY_BYTES` of each text, then a mark such as
``...[cut: 67,108,864 bytes in all]``, so that nobody mistakes the excerpt for the whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

__all__ = ["KEPT_BODY_BYTES", "cut_bytes", "cut_mark", "cut_text", "cut_tree", "json_strings"]

KEPT_BODY_BYTES: Final = 64 * 1024
"""How much of one text (a body, a message quoting one) a report keeps."""

# Counting a huge text's UTF-8 bytes a slice at a time keeps a second copy from being made.
_COUNT_SLICE = 1 << 20


def cut_mark(total: int, *, at_least: bool = False) -> str:
    """The mark that ends a cut text: ``...[cut: N bytes in all]``, or ``...[cut: more
    than N bytes in all]`` when counting stopped at ``N``."""
    return f"...[cut: {'more than ' if at_least else ''}{total:,} bytes in all]"


def _utf8_length(text: str) -> int:
    return sum(
        len(text[at : at + _COUNT_SLICE].encode("utf-8", "surrogatepass"))
        for at in range(0, len(text), _COUNT_SLICE)
    )


def cut_text(text: str, cap: int = KEPT_BODY_BYTES) -> str:
    """``text`` unchanged when it has at most ``cap`` characters, else its first ``cap``
    characters and the mark of :func:`cut_mark` with its size in UTF-8 bytes."""
    if len(text) <= cap:
        return text
    return text[:cap] + cut_mark(_utf8_length(text))


def cut_bytes(
    data: bytes, cap: int = KEPT_BODY_BYTES, total: int | None = None, *, at_least: bool = False
) -> bytes:
    """``data`` unchanged within ``cap`` bytes, else its first ``cap`` bytes (backed off to
    a UTF-8 character's start, so a text body stays text) and the mark; ``total`` is the
    whole body's size when ``data`` is already only its beginning (``at_least``: or more)."""
    whole = len(data) if total is None else total
    if whole <= cap and len(data) <= cap:
        return data
    end = min(cap, len(data))
    # At most three continuation bytes (0b10xxxxxx) precede a character's last byte.
    for _ in range(3):
        if end and end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
    return data[:end] + cut_mark(whole, at_least=at_least).encode("ascii")


def cut_tree(value: Any, cap: int = KEPT_BODY_BYTES) -> Any:
    """A copy of JSON-ready ``value`` with every string (keys too) cut by :func:`cut_text`."""
    if isinstance(value, str):
        return cut_text(value, cap)
    if isinstance(value, dict):
        return {cut_tree(k, cap): cut_tree(v, cap) for k, v in value.items()}
    if isinstance(value, list):
        return [cut_tree(item, cap) for item in value]
    if isinstance(value, tuple):
        return tuple(cut_tree(item, cap) for item in value)
    return value


def json_strings(value: Any) -> Iterator[str]:
    """Every string value in the JSON ``value``, at any depth (not its keys)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for child in value.values():
            yield from json_strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from json_strings(child)
