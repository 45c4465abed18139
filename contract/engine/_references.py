"""Set a run up: its lead (given or disposable) and one instance of each referenced type.

Reference values for ``user``, ``contact`` and ``custom_object`` fields must be real ids:
the key's user, the lead's contact, and an instance of the referenced type created first.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from contract.discovery import Organization, TypeContract
from contract.engine._lifecycle import create_only
from contract.engine._session import Inconclusive, Outcome, Session
from contract.engine._sources import CaseSource
from contract.errors import ConfigurationError, TargetUnreachable
from contract.interrupts import hold_interrupts
from strategies import MissingReferenceError, valid_payloads

__all__ = [
    "References",
    "prepare_decoys",
    "prepare_lead",
    "prepare_references",
    "prepare_stateful_leads",
    "reference_order",
]

References = dict[str, list[str]]
_OBJECT_ID = re.compile(r"^custobj_[0-9A-Za-z]+$")
_LEAD_ATTEMPTS = 3
# The stateful phase's leads: two for its tour and two for the sequences Hypothesis draws
# (two each, so that its lists have another lead's instances to leave out).
_STATEFUL_LEADS = ("stateful tour", "second stateful tour", "stateful", "second stateful")


def prepare_lead(s: Session, outcome: Outcome) -> tuple[str, list[str]]:
    """The run's lead and its contacts: the given one, or a new disposable lead."""
    config = s.config
    if config.lead_id:
        exchange = s.send(outcome, "setup:lead", "GET", f"lead/{config.lead_id}/")
        if exchange.status == 404:
            raise ConfigurationError(
                f"--lead-id {config.lead_id}: no such lead in this organization (GET answered 404)"
            )
        lead: Any = exchange.json() if exchange.status == 200 else {}
        lead_id = config.lead_id
        s.ledger.given_lead = lead_id
    else:
        lead = _disposable_lead(s, outcome)
        lead_id = str(lead["id"])
    contacts = [
        str(c["id"]) for c in lead.get("contacts") or [] if isinstance(c, dict) and "id" in c
    ]
    return lead_id, contacts


def _disposable_lead(s: Session, outcome: Outcome, role: str = "disposable") -> dict[str, Any]:
    """Create the run's own lead; an unanswered create is looked for before another try.

    The name carries the run's token, so a lead that shows up under it is provably the
    run's own (see :meth:`~contract.ledger.Ledger.adopt_lead`).
    """
    token = f", run {s.run_token}" if s.run_token else ""
    for attempt in range(_LEAD_ATTEMPTS):
        number = f" #{attempt + 1}" if attempt else ""
        name = f"close-contract {role} lead (seed {s.config.seed}{token}){number}"
        body = {"name": name, "contacts": [{"name": "close-contract contact"}]}
        # Ctrl-C waits until the new lead is in the ledger, so cleanup always deletes it.
        with hold_interrupts():
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
                found = s.ledger.adopt_lead(name)
                if found is None:
                    continue
                outcome.inconclusive = None  # the lead was found: setup goes on as planned
                s.ledger.own_lead(str(found["id"]), main=role == "disposable")
                return found
            try:
                lead = exchange.json()
            except ValueError:
                lead = None
            if 200 <= exchange.status < 300 and isinstance(lead, dict) and "id" in lead:
                outcome.inconclusive = None  # an earlier unanswered try made nothing visible
                s.ledger.add("lead", str(lead["id"]))
                s.ledger.own_lead(str(lead["id"]), main=role == "disposable")
                return lead
        raise ConfigurationError(
            f"could not create a {role} lead: POST lead/ answered {exchange.status}; "
            "pass --lead-id to use an existing lead"
        )
    raise TargetUnreachable(
        f"could not create a {role} lead: {_LEAD_ATTEMPTS} creates went unanswered"
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
                body = exchange.json()
                object_id = body.get("id") if isinstance(body, dict) else None
                # An id the API got wrong is already a violation; it cannot be a reference.
                if isinstance(object_id, str) and _OBJECT_ID.match(object_id):
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
