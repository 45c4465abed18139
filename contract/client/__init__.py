"""The HTTP client every target shares: auth, bounded retries and their outcome classes,
paging, and exchanges that redact themselves on output.

:class:`CloseClient` sends one request to a Close-compatible API root and returns an
:class:`Exchange`. Failed attempts are *refused* (retried) or *ambiguous* (repeated only
for idempotent methods; an unanswered create raises
:class:`~contract.errors.AmbiguousRequest`). :func:`pages` walks a paged list.
"""

from __future__ import annotations

from contract.client._client import UNSET, CloseClient, RequestOptions, RetryPolicy
from contract.client._exchange import AttemptFault, Exchange
from contract.client._paging import pages
from contract.client._wire import rate_limit_wait

__all__ = [
    "UNSET",
    "AttemptFault",
    "CloseClient",
    "Exchange",
    "RequestOptions",
    "RetryPolicy",
    "pages",
    "rate_limit_wait",
]
