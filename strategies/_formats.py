"""The string formats payloads and answers are checked for: ``date`` and ``date-time``.

jsonschema checks "date-time" only when an optional package is installed; neither the
strategies nor the contract may weaken with the environment, so both formats are checked
here, once, for both. Patterns are ASCII-only: Unicode digits are not ISO 8601.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from jsonschema import FormatChecker

__all__ = ["FORMAT_CHECKER"]

FORMAT_CHECKER = FormatChecker(formats=())
"""A format checker that knows ``date`` and ``date-time`` (and nothing else)."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    date.fromisoformat(value)
    return True


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.match(value):
        return False
    datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


# Registered by call, not as decorators, so the functions keep their types for mypy.
FORMAT_CHECKER.checks("date", raises=ValueError)(_is_date)
FORMAT_CHECKER.checks("date-time", raises=ValueError)(_is_datetime)
