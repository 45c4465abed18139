"""Strategies for single valid values: names, text, numbers, dates, datetimes, ids.

Values are realistic and nasty at once, but each one must survive a round trip through a
correct server unchanged; otherwise a valid case would raise false echo alarms. Hence:
no control or format characters, no surrogates, no leading or trailing whitespace (servers
may strip), NFC-normalised text (servers may normalise), numbers that JSON and doubles
represent exactly, and timestamps at millisecond precision (what Close stores).
"""

from __future__ import annotations

import calendar
import string
import unicodedata
from datetime import date, datetime, timedelta, timezone

from hypothesis import strategies as st

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

MAX_NAME = 200
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_FIRST_YEAR, _LAST_YEAR = 1900, 2100
_MAX_ABS = 10**15

# Alphanumeric characters from many scripts: every name holds at least one, so a name is
# never only punctuation or emoji (a server may reasonably call that blank).
_LETTERS = (
    "AbzÉñßøŒΩλЖяԱշשعبकঅகกაᎠሀ한あカ中文字٣０Ａ7ÆĳŁΣϑДҖՖאپڭमলଓතຂབႠᏣᐃᚠកᠮᨀᩀᬅḀἀⰀⲀⴀⵀⶀ〆ㄅㆠㄱꀀꓐꔀꙀꚠꜢ가ﬀ"
)
# Base characters followed by combining marks (some have no precomposed form, so they
# stay decomposed even after NFC).
_MARKED = (
    "e\u0301",
    "a\u0308",
    "q\u0303",
    "n\u0303",
    "o\u0328\u0301",
    "Z\u0335",
    "\u0915\u093f",
    "\u0e01\u0e38",
    "\u05e9\u05c1",
    "x\u0332\u0333",
)
_EMOJI = ("😀", "🚀", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "🧪", "🏳️‍🌈", "🙂", "☕")
_PUNCTUATION = " " * 3 + "-'&.,/#()’«»—_@+%\"\\<>:;!?\u00a0"
_MARKS = "\u0301\u0308\u0303\u0328\u0335\u093f\u0e38\u05c1\u0332"
# Any other assigned, printable code point: control, format, surrogate, private-use,
# unassigned and line/paragraph separators are left out (see the module docstring).
_ANY = st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
# Runs of characters are drawn as whole strings, not one character at a time: Hypothesis
# draws a string in one step, which keeps generation fast enough for long names.
_SCRIPTS = _LETTERS + _PUNCTUATION + _MARKS
_TOKENS = st.sampled_from(_MARKED + _EMOJI)


def _pieces(longest: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=_SCRIPTS, max_size=longest),
        _TOKENS,
        st.text(alphabet=_ANY, max_size=max(1, longest // 3)),
    )


def _finish(prefix: list[str], anchor: str, run: str, suffix: list[str], limit: int) -> str:
    text = unicodedata.normalize("NFC", "".join([*prefix, anchor, run, *suffix]))
    # Truncation can leave a lone combining mark or a cut emoji sequence at the end; that
    # is still valid text, and the anchor keeps at least one alphanumeric character.
    return text[:limit].strip()


def _run(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=_SCRIPTS, min_size=min_size, max_size=max_size),
        st.text(alphabet=_ANY, min_size=min_size, max_size=max_size),
    )


def names(limit: int = MAX_NAME) -> st.SearchStrategy[str]:
    """Non-blank display text of 1..``limit`` characters from many scripts.

    Script letters, punctuation, combining marks, emoji (with skin tones, flags and ZWJ
    sequences) and any other printable code point. About a third of the draws are longer
    than 40 characters and many of those are cut at exactly ``limit``, so long names turn
    up regularly, not by luck.
    """
    anchor = st.sampled_from(_LETTERS)
    shapes = [
        (_pieces(6), _run(0, 8), _pieces(8)),
        (_pieces(12), _run(20, 60), _pieces(20)),
        # Half of the long ones reach the limit: the boundary itself is worth testing.
        (_pieces(20), st.one_of(_run(41, limit), _run(limit, limit + 20)), _pieces(40)),
    ]
    return st.one_of(
        [
            st.builds(
                _finish,
                st.lists(before, max_size=2),
                anchor,
                run,
                st.lists(after, max_size=3),
                st.just(limit),
            )
            for before, run, after in shapes
        ]
    ).filter(_non_blank)


def _non_blank(text: str) -> bool:
    return bool(text) and any(ch.isalnum() for ch in text)


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


def _calendar_dates() -> st.SearchStrategy[date]:
    years = st.integers(min_value=_FIRST_YEAR, max_value=_LAST_YEAR - 4)
    return st.one_of(
        st.dates(min_value=date(_FIRST_YEAR, 1, 1), max_value=date(_LAST_YEAR, 12, 31)),
        st.builds(_leap_day, years),
        st.builds(_month_end, years, st.integers(min_value=1, max_value=12)),
        st.sampled_from([date(_FIRST_YEAR, 1, 1), date(2000, 2, 29), date(_LAST_YEAR, 12, 31)]),
    )


def dates() -> st.SearchStrategy[str]:
    """Real calendar dates 1900–2100 (leap days and month ends included), ISO 8601."""
    return _calendar_dates().map(date.isoformat)


# Real-world offsets first (whole hours, half and quarter hours), then any whole minute.
_OFFSETS = (0, 60, -300, 330, 345, 525, -210, 840, -720, 765, -570, 60 * 9)


def _timestamp(day: date, second_of_day: int, millis: int | None, offset: int | None) -> str:
    moment = datetime.combine(day, datetime.min.time()) + timedelta(seconds=second_of_day)
    text = moment.isoformat(timespec="seconds")
    if millis is not None:
        text += f".{millis:03d}"
    if offset is None:
        return text + "Z"
    zone = timezone(timedelta(minutes=offset))
    return text + moment.replace(tzinfo=zone).isoformat()[-6:]


def datetimes() -> st.SearchStrategy[str]:
    """ISO 8601 datetimes with an offset (``Z`` or whole minutes), at s or ms precision."""
    seconds = st.one_of(
        st.sampled_from([0, 86399, 43200]), st.integers(min_value=0, max_value=86399)
    )
    offsets = st.one_of(
        st.none(),
        st.sampled_from(_OFFSETS),
        st.integers(min_value=-14 * 60, max_value=14 * 60),
    )
    millis = st.one_of(st.none(), st.sampled_from([0, 999]), st.integers(0, 999))
    return st.builds(_timestamp, _calendar_dates(), seconds, millis, offsets)


def ids(prefix: str, length: int) -> st.SearchStrategy[str]:
    """Well-formed ids: ``prefix`` followed by ``length`` base62 characters."""
    return st.text(alphabet=BASE62, min_size=length, max_size=length).map(prefix.__add__)
