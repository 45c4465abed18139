"""Faults that store less than was sent: the value a lossy column or codec keeps.

Each is a regression a real storage change ships: a name or text column narrowed to a
fixed width (128 characters, or 4,096 where only very long text shows it), a sanitiser
that drops zero-width characters, a number column declared as single precision, a text
codec limited to the Basic Multilingual Plane (MySQL's 3-byte ``utf8``), a multi-value
field capped at a few entries. The value is changed on the way in, so the create's own
answer, every later read and every list show the loss, as they would on a server whose
storage lost it.
"""

from __future__ import annotations

import struct
from typing import Any

from contract.emulator._faults import FaultSet

__all__ = [
    "MAX_KEPT_VALUES",
    "NARROW_TEXT",
    "WIDE_TEXT",
    "stored_number",
    "stored_text",
    "stored_values",
]

#: The width `truncates_long_text` cuts names and text values to.
NARROW_TEXT = 128
#: The width `truncates_at_4096` cuts names and text values to.
WIDE_TEXT = 4096
#: The values `multi_value_truncated` keeps of a multi-value field.
MAX_KEPT_VALUES = 3
_REPLACEMENT = "\ufffd"
# What `strips_zero_width_silently` removes: zero-width space and non-joiner, word joiner
# and the byte order mark (a zero-width no-break space). The zero-width joiner stays, as a
# sanitiser that keeps emoji sequences whole keeps it.
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u2060\ufeff"))


def stored_text(value: str, faults: FaultSet) -> str:
    """A name or text value as the faulty storage keeps it."""
    if "mangles_astral_text" in faults:
        value = "".join(_REPLACEMENT if ord(ch) > 0xFFFF else ch for ch in value)
    if "strips_zero_width_silently" in faults:
        value = value.translate(_ZERO_WIDTH)
    if "truncates_long_text" in faults:
        value = value[:NARROW_TEXT]
    if "truncates_at_4096" in faults:
        value = value[:WIDE_TEXT]
    return value


def stored_number(value: int | float, faults: FaultSet) -> int | float:
    """A number value as the faulty storage keeps it."""
    if "float32_numbers" in faults:
        # What a REAL/FLOAT column gives back: the nearest single-precision value.
        try:
            single: float = struct.unpack("<f", struct.pack("<f", float(value)))[0]
        except OverflowError:
            return value  # beyond float32's range: kept, as JSON has no infinity
        return single
    return value


def stored_values(values: list[Any], faults: FaultSet) -> list[Any]:
    """A multi-value field's list as the faulty storage keeps it."""
    if "multi_value_truncated" in faults:
        return values[:MAX_KEPT_VALUES]
    return values
