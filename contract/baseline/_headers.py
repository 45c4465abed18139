"""The response headers Close documents, read into values a shape can describe.

Close documents ``RateLimit: limit=100, remaining=50, reset=5`` on its answers (``;`` as
the separator has been seen too), and HTTP's ``Retry-After`` comes with a 429. A baseline
keeps, per operation, whether each was present and its form: the fields of ``RateLimit``
and whether each held integers. Other headers are the deployment's (proxies, tracing)
and are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

__all__ = ["DOCUMENTED_HEADERS", "documented_headers", "header_value"]

DOCUMENTED_HEADERS: Final = ("RateLimit", "Retry-After")
"""The headers a baseline keeps, under these names (matched without regard to case)."""

_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_SEPARATORS = re.compile(r"[,;]")


def header_value(text: str) -> Any:
    """A header value as JSON: ``k=v`` items as an object, otherwise one value.

    ``"limit=100, remaining=50, reset=5"`` → ``{"limit": 100, "remaining": 50,
    "reset": 5}``; ``"5"`` → ``5``; numbers with a fraction stay numbers
    (``"reset=0.5"`` → ``{"reset": 0.5}``), anything else stays text.
    """
    items = [item.strip() for item in _SEPARATORS.split(text) if item.strip()]
    if items and all("=" in item for item in items):
        fields: dict[str, Any] = {}
        for item in items:
            name, _, value = item.partition("=")
            fields[name.strip().lower()] = _scalar(value.strip().strip('"'))
        return fields
    return _scalar(text.strip())


def _scalar(text: str) -> Any:
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return text


def documented_headers(headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The documented headers among ``headers``, by their documented name, read with
    :func:`header_value` (a header repeated is read as its values joined by ``, ``)."""
    wanted = {name.lower(): name for name in DOCUMENTED_HEADERS}
    found: dict[str, list[str]] = {}
    for name, value in headers:
        documented = wanted.get(name.strip().lower())
        if documented is not None:
            found.setdefault(documented, []).append(value)
    return {name: header_value(", ".join(values)) for name, values in found.items()}
