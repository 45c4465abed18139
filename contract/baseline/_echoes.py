"""How a sent value comes back: the same, turned into a string, integer-valued, cut,
dropped or otherwise changed.

Answers echo what a case sent, and a case sends what was drawn at random, so a baseline
never keeps the values themselves: it counts, per key, how the server treated them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias

__all__ = ["ECHOES", "Echo", "echo_of", "echoable"]

Echo: TypeAlias = Literal["same", "stringified", "integer-valued", "cut", "dropped", "changed"]
"""How one sent value came back (see :func:`echo_of`)."""

ECHOES: Final[tuple[Echo, ...]] = (
    "same",
    "stringified",
    "integer-valued",
    "cut",
    "dropped",
    "changed",
)
"""Every way a sent value can come back, the faithful one first."""


def echoable(value: Any) -> bool:
    """Whether a sent value is one whose echo is judged: a scalar (not null) or a list of
    scalars. Objects and lists of objects are the server's to reshape."""
    if isinstance(value, list):
        return all(_scalar(item) for item in value)
    return _scalar(value)


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def echo_of(sent: Any, answer: Mapping[str, Any], key: str) -> Echo:
    """How ``sent``, sent under ``key``, came back in ``answer``.

    ``same`` also covers an equal number in another notation (``2`` and ``2.0``) and a
    datetime at the same instant in another notation (``Z`` and ``+00:00``): a server may
    normalise what it stores.
    """
    if key not in answer:
        return "dropped"
    got = answer[key]
    if _same(sent, got):
        return "same"
    if isinstance(got, str) and not isinstance(sent, str | list) and _as_text(sent, got):
        return "stringified"
    if _number(sent) and _number(got) and not float(sent).is_integer():
        if float(got).is_integer() and abs(float(got) - float(sent)) < 1:
            return "integer-valued"
    if isinstance(sent, str) and isinstance(got, str) and len(got) < len(sent):
        if sent.startswith(got):
            return "cut"
    if isinstance(sent, list) and isinstance(got, list) and len(got) < len(sent):
        if all(_same(a, b) for a, b in zip(sent, got, strict=False)):
            return "cut"
    return "changed"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(sent: Any, got: Any) -> bool:
    if isinstance(sent, bool) or isinstance(got, bool):
        return sent is got
    if _number(sent) and _number(got):
        return bool(sent == got)
    if isinstance(sent, str) and isinstance(got, str):
        return sent == got or _same_instant(sent, got)
    if isinstance(sent, list) and isinstance(got, list):
        return len(sent) == len(got) and all(_same(a, b) for a, b in zip(sent, got, strict=True))
    return False


def _same_instant(a: str, b: str) -> bool:
    try:
        first, second = _instant(a), _instant(b)
    except ValueError:
        return False
    if (first.tzinfo is None) != (second.tzinfo is None):
        return False
    return first == second


def _instant(text: str) -> datetime:
    # A date alone is compared as text: only a datetime has other notations.
    if "T" not in text and " " not in text:
        raise ValueError("not a datetime")
    return datetime.fromisoformat(text)


def _as_text(sent: Any, got: str) -> bool:
    if isinstance(sent, bool):
        return got.strip().lower() == str(sent).lower()
    try:
        return float(got) == float(sent)
    except (ValueError, OverflowError):
        return False
