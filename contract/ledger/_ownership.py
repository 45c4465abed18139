"""Proofs of ownership: what a GET must show before the run writes to a lead or instance.

The server under test is not trusted to say what the run created: a create answer may
carry another lead's or instance's id. So the run writes to (updates, deletes) only

- a lead that a GET of its id, right after the create, shows with the run's token in its
  name, the key's user as creator, the key's organization, and no contact or instance the
  run did not make (tasks and opportunities that integrations add do not count):
  :func:`prove_lead`;
- an instance that a GET of its id shows on the run's verified lead, of the type the run
  sent, in the key's organization (and, on the user's own ``--lead-id`` lead, with the
  name the run sent and the key's user as creator): :func:`prove_instance`. A read that
  places it elsewhere makes it *not ours*: reported, never written to.

Both read through any client; the ``close-contract cleanup`` command uses them as well.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from contract.client import CloseClient, Exchange
from contract.errors import ContractError
from contract.ids import check_id, is_id, segment, shown

__all__ = ["Owner", "Verdict", "json_body", "judge_instance", "prove_instance", "prove_lead"]


@dataclass(frozen=True, slots=True)
class Owner:
    """Who the run's data must belong to: the key's user and organization (as its own
    reads show it, and as ``me/`` lists it), and the run's token."""

    user_id: str
    organization_ids: frozenset[str]
    token: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a GET of an instance proved.

    ``ours``: it may be written to. Otherwise ``why`` says why not in one line;
    ``elsewhere``: the read placed it on another lead, type or organization (it is *not
    ours*, for good); ``absent``: the GET answered 404 (there is nothing to write to).
    Neither: the read could not tell (a 5xx, a body that is not JSON), try again later.
    """

    ours: bool
    why: str = ""
    elsewhere: bool = False
    absent: bool = False


def json_body(exchange: Exchange) -> Any:
    """The answer's JSON body, or None when it has none a reader can use (not JSON, not
    UTF-8, nested past the parser's depth)."""
    try:
        return exchange.json()
    except (ValueError, RecursionError):
        return None


def _get(client: CloseClient, path: str) -> Exchange | str:
    try:
        return client.get(path)
    except ContractError as exc:
        return str(exc)


def prove_lead(
    client: CloseClient,
    lead_id: str,
    *,
    token: str,
    user_id: str,
    organization_ids: Collection[str],
    known_contacts: Collection[str] | None,
    known_instances: Collection[str],
    name: str | None = None,
    fresh: bool = False,
) -> str | None:
    """None when a GET of ``lead_id`` proves the lead the run's own, else why not (one line).

    ``fresh``: the lead was created a moment ago under a token no one else has, so a list
    of its instances that cannot be read is the list endpoint's fault, which the run then
    reports as a violation, not a sign that the lead is someone else's. Before a lead is
    deleted (which deletes what is on it) the list must be readable.

    The GET must show the id asked for, ``token`` in its name (``name`` exactly, when
    given), ``user_id`` as ``created_by``, an ``organization_id`` among
    ``organization_ids``, and only contacts of ``known_contacts`` (None: any contact whose
    name carries ``token``). A list of its instances (each one the list places on this
    lead and that ``known_instances`` does not hold is read by its own GET) must show none
    the run did not make; one the GET places on another lead is the list's fault, not
    this lead's content.
    """
    try:
        check_id("lead", lead_id)
    except ValueError as exc:
        return str(exc)
    path = f"lead/{segment(lead_id)}/"
    exchange = _get(client, path)
    if isinstance(exchange, str):
        return f"GET {path} went unanswered: {exchange}"
    if exchange.status != 200:
        return f"GET {path} answered {exchange.status}"
    lead = json_body(exchange)
    if not isinstance(lead, Mapping):
        return f"GET {path} did not answer a JSON object"
    why = _lead_fields(lead, lead_id, token, user_id, organization_ids, name)
    if why is None:
        why = _contacts(lead, token, known_contacts)
    if why is None:
        why = _instances(client, lead_id, known_instances, fresh)
    return None if why is None else f"lead {lead_id}: {why}"


def _lead_fields(
    lead: Mapping[str, Any],
    lead_id: str,
    token: str,
    user_id: str,
    organization_ids: Collection[str],
    name: str | None,
) -> str | None:
    shown_name = lead.get("name")
    if lead.get("id") != lead_id:
        return f"its GET shows the id {shown(lead.get('id'))}"
    if name is not None and shown_name != name:
        return f"its GET shows the name {shown(shown_name)}, not {shown(name)}"
    if not token or not isinstance(shown_name, str) or token not in shown_name:
        return f"its GET shows the name {shown(shown_name)}, without the run's token {token!r}"
    if lead.get("created_by") != user_id:
        return f"its GET shows {shown(lead.get('created_by'))} as creator, not the key's user"
    if lead.get("organization_id") not in organization_ids:
        return f"its GET shows the organization {shown(lead.get('organization_id'))}, not the key's"
    return None


