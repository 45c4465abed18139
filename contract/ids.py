"""The shapes of Close ids, checked before an id from an answer is used anywhere.

A Close id is a prefix naming its kind followed by base62 characters (``lead_…``,
``custobj_…``). Every id the run takes from an answer passes :func:`check_id` before it
goes into a URL, the ledger or a reference: an id such as ``../lead/lead_x`` or one with
a newline would otherwise let the server steer a write (HTTP libraries normalise ``..``).
The length is only bounded (1 to :data:`MAX_ID_LENGTH` characters in all): the exact
lengths Close uses are counted from examples, which makes them a baseline matter, not a
contract. :func:`segment` percent-encodes an id for a path, as a second line of defence.
"""

from __future__ import annotations

import re
from typing import Final, Literal
from urllib.parse import quote

__all__ = [
    "MAX_ID_LENGTH",
    "PREFIXES",
    "IdKind",
    "IdShapeError",
    "check_id",
    "is_id",
    "segment",
    "shown",
]

IdKind = Literal[
    "lead", "contact", "user", "organization", "custom_object", "custom_object_type", "custom_field"
]
"""The kinds of id the run meets."""

PREFIXES: Final[dict[IdKind, str]] = {
    "lead": "lead_",
    "contact": "cont_",
    "user": "user_",
    "organization": "orga_",
    "custom_object": "custobj_",
    "custom_object_type": "cotype_",
    "custom_field": "cf_",
}
"""Each kind's prefix, as Close's documentation shows its ids."""

MAX_ID_LENGTH: Final = 128
"""The longest id accepted, prefix included (Close's are about 50 characters)."""

_BASE62: Final = re.compile(r"[0-9A-Za-z]+")
# How much of a bad value a message shows: a 64 KB id must not flood a report.
_SHOWN: Final = 60


class IdShapeError(ValueError):
    """A value is not an id of the kind expected; the message shows it (cut) and why."""


def shown(value: object) -> str:
    """``value`` as a message shows it: its ``repr``, cut to a few dozen characters."""
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text)} characters)"


def check_id(kind: IdKind, value: object) -> str:
    """``value`` when it has the shape of a ``kind`` id, else :class:`IdShapeError`.

    The shape: the kind's prefix, then base62 characters only, 1 to
    :data:`MAX_ID_LENGTH` characters in all.
    """
    prefix = PREFIXES[kind]
    if not isinstance(value, str):
        raise IdShapeError(f"{shown(value)} is not a {kind} id: expected a string {prefix}…")
    if not value.startswith(prefix):
        raise IdShapeError(f"{shown(value)} is not a {kind} id: expected the prefix {prefix!r}")
    if len(value) > MAX_ID_LENGTH:
        raise IdShapeError(
            f"{shown(value)} is not a {kind} id: expected at most {MAX_ID_LENGTH} characters"
        )
    if not _BASE62.fullmatch(value[len(prefix) :]):
        raise IdShapeError(
            f"{shown(value)} is not a {kind} id: expected base62 characters (0-9, A-Z, a-z) "
            f"after {prefix!r}"
        )
    return value


def is_id(kind: IdKind, value: object) -> bool:
    """Whether ``value`` has the shape of a ``kind`` id (see :func:`check_id`)."""
    try:
        check_id(kind, value)
    except IdShapeError:
        return False
    return True


def segment(value: str) -> str:
    """``value`` percent-encoded as one path segment: no ``/``, ``.``-run or control
    character can change the route (a checked id is left as it is)."""
    return quote(value, safe="")
