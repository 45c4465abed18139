"""Display text for names and text fields: many scripts, marks, emoji, long and short.

Text must survive a round trip through a correct server unchanged, or a valid case would
raise a false echo alarm. Hence: no control or format characters (except the joiner
inside emoji sequences), no surrogates, private-use or unassigned code points, no line
separators, no leading or trailing whitespace (servers may strip), NFC-normalised (servers
may normalise), and at least one alphanumeric character (a server may call a name of only
punctuation or emoji blank).

Speed matters (payloads are drawn by the thousand), so a text is drawn as one string of
placeholder characters from a single contiguous range, then translated into tokens: one
Hypothesis draw per text instead of one per character or per piece, and a one-interval
alphabet whose membership checks are cheap.
"""

from __future__ import annotations

import string
import unicodedata

from hypothesis import strategies as st

__all__ = ["EDGE_PIECES", "LONG_TEXT", "MAX_NAME", "MAX_TEXT", "edge_texts", "names"]

MAX_NAME = 200
# Close documents no maximum length for names or text values; a few hundred characters is
# what a CRM's notes or references plainly hold, and what a careless column would cut.
MAX_TEXT = 300
# Texts at least this long count as "long": past the 128 or 255 characters where a
# fixed-width column or index would cut a name (see edge_texts).
LONG_TEXT = 129

# Alphanumeric characters from many scripts.
_LETTERS = (
    "AbzÉñßøŒΩλЖяԱշשعبकঅகกაᎠሀ한あカ中文字٣０Ａ7ÆĳŁΣϑДҖՖאپڭमলଓතຂབႠᏣᐃᚠកᠮᨀᩀᬅḀἀⰀⲀⴀⵀⶀ〆ㄅㆠㄱꀀꓐꔀꙀꚠꜢ가ﬀ"
)
# Base characters with combining marks; some have no precomposed form, so they stay
# decomposed even after NFC.
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
# Skin tones, flags, variation selectors and zero-width-joiner sequences.
_EMOJI = ("😀", "🚀", "👍🏽", "❤️", "👨‍👩‍👧", "🇫🇷", "🧪", "🏳️‍🌈", "🙂", "☕", "𝄞", "🀄")
_PUNCTUATION = tuple(" -'&.,/#()’«»—_@+%\"\\<>:;!?\u00a0") + (" ",) * 6
_MARKS = tuple("\u0301\u0308\u0303\u0328\u0335\u093f\u0e38\u05c1\u0332")
_EXCLUDED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _spread() -> tuple[str, ...]:
    # A fixed spread of other printable code points across the planes (every 397th), so
    # scripts and symbols nobody thought of still turn up.
    picked = (chr(c) for c in range(0xA1, 0x323AF, 397))
    return tuple(ch for ch in picked if unicodedata.category(ch) not in _EXCLUDED)


# ASCII first: a shrunk name reads as plain letters.
_TOKENS: tuple[str, ...] = (
    *string.ascii_letters,
    *string.digits,
    *_PUNCTUATION,
    *_LETTERS,
    *_MARKED,
    *_EMOJI,
    *_MARKS,
    *_spread(),
)
_BASE = 0x100  # placeholders U+0100.. stand for _TOKENS[0], _TOKENS[1], …
_TABLE = {_BASE + index: token for index, token in enumerate(_TOKENS)}
_WILD = st.characters(min_codepoint=_BASE, max_codepoint=_BASE + len(_TOKENS) - 1)
_PLAIN = string.ascii_letters + string.digits + " -'&."


