"""The second organization's key, proven before it proves anything.

``org_isolation`` asks whether another organization's key can see or change this one's
instances; any refusal then reads as isolation. A wrong, expired or same-organization key
is refused too, and would make every isolation probe pass against a server that leaks.
So the key is checked when the run starts (:func:`check_second_key`): its ``me/`` must
answer 200, and the organization its own reads show must differ from the first key's.
Once it was valid, a 401 to it later means the probe could not judge anything
(:func:`refused_mid_run`): the case is inconclusive, never a pass.

What the second key reads also says what its organization holds (an
:class:`OtherOrganization`): its user and types, and with ``--other-lead-id`` that lead, its
contacts and its instances. The run names those ids in its own writes, which must be
refused (``foreign_references_refused``); it only ever reads them (GETs with the second
key), and a lead the first key can read too is refused, since a create naming it could
then land on a lead the run does not own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from contract.client import CloseClient, Exchange
from contract.discovery import Organization
from contract.errors import ConfigurationError
from contract.ids import is_id, segment

__all__ = ["SECOND_KEY", "OtherOrganization", "check_second_key", "refused_mid_run"]

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


@dataclass(frozen=True, slots=True)
class OtherOrganization:
    """Ids the second key's reads showed of its organization, for the run to name in its
    own writes (which must be refused): its ``user_id`` (``me/``), its ``type_ids`` (types
    with no required field, so a create may name one without custom values) and, with
    ``--other-lead-id``, that ``lead_id`` with its ``contact_ids`` and ``instance_ids``."""

    user_id: str | None = None
    type_ids: tuple[str, ...] = ()
    lead_id: str | None = None
    contact_ids: tuple[str, ...] = ()
    instance_ids: tuple[str, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether any id of the other organization (its user aside) is known."""
        return bool(self.type_ids or self.lead_id or self.contact_ids or self.instance_ids)


def _free_types(types: Any) -> tuple[str, ...]:
    """The ids of the types a create may name without custom values (no required field)."""
    items = types.get("data") if isinstance(types, dict) else None
    found = []
    for item in items if isinstance(items, list) else ():
        if not isinstance(item, dict) or not is_id("custom_object_type", item.get("id")):
            continue
        fields = item.get("fields")
        required = isinstance(fields, list) and any(
            isinstance(f, dict) and f.get("required") for f in fields
        )
        if not required:
            found.append(str(item["id"]))
    return tuple(found)


def _other_lead(
    client: CloseClient, key: str, lead_id: str, first: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The contacts and instances of the other organization's lead ``lead_id``, read with
    ``key``; refused when the first key can read the lead too, or the second cannot."""
    path = f"lead/{segment(lead_id)}/"
    what = f"the other organization's lead {lead_id} (--other-lead-id)"
    own = client.get(path)
    if 200 <= own.status < 300:
        raise ConfigurationError(
            f"{what} is readable with the first key too (GET {path} answered {own.status}): "
            "either it belongs to the first organization or the target shows one "
            "organization's leads to another; a create naming it could land on a lead the "
            "run does not own, so pass a lead only the second key reads"
        )
    theirs = client.get(path, api_key=key)
    body = _json(theirs)
    if theirs.status != 200 or not isinstance(body, dict):
        raise ConfigurationError(
            f"{SECOND_KEY} cannot read {what}: GET {path} answered {theirs.status}, expected "
            "200 with the lead; pass a lead of the second organization, or leave it out"
        )
    organization = body.get("organization_id")
    if isinstance(organization, str) and organization in first:
        raise ConfigurationError(
            f"{what} belongs to the first key's organization {organization}: pass a lead of "
            "the second organization"
        )
    contacts = body.get("contacts")
    contact_ids = tuple(
        str(c["id"])
        for c in (contacts if isinstance(contacts, list) else ())
        if isinstance(c, dict) and is_id("contact", c.get("id"))
    )
    listed = client.get("custom_object/", params={"lead_id": lead_id}, api_key=key)
    items = _json(listed)
    data = items.get("data") if listed.status == 200 and isinstance(items, dict) else None
    instance_ids = tuple(
        str(i["id"])
        for i in (data if isinstance(data, list) else ())
        if isinstance(i, dict) and is_id("custom_object", i.get("id"))
    )
    return contact_ids, instance_ids


def check_second_key(
    client: CloseClient, org: Organization, key: str | None, other_lead_id: str | None = None
) -> OtherOrganization | None:
    """Refuse (:class:`~contract.errors.ConfigurationError`, exit 2) a second key that
    cannot show isolation: one whose ``me/`` or ``custom_object_type/`` does not answer
    200, or whose organization cannot be told apart from ``org``'s (the first key's, as
    discovery found it). Two requests, sent with ``key``; nothing without a second key.

    Returns what those reads showed of the other organization; with ``other_lead_id``
    also that lead's contacts and instances (a GET of it with the first key, which must
    not find it, then GETs of it and its instances with ``key``)."""
    if key is None:
        return None
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
    user = me.get("id") if isinstance(me, dict) else None
    contacts: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()
    if other_lead_id is not None:
        contacts, instances = _other_lead(client, key, other_lead_id, first)
    return OtherOrganization(
        user_id=user if is_id("user", user) else None,
        type_ids=_free_types(types),
        lead_id=other_lead_id,
        contact_ids=contacts,
        instance_ids=instances,
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
