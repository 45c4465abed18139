"""HTTP details of the client: base URLs, auth headers, rate-limit waits, header lookups."""

from __future__ import annotations

import base64
import email.utils
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final, Literal
from urllib.parse import quote, urlsplit

import httpx

from contract.errors import ConfigurationError

__all__ = [
    "MIN_SECRET_LENGTH",
    "REDACTED",
    "Redactor",
    "authorization",
    "check_base_url",
    "check_secret",
    "header",
    "header_dict",
    "http_date_wait",
    "octal_escape",
    "plural_s",
    "rate_limit_wait",
    "raw_headers",
    "redact",
    "secret_forms",
    "parse_seconds",
    "strip_userinfo",
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
        raise ConfigurationError(
            f"{what} is {len(secret)} character{plural_s(len(secret))} long; keys shorter "
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


def check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url.strip())
    example = "e.g. https://api.close.com/api/v1 or http://127.0.0.1:8000/api/v1"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"base URL {base_url!r} is not usable: expected an http:// or https:// "
            f"URL with a host, {example}"
        )
    if parts.username is not None or parts.query or parts.fragment:
        # Credentials in the URL would leak into every exchange; a query would be lost.
        raise ConfigurationError(
            f"base URL {strip_userinfo(base_url)!r} must be the bare API root without "
            f"credentials, query or fragment, {example} (pass the key as api_key)"
        )
    return base_url.strip().rstrip("/")


def strip_userinfo(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="[REDACTED]@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def authorization(scheme: Literal["basic", "bearer"], key: str) -> str:
    if scheme == "bearer":
        return f"Bearer {key}"
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds a 429 asks to wait, from the headers Close's client reads, in its order."""
    rate_limit = response.headers.get("ratelimit")
    if rate_limit is not None:
        # Documented as "limit=100, remaining=0, reset=5"; ";" has been observed too.
        for item in re.split(r"[,;]", rate_limit):
            name, _, value = item.partition("=")
            if name.strip().lower() == "reset":
                wait = parse_seconds(value)
                if wait is not None:
                    return wait
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:
        seconds = parse_seconds(retry_after)
        if seconds is None:
            seconds = http_date_wait(retry_after)
        if seconds is not None:
            return seconds
    reset = response.headers.get("ratelimit-reset")
    return parse_seconds(reset) if reset is not None else None


def parse_seconds(text: str) -> float | None:
    try:
        value = float(text.strip().strip('"'))
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def http_date_wait(text: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def raw_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    # .raw keeps the casing that went over the wire, which reads better in reports and curl.
    encoding = headers.encoding
    return [(k.decode(encoding), v.decode(encoding)) for k, v in headers.raw]


def header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def header_dict(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def octal_escape(data: bytes) -> str:
    # printf's %b understands \0NNN everywhere (POSIX), unlike \xHH.
    safe = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.:;{}[]-_=+/")
    return "".join(chr(b) if b in safe else f"\\0{b:03o}" for b in data)


def plural_s(count: int) -> str:
    return "" if count == 1 else "s"
