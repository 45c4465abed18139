"""Wire details of the client: base URLs, auth headers, rate-limit waits, header lookups."""

from __future__ import annotations

import base64
import email.utils
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx

from contract.errors import ConfigurationError

__all__ = [
    "authorization",
    "check_base_url",
    "header",
    "header_dict",
    "http_date_wait",
    "octal_escape",
    "parse_seconds",
    "plural_s",
    "rate_limit_hint",
    "rate_limit_wait",
    "raw_headers",
    "strip_userinfo",
]


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


def rate_limit_wait(header: Callable[[str], str | None]) -> float | None:
    """Seconds a 429 (or 503) asks to wait, from the headers Close's client reads, in its
    order: ``RateLimit``'s ``reset``, ``Retry-After`` (seconds or an HTTP date), then
    ``RateLimit-Reset``. ``header(name)`` gives a header's value by lower-case name, so
    any HTTP library's response can be read (``rate_limit_wait(response.headers.get)``).
    """
    hint = rate_limit_hint(header)
    return hint[0] if hint is not None else None


def rate_limit_hint(header: Callable[[str], str | None]) -> tuple[float, str] | None:
    """:func:`rate_limit_wait`'s seconds with the header that asked for them, as shown in
    a message (``RateLimit reset=5``, ``Retry-After: 7``)."""
    rate_limit = header("ratelimit")
    if rate_limit is not None:
        # Documented as "limit=100, remaining=0, reset=5"; ";" has been observed too.
        for item in re.split(r"[,;]", rate_limit):
            name, _, value = item.partition("=")
            if name.strip().lower() == "reset":
                wait = parse_seconds(value)
                if wait is not None:
                    return wait, f"RateLimit reset={value.strip()[:40]}"
    retry_after = header("retry-after")
    if retry_after is not None:
        seconds = parse_seconds(retry_after)
        if seconds is None:
            seconds = http_date_wait(retry_after)
        if seconds is not None:
            return seconds, f"Retry-After: {retry_after.strip()[:40]}"
    reset = header("ratelimit-reset")
    seconds = parse_seconds(reset) if reset is not None else None
    if reset is None or seconds is None:
        return None
    return seconds, f"RateLimit-Reset: {reset.strip()[:40]}"


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
