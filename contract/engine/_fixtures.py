"""Building blocks for tests that talk to a Close target themselves (the pytest fixtures).

Each piece cleans up after itself: the client is closed, the disposable lead and every
instance made for references are deleted when their context ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from contract.client import CloseClient, Pacer, RetryPolicy
from contract.config import Config
from contract.discovery import Organization, discover
from contract.ledger import Ledger
from contract.phases import References, prepare_lead, prepare_references
from contract.session import GeneratedSource, Session, Target

__all__ = ["References", "client_for", "organization_for", "references_for"]


def client_for(
    target: Target,
    config: Config,
    *,
    transport: httpx.BaseTransport | None = None,
    paced: bool | None = None,
) -> CloseClient:
    """A client for ``target`` with the configuration's auth scheme, timeouts, retries and
    bounds (bytes per body, deadline per answer, longest wait, pages per walk).

    ``transport`` replaces the network (a replay's
    :func:`~contract.cassettes.replay_transport`), or carries the requests to it (a
    recording's); by default requests go to the target. They are paced by the target's rate
    budget and ``max_rate`` when ``paced`` (by default: without a transport), never on a
    replay, where no server's budget is at stake.
    """
    if paced is None:
        paced = transport is None
    pacer = Pacer(config.max_rate, max_wait=config.max_wait) if paced else None
    return CloseClient(
        target.base_url,
        target.api_key,
        auth_scheme=config.auth_scheme,
        transport=transport,
        timeout=config.timeout,
        retry=RetryPolicy(max_attempts=config.max_attempts, max_sleep=config.max_retry_sleep),
        secrets=[k for k in (target.api_key, target.other_api_key) if k],
        pacer=pacer,
        max_response_bytes=config.max_response_bytes,
        response_timeout=config.response_timeout,
        max_wait=config.max_wait,
        max_pages=config.max_pages,
    )


def organization_for(client: CloseClient, config: Config) -> Organization:
    """Who the key is and the contract of each (chosen) custom object type."""
    return discover(client, config.custom_object_type_ids)


@contextmanager
def references_for(
    client: CloseClient,
    organization: Organization,
    config: Config,
    ledger: Ledger | None = None,
) -> Iterator[References]:
    """Ids that valid payloads may reference; what was created for them is deleted after.

    ``{"lead": [...], "user": [...], "contact": [...], "custom_object:<cotype_id>": [...]}``
    ``ledger`` (one of the client's own, else a new one) keeps what was made, so that
    instances a caller creates on the lead can be claimed with :meth:`Ledger.claim`.
    """
    ledger = Ledger(client) if ledger is None else ledger
    session = Session(config, client, ledger)
    setup = session.outcome("setup", "references", None, None)
    try:
        lead, contacts = prepare_lead(session, setup, organization)
        refs: References = {"lead": [lead], "user": [organization.user_id], "contact": contacts}
        prepare_references(
            session, GeneratedSource(config.seed, shrink=False), organization, refs, []
        )
        yield refs
    finally:
        ledger.cleanup()
