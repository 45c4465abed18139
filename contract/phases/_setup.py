"""Set a run up: its lead (given or disposable) and one instance of each referenced type.

Reference values for ``user``, ``contact`` and ``custom_object`` fields must be real ids:
the key's user, the lead's contact, and an instance of the referenced type created first.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from contract.client import Exchange
from contract.config import OptionError
from contract.discovery import Organization, TypeContract
from contract.errors import NotProvablyOurs, TargetUnreachable
from contract.ids import IdShapeError, check_id, is_id, segment, shown
from contract.interrupts import hold_interrupts
from contract.ledger import Owner, json_body
from contract.phases._lifecycle import create_only
from contract.session import CaseSource, Inconclusive, Outcome, Session
from strategies import MissingReferenceError, valid_payloads

__all__ = [
    "References",
    "owner_of",
    "prepare_decoys",
    "prepare_lead",
    "prepare_references",
    "prepare_stateful_leads",
    "reference_order",
]

References = dict[str, list[str]]
_LEAD_ATTEMPTS = 3
# The contact's name when the run has no token (a replay of a recording made before it).
_CONTACT = "close-contract contact"
# The stateful phase's leads: two for its tour and two for the sequences Hypothesis draws
# (two each, so that its lists have another lead's instances to leave out).
_STATEFUL_LEADS = ("stateful tour", "second stateful tour", "stateful", "second stateful")


def owner_of(org: Organization, token: str) -> Owner:
    """Whose the run's data must be: the key's user and organization (as discovery proved
    it: the ``organization_id`` the key's own reads show, listed by ``me/``)."""
    organizations = frozenset({org.organization_id}) if org.organization_id else frozenset()
    return Owner(org.user_id, organizations, token)


def prepare_lead(
    s: Session, outcome: Outcome, org: Organization | None = None
) -> tuple[str, list[str]]:
    """The run's lead and its contacts: the given one, or a new disposable lead.

    With ``org`` (who the key is), every lead the run creates must prove its own before
    anything is written to it (see :mod:`contract.ledger._ownership`); a lead that does
    not raises :class:`~contract.errors.NotProvablyOurs` (exit 3) and nothing is written.
    """
    if org is not None:
        s.ledger.owner = owner_of(org, s.run_token)
    config = s.config
    if config.lead_id:
        lead_id = _given_lead_id(config.lead_id)
        exchange = s.send(outcome, "setup:lead", "GET", f"lead/{segment(lead_id)}/")
        if exchange.status == 404:
            raise OptionError(
                "{lead_id} {given}: no such lead in this organization (GET answered 404)",
                given=lead_id,
            )
        body = json_body(exchange) if exchange.status == 200 else None
        lead: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
        s.ledger.given_lead = lead_id
        _list_preexisting(s, lead_id)
    else:
        lead = _disposable_lead(s, outcome)
        lead_id = str(lead["id"])
    return lead_id, _contacts_of(lead)


def _given_lead_id(value: str) -> str:
    """``--lead-id`` when it is exactly one lead id, else ConfigurationError (exit 2)."""
    try:
        return check_id("lead", value)
    except IdShapeError as exc:
        raise OptionError(
            "{lead_id}: {problem}; pass exactly one lead id, as Close shows it (lead_…)",
            problem=exc,
        ) from None


def _contacts_of(lead: Mapping[str, Any]) -> list[str]:
    contacts = lead.get("contacts")
    found = (
        [c.get("id") for c in contacts if isinstance(c, Mapping)]
        if isinstance(contacts, list)
        else []
    )
    return [c for c in found if isinstance(c, str) and is_id("contact", c)]


def _list_preexisting(s: Session, lead_id: str) -> None:
    """Before the first write to the user's lead: the instances it holds are never the
    run's, whatever a create answer later says."""

    def send(query: Mapping[str, str]) -> Exchange:
        return s.client.get("custom_object/", params=query)

    for page in s.client.pages(send, {"lead_id": lead_id}):
        if page.exchange.status != 200:
            raise NotProvablyOurs(
                f"--lead-id {lead_id}: the list of the instances it holds answered "
                f"{page.exchange.status}, so the run cannot tell them from its own; nothing "
                "was written (try again, or let the run make a lead of its own)"
            )
        s.ledger.preexisting.update(
            str(item["id"]) for item in page.items if isinstance(item.get("id"), str)
        )


def _disposable_lead(s: Session, outcome: Outcome, role: str = "disposable") -> dict[str, Any]:
    """Create the run's own lead and prove it its own; an unanswered create is looked for
    before another try.

    The name (and its contact's) carries the run's token, so a lead that shows up under it,
    created by the key's user in the key's organization, is provably the run's own (see
    :meth:`~contract.ledger._ledger.Ledger.adopt_lead`).
    """
    token = f", run {s.run_token}" if s.run_token else ""
    main = role == "disposable"
    for attempt in range(_LEAD_ATTEMPTS):
        number = f" #{attempt + 1}" if attempt else ""
        name = f"close-contract {role} lead (seed {s.config.seed}{token}){number}"
        contact = f"close-contract contact (run {s.run_token})" if s.run_token else _CONTACT
        body = {"name": name, "contacts": [{"name": contact}]}
        # Ctrl-C waits until the new lead is in the ledger, so cleanup always deletes it.
        with hold_interrupts():
            s.ledger.note("lead_intent", token=s.run_token, name=name)
            try:
                exchange = s.send(outcome, "setup:lead", "POST", "lead/", json=body)
            except Inconclusive:
                if not s.run_token:
                    # Without the token (a recording made before it existed) the name is
                    # not the run's alone: no lead of that name can be proven the run's own.
                    raise TargetUnreachable(
                        f"POST lead/ went unanswered; if it created a lead named {name!r}, "
                        "delete it by hand (it cannot be told apart from other runs' leads)"
                    ) from None
                found = s.ledger.adopt_lead(name, main=main)
                if found is None:
                    _refuse_unproven(s, role)
                    continue
                outcome.inconclusive = None  # the lead was found: setup goes on as planned
                return found
            lead = json_body(exchange)
            if 200 <= exchange.status < 300 and isinstance(lead, dict) and "id" in lead:
                outcome.inconclusive = None  # an earlier unanswered try made nothing visible
                return _proven_lead(s, lead, name, role)
        raise OptionError(
            "could not create a {role} lead: POST lead/ answered {status}; "
            "pass {lead_id.flag} to use an existing lead",
            role=role,
            status=exchange.status,
        )
    raise TargetUnreachable(
        f"could not create a {role} lead: {_LEAD_ATTEMPTS} creates went unanswered"
    )


def _proven_lead(s: Session, lead: dict[str, Any], name: str, role: str) -> dict[str, Any]:
    """The lead a create answered, once a GET of it proved it the run's own."""
    lead_id = lead["id"]
    if not is_id("lead", lead_id):
        s.ledger.unaddressable.append(
            f"lead named {name!r}: left alone: the create answered the id {shown(lead_id)}"
        )
        raise NotProvablyOurs(
            f"POST lead/ answered the id {shown(lead_id)}, not a lead id, so the run's {role} "
            f"lead cannot be proven its own; nothing was written to it (a lead named {name!r} "
            "may be left behind)"
        )
    contacts = _contacts_of(lead)
    s.ledger.note("lead_created", id=lead_id, contacts=contacts)
    why = s.ledger.prove_lead(lead_id, known_contacts=set(contacts), name=name, fresh=True)
    if why is not None:
        s.ledger.mark_not_ours(lead_id, why, kind="lead")
        raise NotProvablyOurs(
            f"the run's {role} lead is not provably its own, so nothing is written to it: {why}"
        )
    s.ledger.own_lead(lead_id, main=role == "disposable", contacts=contacts)
    return lead


def _refuse_unproven(s: Session, role: str) -> None:
    """A lead found under the run's name that failed its proof stops the run."""
    refused = [why for (kind, _), why in s.ledger.not_ours.items() if kind == "lead"]
    if refused:
        raise NotProvablyOurs(
            f"the run's {role} lead is not provably its own, so nothing is written to it: "
            f"{refused[-1]}"
        )


def reference_order(org: Organization) -> list[TypeContract]:
    """Types whose instances other types point to, dependencies first."""
    by_id = {t.type_id: t for t in org.types}
    needed = set().union(*(t.referenced_types for t in org.types)) & set(by_id)
    ordered: list[TypeContract] = []
    while needed:
        ready = sorted(n for n in needed if not (by_id[n].referenced_types & needed) - {n})
        if not ready:
            ready = sorted(needed)  # a cycle: optional fields are left out, required ones fail
        for type_id in ready:
            ordered.append(by_id[type_id])
            needed.discard(type_id)
    return ordered


def prepare_references(
    s: Session, source: CaseSource, org: Organization, refs: References, outcomes: list[Outcome]
) -> None:
    """Create one instance of every type another type's fields refer to, referenced types
    first, and add each proven id to ``refs``."""
    for tc in reference_order(org):
        try:
            created = source.batch(
                f"setup:{tc.type_id}",
                functools.partial(valid_payloads, tc.request_schema, references=refs),
                functools.partial(create_only, s, tc, phase="setup"),
                1,
            )
        except MissingReferenceError:
            continue  # its valid phase will say what is missing
        for outcome in created:
            outcomes.append(outcome)
            for exchange in outcome.exchanges:
                if exchange.method != "POST" or not 200 <= exchange.status < 300:
                    continue
                body = json_body(exchange)
                object_id = body.get("id") if isinstance(body, dict) else None
                # An id the API got wrong is already a violation, and one not proven the
                # run's own is not to be pointed at: neither can be a reference.
                if isinstance(object_id, str) and s.ledger.is_ours(object_id):
                    refs.setdefault(f"custom_object:{tc.type_id}", []).append(object_id)
                    s.ledger.referable.add(object_id)  # other instances point to it


def prepare_decoys(
    s: Session, source: CaseSource, org: Organization, refs: References, outcomes: list[Outcome]
) -> None:
    """A second lead of the run's own with one instance of each type.

    A list filtered by ``lead_id`` has then something to leave out: without instances on
    another lead, a list that ignored its filter would look right. Skipped with
    ``--lead-id``, where the run creates no lead of its own.
    """
    if s.config.lead_id:
        return
    setup = s.outcome("setup", "decoy lead", None, None)
    outcomes.append(setup)
    decoy = str(_disposable_lead(s, setup, role="decoy")["id"])
    on_decoy = {**refs, "lead": [decoy]}
    for tc in org.types:
        try:
            outcomes.extend(
                source.batch(
                    f"decoy:{tc.type_id}",
                    functools.partial(valid_payloads, tc.request_schema, references=on_decoy),
                    functools.partial(create_only, s, tc, phase="setup"),
                    1,
                )
            )
        except MissingReferenceError:
            continue  # its valid phase will say what is missing


def prepare_stateful_leads(s: Session, outcomes: list[Outcome]) -> list[str]:
    """The stateful phase's own leads: the tour's two, then the other sequences' two
    (none with ``--lead-id``).

    No case of the other phases touches them, so what a list of them must hold is known
    exactly whatever runs at the same time, and the phase can run alongside the others.
    """
    if s.config.lead_id:
        return []
    setup = s.outcome("setup", "stateful leads", None, None)
    outcomes.append(setup)
    return [str(_disposable_lead(s, setup, role=role)["id"]) for role in _STATEFUL_LEADS]
