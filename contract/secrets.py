"""Keys and how they are kept out of everything the toolkit shows, writes or records.

Checks always see the real bytes; redaction happens on the way out, through
:class:`Redactor` (or :func:`redact` with :func:`secret_forms`), and blanks every form a
key takes on the wire or in a record of it: as is, escaped as Python, JSON, XML or a shell
would write it, URL-encoded, and as Basic credentials. :func:`check_key` refuses a key
that could leak through a library's error message before it is ever sent.
"""

from __future__ import annotations

import base64
import html
import json
import shlex
import unicodedata
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote, quote_plus

from contract.errors import ConfigurationError

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "Redactor",
    "check_key",
    "check_secret",
    "redact",
    "secret_forms",
]

REDACTED: Final = "[REDACTED]"

# Redaction replaces every occurrence of a key in what leaves the process. A short key
# ("2000", "e") also occurs by chance in dates, media types and ids, so blanking it would
# mangle the output and leaving it would print the key: such a key is refused instead.
# Close's keys and OAuth tokens are far longer.
MIN_SECRET_LENGTH: Final = 16


def check_secret(secret: str, what: str = "the API key") -> str:
    """``secret`` unchanged, or :class:`ConfigurationError` if it is too short to redact."""
    if len(secret) < MIN_SECRET_LENGTH:
        unit = "character" if len(secret) == 1 else "characters"
        raise ConfigurationError(
            f"{what} is {len(secret)} {unit} long; keys shorter "
            f"than {MIN_SECRET_LENGTH} cannot be told apart from ordinary text in responses, "
            "so they cannot be kept out of reports and logs: use a real Close API key"
        )
    return secret


def _character(char: str) -> str:
    """A character named without showing it: ``U+000D (CARRIAGE RETURN)``."""
    name = unicodedata.name(char, "") or {"\r": "CARRIAGE RETURN", "\n": "LINE FEED"}.get(
        char, "a control character"
    )
    return f"U+{ord(char):04X} ({name})"


def check_key(secret: str, what: str = "the API key") -> str:
    """``secret`` unchanged, or :class:`ConfigurationError` when it cannot be sent safely.

    Close's keys and OAuth tokens are printable ASCII without spaces. Anything else (a
    trailing carriage return from a Windows env file, a space, a non-ASCII letter) makes
    the HTTP library refuse the header with an error that quotes it, escaped, so it is
    refused here, before any request, and the message names the character, never the key.
    """
    for position, char in enumerate(secret, start=1):
        if not "!" <= char <= "~":
            hint = " (a Windows line ending in an env file?)" if char in "\r\n" else ""
            raise ConfigurationError(
                f"{what} holds {_character(char)} at character {position} of {len(secret)}"
                f"{hint}: API keys are printable ASCII without spaces; remove it and set the "
                "key again"
            )
    return check_secret(secret, what)


def _escaped(secret: str) -> set[str]:
    """The key as Python, JSON, XML/HTML and a shell write it inside a quoted string."""
    forms = {
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogatepass"))[2:-1],
        secret.encode("unicode_escape").decode("ascii"),
        secret.replace("\\", "\\\\").replace("'", "\\'"),
        secret.replace("\\", "\\\\").replace('"', '\\"'),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
        html.escape(secret, quote=False),
        html.escape(secret, quote=False).replace('"', "&quot;"),
        shlex.quote(secret),
    }
    return forms


def _encoded(secret: str) -> set[str]:
    """The key URL-encoded and as Basic credentials (padded or not, and URL-encoded)."""
    forms = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    for user in (f"{secret}:", secret):
        basic = base64.b64encode(user.encode("utf-8", "surrogatepass")).decode("ascii")
        forms |= {
            basic,
            basic.rstrip("="),
            quote(basic, safe=""),
            quote(basic.rstrip("="), safe=""),
        }
    return forms


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every form a key can take in a request, a record of one or an error message: as is;
    escaped as Python's ``repr``, JSON, XML/HTML and a shell quote it; URL-encoded (path
    and query style); and as Basic credentials (padded or not). ``Bearer KEY`` holds the
    key as is. Longest first, so no form leaves a piece of another behind; empty secrets
    are skipped (they would match everywhere)."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms |= {secret} | _escaped(secret) | _encoded(secret)
    return sorted((form for form in forms if form), key=len, reverse=True)


def redact(text: str, forms: Iterable[str]) -> str:
    """``text`` with each of ``forms`` (from :func:`secret_forms`) as ``[REDACTED]``."""
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


class Redactor:
    """Blanks every known secret, in every form :func:`secret_forms` lists, on the way out.

    The client keeps the real bytes for the checks and hands one shared redactor to each
    exchange; whatever is shown, written or recorded passes through it. Secrets learnt
    later (a second key) are blanked in exchanges made earlier as well.
    """

    __slots__ = ("_encoded", "_forms")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._forms: list[str] = []
        self._encoded: list[bytes] = []
        self.add(*secrets)

    def add(self, *secrets: str) -> None:
        """Also blank ``secrets`` (each checked against :data:`MIN_SECRET_LENGTH`)."""
        known = set(self._forms)
        secrets = tuple(secret for secret in secrets if secret not in known)
        if not secrets:
            return  # a key the client already blanks (sent on every isolation probe)
        for secret in secrets:
            check_secret(secret)
        forms = sorted(set(self._forms) | set(secret_forms(secrets)), key=len, reverse=True)
        self._forms = forms
        self._encoded = [form.encode("utf-8") for form in forms]

    @property
    def forms(self) -> tuple[str, ...]:
        """Every form blanked, longest first."""
        return tuple(self._forms)

    def __call__(self, text: str) -> str:
        return redact(text, self._forms)

    def data(self, data: bytes) -> bytes:
        """``data`` with every secret form blanked (matched as UTF-8 bytes)."""
        for form in self._encoded:
            data = data.replace(form, REDACTED.encode("ascii"))
        return data

    def tree(self, value: Any) -> Any:
        """A copy of JSON-ready ``value`` with every string (keys too) redacted."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {self.tree(k): self.tree(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.tree(item) for item in value]
        return value