def _contacts(
    lead: Mapping[str, Any], token: str, known_contacts: Collection[str] | None
) -> str | None:
    contacts = lead.get("contacts")
    if contacts is None:
        return None
    if not isinstance(contacts, list):
        return "its GET shows contacts that are not a list"
    for contact in contacts:
        contact_id = contact.get("id") if isinstance(contact, Mapping) else None
        if known_contacts is not None:
            if contact_id not in known_contacts:
                return f"it holds the contact {shown(contact_id)}, which the run did not make"
            continue
        name = contact.get("name") if isinstance(contact, Mapping) else None
        if not isinstance(name, str) or token not in name:
            return f"it holds the contact {shown(contact_id)}, whose name lacks the run's token"
    return None


def _instances(
    client: CloseClient, lead_id: str, known: Collection[str], fresh: bool
) -> str | None:
    def send(query: Mapping[str, str]) -> Exchange:
        return client.get("custom_object/", params=query)

    try:
        for page in client.pages(send, {"lead_id": lead_id}):
            if page.exchange.status != 200:
                return f"the list of its instances answered {page.exchange.status}"
            body = json_body(page.exchange)
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, list) or len(page.items) != len(data):
                # Deleting a lead deletes what is on it: a list that cannot be read proves
                # nothing about what that is.
                return None if fresh else "the list of its instances is not a readable list"
            for item in page.items:
                object_id = item.get("id")
                if not isinstance(object_id, str):
                    return f"it holds the instance {shown(object_id)}, which the run did not make"
                if object_id in known or item.get("lead_id", lead_id) != lead_id:
                    continue  # the run's own, or placed elsewhere by a list that ignores lead_id
                if not is_id("custom_object", object_id):
                    return f"it holds the instance {shown(object_id)}, which the run did not make"
                verdict = judge_instance(
                    _get(client, f"custom_object/{segment(object_id)}/"),
                    object_id,
                    lead_id=lead_id,
                    type_id=None,
                    organization_ids=None,
                )
                if verdict.ours or not (verdict.elsewhere or verdict.absent):
                    return f"it holds the instance {object_id}, which the run did not make"
    except ContractError as exc:
        return f"the list of its instances went unanswered: {exc}"
    return None


def judge_instance(
    exchange: Exchange | str,
    object_id: str,
    *,
    lead_id: str,
    type_id: str | None,
    organization_ids: Collection[str] | None,
    user_id: str | None = None,
    name: str | None = None,
) -> Verdict:
    """What the answer to ``GET custom_object/{object_id}/`` (or why it went unanswered)
    proves: ours when it shows ``object_id`` on ``lead_id``, of ``type_id`` (any when None),
    in one of ``organization_ids`` (any when None), and, when given, created by ``user_id``
    with the name ``name``."""
    if isinstance(exchange, str):
        return Verdict(False, f"its GET went unanswered: {exchange}")
    if exchange.status == 404:
        return Verdict(False, "its GET answered 404", absent=True)
    if exchange.status != 200:
        return Verdict(False, f"its GET answered {exchange.status}")
    body = json_body(exchange)
    if not isinstance(body, Mapping):
        return Verdict(False, "its GET did not answer a JSON object")
    checks: list[tuple[str, Any, Callable[[Any], bool]]] = [
        ("id", object_id, lambda v: v == object_id),
        ("lead_id", lead_id, lambda v: v == lead_id),
    ]
    if type_id is not None:
        checks.append(("custom_object_type_id", type_id, lambda v: v == type_id))
    if organization_ids is not None:
        checks.append(("organization_id", "the key's", lambda v: v in organization_ids))
    if user_id is not None:
        checks.append(("created_by", "the key's user", lambda v: v == user_id))
    if name is not None:
        checks.append(("name", name, lambda v: v == name))
    for key, expected, holds in checks:
        if not holds(body.get(key)):
            return Verdict(
                False,
                f"its GET shows {key} {shown(body.get(key))}, not {shown(expected)}",
                elsewhere=True,
            )
    return Verdict(True)


def prove_instance(
    client: CloseClient,
    object_id: str,
    *,
    lead_id: str,
    type_id: str | None,
    organization_ids: Collection[str],
    user_id: str | None = None,
    name: str | None = None,
) -> str | None:
    """None when a GET of ``object_id`` proves the instance the run's own, else why not
    (see :func:`judge_instance`; pass ``user_id`` and ``name`` on a lead the run did not
    create, such as ``--lead-id``'s)."""
    try:
        check_id("custom_object", object_id)
    except ValueError as exc:
        return str(exc)
    verdict = judge_instance(
        _get(client, f"custom_object/{segment(object_id)}/"),
        object_id,
        lead_id=lead_id,
        type_id=type_id,
        organization_ids=organization_ids,
        user_id=user_id,
        name=name,
    )
    return None if verdict.ours else f"custom_object {object_id}: {verdict.why}"
