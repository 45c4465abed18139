"""Value comparison for echoes: what counts as "the API returned what was sent".

Close documents the keys, not the normal form of every value, so a faithful echo may differ
in representation: 5 and 5.0, the same instant at another offset, a multi-value list in
another order, and, for a multi-value field only, one value as a bare value instead of a
one-element list (Close's own examples show both forms). Those are equal here; anything
else is a difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from contract.schemas import FieldType, FieldTypes

__all__ = ["multi_valued", "same_value"]

# Close stores timestamps with millisecond precision (MongoDB); finer digits may be dropped.
_TOLERANCE_SECONDS = 0.001


def _instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def multi_valued(field_types: Mapping[str, str], key: str) -> bool:
    """Whether ``key`` is a multi-value field, as far as ``field_types`` says (a plain
    mapping of types says nothing: no key is then taken as multi-valued)."""
    return isinstance(field_types, FieldTypes) and key in field_types.multiple


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) or value is None else [value]


def same_value(
    sent: Any, got: Any, field_type: str | None = None, *, multiple: bool = False
) -> bool:
    """Whether ``got`` (from a response) is the value ``sent`` for a field of ``field_type``.

    With ``multiple`` (a multi-value field, also known from a ``field_type`` that is a
    :class:`~contract.schemas.FieldType` of one) a bare value and the one-element list of
    it are the same value, on either side; lists of several values still compare as lists.
    """
    if isinstance(field_type, FieldType):
        multiple = multiple or field_type.multiple
        field_type = str(field_type)  # the items of a list are single values
    if multiple:
        sent, got = _as_list(sent), _as_list(got)
    if isinstance(sent, list):
        if not isinstance(got, list) or len(got) != len(sent):
            return False
        remaining = list(got)
        for item in sent:
            match = next((g for g in remaining if same_value(item, g, field_type)), _MISSING)
            if match is _MISSING:
                return False
            remaining.remove(match)
        return True
    if isinstance(sent, bool) or isinstance(got, bool):
        return type(sent) is type(got) and sent == got
    if isinstance(sent, int | float):
        return isinstance(got, int | float) and float(sent) == float(got)
    if field_type == "datetime" and isinstance(sent, str) and isinstance(got, str):
        a, b = _instant(sent), _instant(got)
        if a is not None and b is not None:
            return abs((a - b).total_seconds()) < _TOLERANCE_SECONDS
    if field_type == "date" and isinstance(sent, str) and isinstance(got, str):
        # A date may come back as the midnight of that date.
        return got == sent or got.startswith(sent + "T")
    return bool(sent == got)


_MISSING = object()
