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

__all__ = ["MAX_NAME", "names"]

MAX_NAME = 200

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


def names(limit: int = MAX_NAME) -> st.SearchStrategy[str]:
    """Non-blank display text of 1..``limit`` characters.

    Plain ASCII names; short and medium texts from the whole token pool (script letters,
    punctuation, combining marks, emoji, a spread of other printable code points); long
    texts of 41..``limit`` characters and texts of exactly ``limit``. About two draws in
    five exceed 40 characters.
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
    )
