"""The HTTP client every target shares: auth, bounded retries and their outcome classes,
paging, and exchanges that redact themselves on output.

:class:`CloseClient` sends one request to a Close-compatible API root and returns an
:class:`Exchange`. Failed attempts are *refused* (retried) or *ambiguous* (repeated only
for idempotent methods; an unanswered create raises
:class:`~contract.errors.AmbiguousRequest`). :func:`pages` walks a paged list. A
:class:`Pacer` spreads a run's requests by the rate budget the server reports, shared by
every worker. Every answer is read within bounds (bytes, a deadline, nesting, waits,
pages); one past them raises :class:`~contract.errors.UnreadableAnswer`.
"""

from __future__ import annotations

from contract.client._client import UNSET, CloseClient, RequestOptions, RetryPolicy
from contract.client._exchange import CASE_HEADER, AttemptFault, Exchange
from contract.client._guard import RequestGuard
from contract.client._pacing import Budget, Pacer, PaceSnapshot, rate_budget
from contract.client._paging import Page, PageCount, pages
from contract.client._reading import (
    ACCEPT_ENCODING,
    MAX_JSON_DEPTH,
    STEP,
    Unreadable,
    read_chunks,
    too_deep,
)
from contract.client._wire import rate_limit_wait

__all__ = [
    "ACCEPT_ENCODING",
    "CASE_HEADER",
    "MAX_JSON_DEPTH",
    "STEP",
    "UNSET",
    "AttemptFault",
    "Budget",
    "CloseClient",
    "Exchange",
    "PaceSnapshot",
    "Pacer",
    "Page",
    "PageCount",
    "RequestGuard",
    "RequestOptions",
    "RetryPolicy",
    "Unreadable",
    "pages",
    "rate_budget",
    "rate_limit_wait",
    "read_chunks",
    "too_deep",
]
