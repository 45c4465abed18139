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

from strategies._text import MAX_NAME, names

__all__ = [
    "BASE62",
    "MAX_NAME",
    "dates",
    "datetimes",
    "ids",
    "names",
    "numbers",
    "short_strings",
]

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIRST, _LAST = date(1900, 1, 1), date(2100, 12, 31)
_MAX_ABS = 10**15


def short_strings() -> st.SearchStrategy[str]:
    """Short plain strings, for fields whose type the contract does not know."""
    return st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=12)


def _decimal(units: int, places: int) -> float:
    # units < 10**15 keeps 15 significant digits, which a double holds exactly, so the
    # shortest repr (what JSON carries) is the decimal we meant.
    return float(units / 10**places)


def numbers() -> st.SearchStrategy[int | float]:
    """Numbers at the boundaries: 0, ±1, ±1e15, big ints and short decimals; no NaN/inf."""
    boundaries: st.SearchStrategy[int | float] = st.sampled_from(
        [0, 1, -1, _MAX_ABS, -_MAX_ABS, _MAX_ABS - 1, 0.5, -0.5, 0.1, 123.456]
    )
    integers = st.integers(min_value=-_MAX_ABS, max_value=_MAX_ABS)
    decimals = st.builds(
        _decimal,
        st.integers(min_value=-(_MAX_ABS - 1), max_value=_MAX_ABS - 1),
        st.integers(min_value=1, max_value=6),
    )
    return st.one_of(boundaries, integers, decimals)


def _leap_day(year: int) -> date:
    while not calendar.isleap(year):
        year += 1
    return date(year, 2, 29)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _nth_day(offset: int) -> date:
    return _FIRST + timedelta(days=offset)


def _calendar_dates() -> st.SearchStrategy[date]:
    # One integer per date (cheaper than st.dates), plus the days that break naive code.
    years = st.integers(min_value=_FIRST.year, max_value=_LAST.year - 4)
    return st.one_of(
        st.integers(min_value=0, max_value=(_LAST - _FIRST).days).map(_nth_day),
        st.builds(_leap_day, years),
        st.builds(_month_end, years, st.integers(min_value=1, max_value=12)),
        st.sampled_from([_FIRST, date(2000, 2, 29), _LAST]),
    )


def dates() -> st.SearchStrategy[str]:
    """Real calendar dates 1900–2100 (leap days and month ends included), ISO 8601."""
    return _calendar_dates().map(date.isoformat)


# Offsets in minutes: real-world ones (whole, half and quarter hours), odd whole minutes,
# the extremes, and None for "Z". One draw picks one (generation speed).
_OFFSETS = (
    *(0, None, 60, -300, 330, 345, 525, -210, 840, -720, 765, -570, 540, -180, 120, -480),
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


def datetimes() -> st.SearchStrategy[str]:
    """ISO 8601 datetimes with an offset (``Z`` or whole minutes), at s or ms precision.

    Four draws per value (day, second, millisecond, offset), because datetimes are
    frequent and generation speed matters; leap days and month ends come from
    :func:`dates`, boundaries of the day (00:00:00, 23:59:59.999) from Hypothesis's own
    preference for bounds.
    """
    return st.builds(
        _timestamp,
        st.integers(min_value=0, max_value=(_LAST - _FIRST).days),
        st.integers(min_value=0, max_value=86399),
        st.integers(min_value=-1, max_value=999),
        st.sampled_from(_OFFSETS),
    )


def ids(prefix: str, length: int) -> st.SearchStrategy[str]:
    """Well-formed ids: ``prefix`` followed by ``length`` base62 characters."""
    return st.text(alphabet=BASE62, min_size=length, max_size=length).map(prefix.__add__)