def _finish(text: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", text)[:limit].strip()
    if not any(ch.isalnum() for ch in text):
        # Derived from the text rather than drawn: no extra draw, and still deterministic.
        anchor = _LETTERS[len(text) % len(_LETTERS)]
        middle = len(text) // 2
        text = (text[:middle] + anchor + text[middle:])[:limit].strip()
    return text


# The edge classes of display text, each a piece an echo that loses information changes:
# characters outside the Basic Multilingual Plane (UTF-16 surrogate pairs, 4-byte UTF-8),
# combining marks with no precomposed form (NFC keeps them decomposed), right-to-left
# scripts, and quotes, backslashes and markup (escaping). Never NUL, lone surrogates or
# leading/trailing whitespace: those are no valid, echo-stable text anywhere.
EDGE_PIECES: dict[str, tuple[str, ...]] = {
    "astral": ("😀", "🚀 launch", "𝄞 clef", "👨‍👩‍👧 family", "🇫🇷", "𠜎 kanji", "🧪"),
    "combining": ("q\u0303", "x\u0332\u0333", "Z\u0335", "\u0e01\u0e38", "n\u0334\u0301"),
    "rtl": ("שלום עולם", "مرحبا بالعالم", "سلام", "עברית 123"),
    "escapes": ('"quoted"', "it's", "back\\slash", "C:\\dir\\file", "<b>&amp;</b>", '{"k": 1}'),
}
_EDGE_CLASSES = tuple(EDGE_PIECES.values())


def _edge_text(picks: int, length: int, limit: int) -> str:
    # One integer picks a piece of every class and the order they come in (mixed radix):
    # one draw instead of one per class (generation speed).
    pieces = []
    for choices in _EDGE_CLASSES:
        picks, index = divmod(picks, len(choices))
        pieces.append(choices[index])
    start = picks % len(pieces)
    phrase = " ".join(pieces[start:] + pieces[:start])
    if length > len(phrase):
        # Long: the phrase repeated with a counter, so a cut anywhere changes the text.
        parts, number = [phrase], 1
        while sum(map(len, parts)) + len(parts) < length:
            number += 1
            parts.append(f"{number}. {phrase}")
        phrase = " ".join(parts)
    target = min(length or len(phrase), limit)
    text = _finish(phrase, target)
    # A cut that lands on a space loses it to the strip: top up, so a long text stays long.
    return text + "." * (target - len(text)) if length else text


def edge_texts(limit: int = MAX_NAME) -> st.SearchStrategy[str]:
    """Texts holding every edge class of :data:`EDGE_PIECES` at once, short or long.

    Half of them are long (at least :data:`LONG_TEXT` characters when ``limit`` allows,
    often exactly ``limit``), so a single drawn value shows truncation, astral characters
    that are replaced, combining marks that are dropped and escapes that are mangled.
    """
    long_from = min(LONG_TEXT, limit)
    lengths = st.one_of(
        st.just(0), st.just(limit), st.integers(min_value=long_from, max_value=limit)
    )
    return st.builds(
        _edge_text, st.integers(min_value=0, max_value=2**31 - 1), lengths, st.just(limit)
    )


def names(limit: int = MAX_NAME) -> st.SearchStrategy[str]:
    """Non-blank display text of 1..``limit`` characters.

    Plain ASCII names; short and medium texts from the whole token pool (script letters,
    punctuation, combining marks, emoji, a spread of other printable code points); long
    texts of 41..``limit`` characters and texts of exactly ``limit``; and edge texts
    (:func:`edge_texts`: astral characters, combining marks, right-to-left script, quotes
    and backslashes together, often long). About half the draws exceed 40 characters.
    """

    def tokens(placeholders: str) -> str:
        return _finish(placeholders.translate(_TABLE), limit)

    def stretched(placeholders: str, length: int) -> str:
        # A long text repeats a drawn phrase: drawing every one of 200 characters would
        # cost several times as much, and the length is what a long name is for.
        phrase = placeholders.translate(_TABLE) + " "
        return _finish(phrase * (length // len(phrase) + 1), min(length, limit))

    def plain(text: str) -> str:
        return _finish(text, limit)

    phrases = st.text(alphabet=_WILD, min_size=8, max_size=40)
    return st.one_of(
        st.text(alphabet=_PLAIN, min_size=1, max_size=24).map(plain),
        st.text(alphabet=_WILD, min_size=1, max_size=16).map(tokens),
        st.text(alphabet=_WILD, min_size=20, max_size=48).map(tokens),
        st.builds(stretched, phrases, st.integers(min_value=41, max_value=limit)),
        st.builds(stretched, phrases, st.just(limit)),
        # Twice: an echo that loses information must show within a default run's few
        # dozen payloads per type (see tests/strategies/test_strategies_edges.py).
        edge_texts(limit),
        edge_texts(limit),
    )
