"""Paging through a Close list: ``_skip`` past what was read while ``has_more`` holds."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from contract.client._exchange import Exchange

__all__ = ["Page", "pages"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its exchange, the object items of its ``data``, and whether
    the server says more follow."""

    exchange: Exchange
    items: list[dict[str, Any]]
    has_more: bool


def pages(
    send: Callable[[Mapping[str, str]], Exchange],
    params: Mapping[str, str] | None = None,
    *,
    max_pages: int,
) -> Iterator[Page]:
    """Each page of a list endpoint, as Close documents paging (``_skip``, ``has_more``).

    ``send(query)`` makes one request, so each caller decides how it goes out (through
    its session, with its checks). Paging ends at a page that has no items or no
    ``has_more``, or after ``max_pages``: a server that always says ``has_more`` must not
    keep a run paging forever.
    """
    base = dict(params or {})
    skip = 0
    for _ in range(max_pages):
        exchange = send({**base, "_skip": str(skip)} if skip else base)
        try:
            body: Any = exchange.json()
        except ValueError:
            body = None
        data = body.get("data") if isinstance(body, dict) else None
        rows = data if isinstance(data, list) else []
        more = bool(rows) and isinstance(body, dict) and bool(body.get("has_more"))
        yield Page(exchange, [row for row in rows if isinstance(row, dict)], more)
        if not more:
            return
        skip += len(rows)
