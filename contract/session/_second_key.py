"""The second organization's key, proven before it proves anything.

``org_isolation`` asks whether another organization's key can see or change this one's
instances; any refusal then reads as isolation. A wrong, expired or same-organization key
is refused too, and would make every isolation probe pass against a server that leaks.
So the key is checked when the run starts (:func:`check_second_key`): its ``me/`` must
answer 200, and the organization its own reads show must differ from the first key's.
Once it was valid, a 401 to it later means the probe could not judge anything
(:func:`refused_mid_run`): the case is inconclusive, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contract.client import CloseClient, Exchange
from contract.discovery import Organization
from contract.errors import ConfigurationError

__all__ = ["SECOND_KEY", "check_second_key", "refused_mid_run"]

SECOND_KEY = "the second key (--other-api-key or CLOSE_OTHER_API_KEY)"
"""How messages name the second organization's key."""

_FIX = "pass a key of a second organization, or leave it out (org_isolation then shows as not run)"


def _json(exchange: Exchange) -> Any:
    try:
        return exchange.json()
    except ValueError:
        return None


def _ids(values: Iterable[Any]) -> set[str]:
    return {value for value in values if isinstance(value, str) and value}


def _read(client: CloseClient, key: str, path: str) -> Any:
    """The JSON body of ``GET path`` with ``key``; anything but a 200 refuses the key."""
    exchange = client.get(path, api_key=key)
    if exchange.status != 200:
        raise ConfigurationError(
            f"{SECOND_KEY} does not work: GET {path} answered {exchange.status}, expected "
            f"200, so organization isolation cannot be tested with it; {_FIX}"
        )
    return _json(exchange)


def _first_organizations(org: Organization) -> set[str]:
    """The first key's organization, as ``me/`` and its own types show it."""
    shown = [org.organization_id, *(t.definition.get("organization_id") for t in org.types)]
    return _ids(shown)


def _second_organizations(me: Any, types: Any) -> set[str]:
    """The second key's organization: what its own types say they belong to, else what its
    ``me/`` lists (a user may belong to several; its types name the key's own)."""
    items = types.get("data") if isinstance(types, dict) else None
    if isinstance(items, list):
        owned = _ids(item.get("organization_id") for item in items if isinstance(item, dict))
        if owned:
            return owned
    listed = me.get("organizations") if isinstance(me, dict) else None
    if isinstance(listed, list):
        return _ids(entry.get("id") for entry in listed if isinstance(entry, dict))
    return set()


def check_second_key(client: CloseClient, org: Organization, key: str | None) -> None:
    """Refuse (:class:`~contract.errors.ConfigurationError`, exit 2) a second key that
    cannot show isolation: one whose ``me/`` or ``custom_object_type/`` does not answer
    200, or whose organization cannot be told apart from ``org``'s (the first key's, as
    discovery found it). Two requests, sent with ``key``; nothing without a second key."""
    if key is None:
        return
    me = _read(client, key, "me/")
    types = _read(client, key, "custom_object_type/")
    first = _first_organizations(org)
    second = _second_organizations(me, types)
    if not first or not second:
        whose = "the first key's" if not first else "the second key's"
        raise ConfigurationError(
            f"cannot tell {whose} organization (neither me/ nor custom_object_type/ shows an "
            f"organization id), so {SECOND_KEY} cannot be shown to belong to another "
            f"organization; {_FIX}"
        )
    shared = sorted(first & second)
    if shared:
        raise ConfigurationError(
            f"{SECOND_KEY} reads organization {shared[0]}, the same as --api-key's: "
            f"isolation from one's own organization proves nothing; {_FIX}"
        )


def refused_mid_run(exchange: Exchange) -> str | None:
    """Why a probe with the second key judged nothing, or None when it was answered.

    The key was proven valid when the run started; a 401 now says nothing about
    isolation (the key may have expired or been revoked), so the case is inconclusive.
    """
    if exchange.status != 401:
        return None
    return (
        f"{exchange.method} {exchange.redact(exchange.path)} with {SECOND_KEY} answered 401 "
        "although the key was valid when the run started: organization isolation was not "
        "tested by this case"
    )
