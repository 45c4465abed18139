"""Paging through a Close list: ``_skip`` past what was read while ``has_more`` holds."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from contract.client._exchange import Exchange
from contract.errors import ContractWarning

__all__ = ["Page", "PageCount", "pages"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its exchange, the object items of its ``data``, and whether
    the server says more follow. ``truncated`` marks the last page a walk read because it
    reached its bound while the server still said ``has_more``."""

    exchange: Exchange
    items: list[dict[str, Any]]
    has_more: bool
    truncated: bool = False


class PageCount:
    """What list walks read: ``pages`` in all, and ``truncated`` walks cut at their bound.

    Thread-safe: one count serves every worker of a run (see :attr:`CloseClient.paging`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pages = 0
        self.truncated = 0

    def add(self, *, truncated: bool) -> None:
        """Count one page read; ``truncated`` when its walk stopped at the bound on it."""
        with self._lock:
            self.pages += 1
            self.truncated += truncated


def pages(
    send: Callable[[Mapping[str, str]], Exchange],
    params: Mapping[str, str] | None = None,
    *,
    max_pages: int,
    count: PageCount | None = None,
) -> Iterator[Page]:
    """Each page of a list endpoint, as Close documents paging (``_skip``, ``has_more``).

    ``send(query)`` makes one request, so each caller decides how it goes out (through
    its session, with its checks). Paging ends at a page that has no items or no
    ``has_more``, or after ``max_pages``: a server that always says ``has_more`` must not
    keep a run paging forever. A walk cut there marks its last page ``truncated`` and
    warns (:class:`~contract.errors.ContractWarning`). ``count`` tallies the pages read.
    """
    base = dict(params or {})
    skip = 0
    for number in range(1, max_pages + 1):
        exchange = send({**base, "_skip": str(skip)} if skip else base)
        try:
            body: Any = exchange.json()
        except ValueError:
            body = None
        data = body.get("data") if isinstance(body, dict) else None
        rows = data if isinstance(data, list) else []
        more = bool(rows) and isinstance(body, dict) and bool(body.get("has_more"))
        truncated = more and number == max_pages
        if count is not None:
            count.add(truncated=truncated)
        if truncated:
            shown = exchange.redact(f"{exchange.method} {exchange.path}")
            warnings.warn(
                f"{shown} still said has_more after {max_pages} page(s): the server never "
                "stopped paging, so the walk stopped there (raise --max-pages if the list is "
                "really that long)",
                ContractWarning,
                stacklevel=2,
            )
        yield Page(exchange, [row for row in rows if isinstance(row, dict)], more, truncated)
        if not more:
            return
        skip += len(rows)
