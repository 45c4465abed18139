"""How a set of HTTP statuses reads in messages and reports."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["parse_status_set", "status_set"]

_SUCCESS = frozenset(range(200, 300))


def status_set(statuses: Iterable[int], joiner: str = " or ") -> str:
    """A set of statuses as people read it: the full 2xx range is ``2xx``, the rest go by
    number, as in ``2xx or 400`` and ``400 or 404`` (``joiner`` between them)."""
    codes = frozenset(statuses)
    parts = ["2xx"] if _SUCCESS <= codes else []
    parts += [str(code) for code in sorted(codes - _SUCCESS if parts else codes)]
    return joiner.join(parts)


def parse_status_set(text: str, joiner: str = " or ") -> frozenset[int]:
    """The statuses :func:`status_set` wrote as ``text`` (``2xx or 400``); a
    :class:`ValueError` for anything else."""
    codes: set[int] = set()
    for part in text.split(joiner):
        part = part.strip()
        if part == "2xx":
            codes |= _SUCCESS
        elif part.isdigit() and 100 <= int(part) <= 599:
            codes.add(int(part))
        else:
            raise ValueError(f"{text!r} is not a set of statuses such as '2xx or 400'")
    return frozenset(codes)
