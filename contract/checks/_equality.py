"""Value comparison for echoes: what counts as "the API returned what was sent".

Close documents the keys, not the normal form of every value, so a faithful echo may differ
in representation: 5 and 5.0, the same instant at another offset, a multi-value list in
another order. Those are equal here; anything else is a difference.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["same_value"]

# Close stores timestamps with millisecond precision (MongoDB); finer digits may be dropped.
_TOLERANCE_SECONDS = 0.001


def _instant(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def same_value(sent: Any, got: Any, field_type: str | None = None) -> bool:
    """Whether ``got`` (from a response) is the value ``sent`` for a field of ``field_type``."""
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
