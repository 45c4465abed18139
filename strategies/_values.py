"""Strategies for single valid values: numbers, dates, datetimes, ids, short strings.

Each value must survive a round trip through a correct server unchanged, or a valid case
would raise a false echo alarm: numbers that JSON and doubles represent exactly (no NaN or
infinities), real calendar dates, and timestamps at millisecond precision (what Close
stores). Display text lives in ``_text``.
"""

from __future__ import annotations

import calendar
import string
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

from strategies._text import MAX_NAME, MAX_TEXT, names

__all__ = [
    "BASE62",
    "EDGE_DATES",
    "EDGE_DATETIMES",
    "EDGE_NUMBERS",
    "MAX_EXACT",
    "MAX_NAME",
    "MAX_TEXT",
    "dates",
    "datetimes",
    "ids",
    "names",
    "numbers",
    "short_strings",
    "texts",
]

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIRST, _LAST = date(1900, 1, 1), date(2100, 12, 31)
_MAX_ABS = 10**15
MAX_EXACT = 2**53
"""The largest magnitude of a number value: every integer up to it is a double exactly."""

# Numbers at the edges of what a double holds, each one an echo that stores less changes:
# the largest exact integers (a float32 or a 32-bit column cannot hold them), 16 and 17
# significant digits (the most a double keeps; a float32 keeps about 7, a rounding echo
# none), small fractions and negative ones. All are doubles whose shortest repr is the
# JSON a correct server sends back.
EDGE_NUMBERS: tuple[int | float, ...] = (
    MAX_EXACT,
    -MAX_EXACT,
    MAX_EXACT - 1,
    2**31,
    -(2**31) - 1,
    0.30000000000000004,
    0.1,
    1 / 3,
    -2 / 3,
    3.141592653589793,
    -2.718281828459045,
    123456789.12345678,
    -9007199254740.992,
    1.0000000000000002,
    0.000001,
    1e-9,
    -0.000123456789,
    2.5e-7,
    16777217,
    0,
)


def short_strings() -> st.SearchStrategy[str]:
    """Short plain strings, for fields whose type the contract does not know."""
    return st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12)


def _decimal(units: int, places: int) -> float:
    # units < 10**15 keeps 15 significant digits, which a double holds exactly, so the
    # shortest repr (what JSON carries) is the decimal we meant.
    return float(units / 10**places)


def _precise(units: int, places: int) -> float:
    # units up to 2**53 and up to 20 places: a double with up to 17 significant digits,
    # correctly rounded from the exact quotient, so its repr is what JSON carries back.
    return float(units / 10**places)


def numbers() -> st.SearchStrategy[int | float]:
    """Numbers at the boundaries and edges (:data:`EDGE_NUMBERS`): 0, ±1, ±2**53, many
    significant digits, small fractions, big ints and short decimals; no NaN/inf."""
    boundaries: st.SearchStrategy[int | float] = st.sampled_from(
        [0, 1, -1, _MAX_ABS, -_MAX_ABS, _MAX_ABS - 1, 0.5, -0.5, 0.1, 123.456]
    )
    integers = st.integers(min_value=-MAX_EXACT, max_value=MAX_EXACT)
    decimals = st.builds(
        _decimal,
        st.integers(min_value=-(_MAX_ABS - 1), max_value=_MAX_ABS - 1),
        st.integers(min_value=1, max_value=6),
    )
    precise = st.builds(
        _precise,
        st.integers(min_value=-MAX_EXACT, max_value=MAX_EXACT),
        st.integers(min_value=0, max_value=20),
    )
    edges: st.SearchStrategy[int | float] = st.sampled_from(EDGE_NUMBERS)
    # The edges twice: a number field is often optional, and a lossy echo must still show
    # within a default run's few dozen payloads per type.
    return st.one_of(boundaries, integers, decimals, precise, edges, edges)


def _leap_day(year: int) -> date:
    while not calendar.isleap(year):
        year += 1
    return date(year, 2, 29)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _nth_day(offset: int) -> date:
    return _FIRST + timedelta(days=offset)


