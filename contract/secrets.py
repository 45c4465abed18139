"""Keys and how they are kept out of everything the toolkit shows, writes or records.

Checks always see the real bytes; redaction happens on the way out, through
:class:`Redactor` (or :func:`redact` with :func:`secret_forms`), and blanks every form a
key takes on the wire: as is, URL-encoded and as Basic credentials.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any, Final
from urllib.parse import quote

from contract.errors import ConfigurationError

__all__ = ["MIN_SECRET_LENGTH", "REDACTED", "Redactor", "check_secret", "redact", "secret_forms"]

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


def secret_forms(secrets: Iterable[str]) -> list[str]:
    """Every form a key can take in a request or a record of one: as is, URL-encoded, and
    as Basic credentials (padded or not). Longest first, so no form leaves a piece of
    another behind; empty secrets are skipped (they would match everywhere)."""
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            basic = base64.b64encode(f"{secret}:".encode()).decode("ascii")
            forms |= {secret, quote(secret, safe=""), basic, basic.rstrip("=")}
    return sorted(forms, key=len, reverse=True)


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
