"""Text valid payloads leave out on purpose: unusual Unicode classes, and very long text.

Valid text must round-trip unchanged through any correct server (see ``_text``), so it
holds no invisible or control characters, no leading or trailing whitespace and no text
of only emoji or only fillers, and it stops at a few hundred characters. Close documents
neither a maximum length nor what it does with such characters, so cases built from
these may be accepted or refused (400); what an accepted one may come back as is the
checks' matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["MAX_LADDER_KEYS", "TEXT_LENGTHS", "UNICODE_CLASSES", "UnicodeClass", "long_text"]

TEXT_LENGTHS: Final[tuple[int, ...]] = (256, 1024, 4096, 16384, 65536)
"""The lengths, in characters, at which names and text values are sent in turn.

Past the widths where a column or an index cuts (255, 1,000, 4,000 and 16,000 characters
are common limits), up to 64k: a bound, since Close documents none, that keeps a request
with a few such values well below any body limit."""

MAX_LADDER_KEYS: Final = 4
"""At most this many keys (the name and the first text fields) carry a long text at once."""

# A numbered piece of Basic Multilingual Plane text: letters with accents (precomposed,
# so the text is NFC), punctuation and symbols. BMP only, so a length counts the same in
# code points and in UTF-16 units (what JavaScript and Java limits count).
_PIECE = "{:06d} Ré·sumé naïve — Straße ✓ ¿Qué? "


def long_text(length: int, label: str = "") -> str:
    """Text of exactly ``length`` characters in which any cut shows.

    ``label`` comes first (so two keys sent at one length differ), then numbered pieces
    of accented Latin letters, punctuation and symbols, so a text cut anywhere, or with a
    piece dropped, is no longer the text sent. NFC, without control characters, and
    without leading or trailing whitespace (a server may trim it).
    """
    if length < 1:
        raise ValueError(f"a long text needs a length of at least 1, got {length}")
    parts = [f"{label} " if label else ""]
    total, number = len(parts[0]), 0
    while total < length:
        number += 1
        piece = _PIECE.format(number)
        parts.append(piece)
        total += len(piece)
    text = "".join(parts)[:length].lstrip()
    text = text + "." * (length - len(text))
    return text if not text[-1].isspace() else text[:-1] + "."


@dataclass(frozen=True, slots=True)
class UnicodeClass:
    """One class of unusual text, after CATS's field fuzzers of the same names.

    ``text`` is what a case sends in the name and in each text value. ``visible`` says
    the class is ordinary visible text (emoji, combining marks, another normal form),
    which must come back as sent, trimmed or in NFC; an invisible or control class may
    be cleaned by a server, which Close neither documents nor rules out.
    """

    summary: str
    text: str
    visible: bool


UNICODE_CLASSES: Final[Mapping[str, UnicodeClass]] = MappingProxyType(
    {
        "whitespace_only": UnicodeClass(
            "only whitespace (space, no-break space, em and ideographic spaces)",
            "\u0020\u00a0\u2003\u3000\u0020",
            visible=False,
        ),
        "padded": UnicodeClass(
            "leading and trailing whitespace around visible text",
            " \u3000\tPadded text\u00a0 ",
            visible=False,
        ),
        "control": UnicodeClass(
            "control characters at the start, inside and at the end",
            "\u0001Control\u0007chars\u001b[0m\u007f\u0002",
            visible=False,
        ),
        "zero_width": UnicodeClass(
            "zero-width space, non-joiner, joiner, word joiner and byte order mark",
            "Zero\u200bwidth\u200cnon\u200djoin\u2060er\ufeff",
            visible=False,
        ),
        "bidi_override": UnicodeClass(
            "right-to-left override and isolates",
            "Bidi \u202eesrever\u202c and \u2066isolate\u2069 text",
            visible=False,
        ),
        "hangul_filler": UnicodeClass(
            "only Hangul fillers (they render as blank)",
            "\u3164\u115f\u1160\uffa0",
            visible=False,
        ),
        "emoji_single": UnicodeClass(
            "only single-code-point emoji",
            "😀🚀☕🧪",
            visible=True,
        ),
        "emoji_multi": UnicodeClass(
            "only multi-code-point emoji (joiner sequences, a skin tone, a flag)",
            "👨\u200d👩\u200d👧🏳\ufe0f\u200d🌈👍🏽🇫🇷",
            visible=True,
        ),
        "zalgo": UnicodeClass(
            "letters under stacks of combining marks (zalgo text)",
            "Z\u0335\u0321\u0322\u0317a\u0336\u0318l\u0337\u0319g\u0338\u031ao\u0334\u0301\u0302",
            visible=True,
        ),
        "nfd": UnicodeClass(
            "accented letters in decomposed form (NFD), which NFC composes",
            "Cafe\u0301 Ma\u0308dchen A\u030astro\u0308m",
            visible=True,
        ),
    }
)
"""Every class of unusual text, by the name its mutation carries (``unicode_<name>``)."""