# Days certainly valid everywhere that break naive date code: leap days (2000 is one, a
# century year), year ends and starts, the Unix epoch and the days around it.
EDGE_DATES = (
    date(2000, 2, 29),
    date(2024, 2, 29),
    date(1999, 12, 31),
    date(2000, 1, 1),
    date(2023, 12, 31),
    date(2024, 12, 31),
    date(1970, 1, 1),
    date(1969, 12, 31),
    _FIRST,
    _LAST,
)


def _calendar_dates() -> st.SearchStrategy[date]:
    # One integer per date (cheaper than st.dates), plus the days that break naive code.
    years = st.integers(min_value=_FIRST.year, max_value=_LAST.year - 4)
    return st.one_of(
        st.integers(min_value=0, max_value=(_LAST - _FIRST).days).map(_nth_day),
        st.builds(_leap_day, years),
        st.builds(_month_end, years, st.integers(min_value=1, max_value=12)),
        # The edges twice, as for numbers: date fields are often optional.
        st.sampled_from(EDGE_DATES),
        st.sampled_from(EDGE_DATES),
    )


def dates() -> st.SearchStrategy[str]:
    """Real calendar dates 1900–2100 (leap days and month ends included), ISO 8601."""
    return _calendar_dates().map(date.isoformat)


# Offsets in minutes: real-world ones (whole, half and quarter hours), odd whole minutes,
# the extremes, and None for "Z". One draw picks one (generation speed).
_OFFSETS = (
    *(0, None, 330, 60, -300, 345, 525, -210, 840, -720, 765, -570, 540, -180, 120, -480),
    *(1, -1, 59, -59, 839, -839, 17, -433),
)


def _timestamp(day: int, second_of_day: int, millis: int, offset: int | None) -> str:
    moment = datetime.combine(_nth_day(day), datetime.min.time())
    moment += timedelta(seconds=second_of_day)
    text = moment.isoformat(timespec="seconds")
    if millis >= 0:  # -1 stands for "whole seconds": both precisions, in one draw
        text += f".{millis:03d}"
    if offset is None:
        return text + "Z"
    zone = timezone(timedelta(minutes=offset))
    return text + moment.replace(tzinfo=zone).isoformat()[-6:]


# Instants at the edges of days and years, in the ISO 8601 form the schema gives.
EDGE_DATETIMES = (
    "2000-02-29T23:59:59.999Z",
    "2024-02-29T00:00:00Z",
    "1999-12-31T23:59:59Z",
    "2000-01-01T00:00:00.000+00:00",
    "2024-12-31T23:59:59.999+14:00",
    "2025-01-01T00:00:00-12:00",
    "1970-01-01T00:00:00Z",
)


def datetimes() -> st.SearchStrategy[str]:
    """ISO 8601 datetimes with an offset (``Z`` or whole minutes), at s or ms precision.

    Four draws per value (day, second, millisecond, offset), because datetimes are
    frequent and generation speed matters; leap days and month ends come from
    :func:`dates`, boundaries of the day (00:00:00, 23:59:59.999) from Hypothesis's own
    preference for bounds.
    """
    drawn = st.builds(
        _timestamp,
        st.integers(min_value=0, max_value=(_LAST - _FIRST).days),
        st.integers(min_value=0, max_value=86399),
        st.integers(min_value=-1, max_value=999),
        st.sampled_from(_OFFSETS),
    )
    return st.one_of(drawn, st.sampled_from(EDGE_DATETIMES))


def texts() -> st.SearchStrategy[str]:
    """Values of text fields: display text up to :data:`MAX_TEXT` characters."""
    return names(MAX_TEXT)


def ids(prefix: str, length: int) -> st.SearchStrategy[str]:
    """Well-formed ids: ``prefix`` followed by ``length`` base62 characters."""
    return st.text(alphabet=BASE62, min_size=length, max_size=length).map(prefix.__add__)
