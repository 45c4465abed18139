"""Probes with what another organization holds: its ids named in the run's own writes, and
its key's answer for an id that exists nowhere.

Both run on the first valid lifecycle of each type, once the second key's probes of the
run's instance are done (see :func:`contract.phases.valid_lifecycle`):

- :func:`existence_probe` asks, with the second key, for an id that exists nowhere; its
  status must be the one the run's own instance got (``existence_not_leaked``);
- :func:`foreign_reference_probes` creates on the run's own lead, and PUTs the run's own
  proven instance, with one id of the other organization each (its type, its user, and
  with ``--other-lead-id`` its lead, a contact and an instance of it): each must be
  refused (``foreign_references_refused``; ``foreign_user_refused`` for the user).

The ids come only from the second key's reads at the start (GETs; see
:class:`~contract.session.OtherOrganization`). The first key never sends a request to
them: it only names them in bodies, and its writes go where a run's writes always go, a
create on ``custom_object/`` (one a faulty server accepts is claimed, and proven the run's
own or left alone, like any other) and a PUT of the run's own proven instance.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from contract.checks import CheckContext, Operation, Step
from contract.client import Exchange
from contract.discovery import TypeContract
from contract.ids import segment
from contract.session import OtherOrganization, Outcome, Session, refused_mid_run

__all__ = [
    "Creates",
    "Proves",
    "Reference",
    "existence_probe",
    "foreign_reference_probes",
    "nowhere_id",
    "references",
]

# Close documents no status for a reference it cannot resolve: an unknown id in a body is
# refused as a bad request or as not found (as for a nonexistent lead: 400 or 404).
_REFUSED = frozenset({400, 404})


class Creates(Protocol):
    """``post_create``: POST ``custom_object/`` and write down what it created."""

    def __call__(
        self, s: Session, outcome: Outcome, kind: str, payload: Any, **options: Any
    ) -> tuple[Exchange, str | None]: ...


class Proves(Protocol):
    """``prove_created``: whether an instance a create answered is proven the run's own."""

    def __call__(self, s: Session, outcome: Outcome, object_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class Reference:
    """One id of the other organization and where a body names it: ``key`` holds
    ``value`` (a list for a multi-value field); ``kind`` labels the requests, ``what``
    says it in messages; ``step`` says which check judges the answer; ``put`` whether a
    PUT of the run's instance names it too."""

    kind: str
    key: str
    value: Any
    what: str
    step: Step = "foreign_reference"
    put: bool = True


def _field(tc: TypeContract, kind: str) -> Mapping[str, Any] | None:
    return next((f for f in tc.fields if f.get("type") == kind and f.get("id")), None)


def _valued(field: Mapping[str, Any], value: str) -> Any:
    return [value] if field.get("accepts_multiple_values") else value


def references(tc: TypeContract, other: OtherOrganization, user_id: str | None) -> list[Reference]:
    """The other organization's ids a write of type ``tc`` can name, each once."""
    found: list[Reference] = []
    if other.lead_id is not None:
        found.append(Reference("lead", "lead_id", other.lead_id, "the other organization's lead"))
    if other.type_ids:
        what = "the other organization's custom object type"
        found.append(Reference("type", "custom_object_type_id", other.type_ids[0], what, put=False))
    for kind, ids, what in (
        ("contact", other.contact_ids, "a contact of the other organization's lead"),
        ("custom_object", other.instance_ids, "an instance of the other organization's lead"),
    ):
        field = _field(tc, kind)
        if field is not None and ids:
            found.append(Reference(kind, f"custom.{field['id']}", _valued(field, ids[0]), what))
    user = _field(tc, "user")
    # A user of both organizations may be named by either: a warning, and only on create,
    # so that an accepted reference never changes the instance the lifecycle follows.
    if user is not None and other.user_id is not None and other.user_id != user_id:
        found.append(
            Reference(
                "user",
                f"custom.{user['id']}",
                _valued(user, other.user_id),
                "the other organization's user",
                step="foreign_user",
                put=False,
            )
        )
    return found


def _judge(
    outcome: Outcome, exchange: Exchange, reference: Reference, operation: Operation, note: str
) -> None:
    outcome.judge(
        CheckContext(
            exchange,
            operation,
            _REFUSED,
            case=outcome.case,
            prediction={"foreign": {reference.key: reference.value}, "what": reference.what},
            note=note,
            step=reference.step,
        )
    )


def foreign_reference_probes(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    payload: Mapping[str, Any],
    object_id: str,
    *,
    create: Creates,
    prove: Proves,
) -> None:
    """Create (on the run's own lead) and PUT the run's own instance ``object_id``, each
    naming one id of the other organization; ``payload`` is the case's valid create body."""
    other = s.other
    if other is None:
        return
    found = references(tc, other, s.user_id)
    for reference in found:
        if reference.kind == "type":
            # The type's own custom keys would be refused whatever the type id said.
            body = {k: v for k, v in payload.items() if not k.startswith("custom.")}
        else:
            body = dict(payload)
        body[reference.key] = reference.value
        exchange, accepted = create(s, outcome, f"foreign:create_{reference.kind}", body, json=body)
        note = f"The create named {reference.what} ({reference.key}={reference.value!r})."
        _judge(outcome, exchange, reference, "create", note)
        if accepted is not None:
            prove(s, outcome, accepted)
    path = f"custom_object/{segment(object_id)}/"
    for reference in (r for r in found if r.put):
        update = {reference.key: reference.value}
        exchange = s.send(outcome, f"foreign:update_{reference.kind}", "PUT", path, json=update)
        note = f"The PUT of the run's own instance was {update!r}."
        _judge(outcome, exchange, reference, "update", note)


def nowhere_id(seed: int) -> str:
    """A well-formed instance id that exists nowhere (made up, seeded: the same each run)."""
    rng = random.Random(f"nowhere:{seed}")
    return "custobj_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(43))


def existence_probe(s: Session, outcome: Outcome, instance_status: int) -> None:
    """GET an id that exists nowhere with the second key; its answer must be the
    ``instance_status`` the run's own instance got from that key (a 4xx: a 2xx is
    ``org_isolation``'s to report, and then there is nothing to compare)."""
    key = s.other_api_key
    if key is None or not 400 <= instance_status < 500 or instance_status == 429:
        return
    path = f"custom_object/{nowhere_id(s.config.seed)}/"
    exchange = s.send(outcome, "isolation:GET_nowhere", "GET", path, api_key=key)
    refused = refused_mid_run(exchange)
    if refused is not None:
        outcome.inconclusive = refused
        return
    outcome.judge(
        CheckContext(
            exchange,
            "probe",
            frozenset({instance_status}),
            case=outcome.case,
            note=f"The same key's GET of the run's own instance answered {instance_status}.",
            key="other",
            step="existence",
        )
    )
