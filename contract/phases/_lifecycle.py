"""What the run does with each case: a valid create's whole lifecycle, an invalid create,
the authentication and isolation probes on a live instance, and the unknown-id probes."""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from contract.checks import CheckContext, Operation, echoed
from contract.client import UNSET, Exchange
from contract.discovery import TypeContract
from contract.errors import ContractViolation
from contract.ids import segment, shown
from contract.interrupts import hold_interrupts
from contract.ledger import json_body
from contract.phases._own_instance import own_instance_probes
from contract.phases._references_other import existence_probe, foreign_reference_probes
from contract.session import Inconclusive, Outcome, Session, concludes, refused_mid_run
from strategies import Case

__all__ = [
    "OWNERSHIP",
    "InstanceProbe",
    "create_only",
    "invalid_case",
    "prove_created",
    "unknown_id_probes",
    "update_for",
    "valid_lifecycle",
]

OWNERSHIP = "ownership"
"""The check name of a create answer that named what the run cannot prove its own."""

_OK = frozenset(range(200, 300))
# What no PUT changes (DOC fields.md: a PUT that does not name a key leaves it), as the read
# after the create showed it: immutable_on_update judges the update and the read after it.
_FIXED = ("id", "lead_id", "custom_object_type_id", "organization_id", "created_by", "date_created")


def _json_object(exchange: Exchange) -> dict[str, Any] | None:
    body = json_body(exchange)
    return body if isinstance(body, dict) else None


def _text(payload: Any, key: str) -> str | None:
    value = payload.get(key) if isinstance(payload, Mapping) else None
    return value if isinstance(value, str) else None


def _not_ours(outcome: Outcome, exchange: Exchange, object_id: Any, why: str) -> None:
    """Report a create whose answer named what the run cannot prove its own."""
    outcome.violations.append(
        ContractViolation(
            check=OWNERSHIP,
            title=f"a create answered {shown(object_id)}, which is not provably the run's own",
            message=(
                f"{why}. The run sends nothing to it; cleanup lists it as left alone "
                "(docs/design.md: Safety on a live organization)."
            ),
            reproduction=exchange.curl(),
        )
    )


def prove_created(
    s: Session, outcome: Outcome, object_id: str, exchange: Exchange | None = None
) -> bool:
    """Whether the instance a create answered is proven the run's own, by ``exchange``
    (the answer to a GET of it) or else by a GET of its own. A read that places it
    elsewhere is a violation; the ledger and the guard keep it out of every write."""
    verdict = (
        s.ledger.judge(object_id, exchange) if exchange is not None else s.ledger.prove(object_id)
    )
    if verdict.elsewhere:
        shown_by = exchange if exchange is not None else outcome.exchanges[-1]
        _not_ours(outcome, shown_by, object_id, f"custom_object {object_id}: {verdict.why}")
    return verdict.ours


def update_for(tc: TypeContract, case: Case, other: Case) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A PUT body built from a second valid draw: a new name, one changed custom value and
    one optional custom value removed (null). Returns the body and the removed keys."""
    update: dict[str, Any] = {"name": other.payload["name"]}
    before, after = case.payload, other.payload
    changed = next(
        (k for k in sorted(after) if k.startswith("custom.") and after[k] != before.get(k)), None
    )
    if changed is not None:
        update[changed] = after[changed]
    required = set(tc.request_schema.get("required", ()))
    removable = [
        k for k in sorted(before) if k.startswith("custom.") and k != changed and k not in required
    ]
    if removable:
        update[removable[0]] = None
        return update, (removable[0],)
    return update, ()


@concludes
def create_only(s: Session, tc: TypeContract, case: Case, *, phase: str) -> Outcome:
    """POST one valid case and check the answer; the instance stays (ledger deletes it)."""
    outcome = s.outcome(phase, f"{tc.name}: reference instance", tc.type_id, case.to_dict())
    object_id = _create(s, tc, case, outcome)
    if object_id is not None:
        prove_created(s, outcome, object_id)
    return outcome


def post_create(
    s: Session, outcome: Outcome, kind: str, payload: Any, **options: Any
) -> tuple[Exchange, str | None]:
    """POST ``custom_object/`` and write down what it created before anything else happens.

    Ctrl-C waits for the ledger entry: the server may have created the instance already.
    An unanswered create is written down as uncertain, with the lead it named.
    """
    lead, type_id = _text(payload, "lead_id"), _text(payload, "custom_object_type_id")
    with hold_interrupts():
        s.ledger.note("instance_intent", lead_id=lead, type_id=type_id)
        try:
            exchange = s.send(outcome, kind, "POST", "custom_object/", **options)
        except Inconclusive:
            s.ledger.uncertain(lead, outcome.label)
            raise
        body = _json_object(exchange)
        if not 200 <= exchange.status < 300 or body is None or "id" not in body:
            return exchange, None
        # Only a claim until a GET proves it (see prove_created); its shape is checked now.
        answered = body["id"]
        object_id = s.ledger.created(
            answered, lead_id=lead, type_id=type_id, name=_text(payload, "name")
        )
    if object_id is None:
        _not_ours(outcome, exchange, answered, f"{shown(answered)} is not a custom_object id")
        return exchange, None
    if object_id not in s.ledger.claims:
        why = s.ledger.not_ours.get(("custom_object", object_id), "")
        _not_ours(outcome, exchange, object_id, f"custom_object {object_id}: {why}")
        return exchange, None
    return exchange, object_id


def _create(s: Session, tc: TypeContract, case: Case, outcome: Outcome) -> str | None:
    exchange, object_id = post_create(s, outcome, "valid:create", case.payload, json=case.payload)
    outcome.judge(
        CheckContext(
            exchange,
            "create",
            case.expected_statuses,
            case=outcome.case,
            validator=tc.response_validator,
            sent=case.payload,
            field_types=tc.field_types,
            step="create",
        ),
    )
    return object_id


def _read(
    s: Session, outcome: Outcome, tc: TypeContract, object_id: str, expected: Any
) -> Exchange:
    exchange = s.send(outcome, "valid:retrieve", "GET", _path(object_id))
    ctx = CheckContext(
        exchange,
        "retrieve",
        frozenset({200}),
        case=outcome.case,
        validator=tc.response_validator,
        expected=expected,
        field_types=tc.field_types,
        instance_id=object_id,
        step="read_after_create",
    )
    outcome.judge(ctx)
    return exchange


def _path(object_id: str) -> str:
    """An instance's path; its id passed check_id, and is encoded all the same."""
    return f"custom_object/{segment(object_id)}/"


def _listed(s: Session, outcome: Outcome, tc: TypeContract, object_id: str, lead: str) -> None:
    def send(query: Mapping[str, str]) -> Exchange:
        return s.send(outcome, "valid:list", "GET", "custom_object/", params=query)

    params = {"lead_id": lead, "custom_object_type_id": tc.type_id}
    for page in s.client.pages(send, params):
        found = any(item.get("id") == object_id for item in page.items)
        last = found or not page.has_more
        ctx = CheckContext(
            page.exchange,
            "list",
            frozenset({200}),
            case=outcome.case,
            validator=tc.list_validator,
            instance_id=object_id,
            note=f"Listed with lead_id={lead} and custom_object_type_id={tc.type_id}.",
            step="listed_after_create" if last else None,
        )
        outcome.judge(ctx)
        if last:
            return


def _foreign_and_anonymous(
    s: Session, outcome: Outcome, tc: TypeContract, object_id: str, expected: Any, lead: str
) -> int | None:
    """Requests without credentials, and with another organization's key, change nothing.

    Returns the status the other key's GET of the instance got (None without a second
    key, or when that key no longer worked)."""
    path = _path(object_id)
    probes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", path, {}),
        ("GET", "custom_object/", {"params": {"lead_id": lead}}),
        ("PUT", path, {"json": {"name": "changed without credentials"}}),
        ("DELETE", path, {}),
    ]
    for method, where, extra in probes:
        exchange = s.send(outcome, f"auth:{method}", method, where, send_credentials=False, **extra)
        ctx = CheckContext(
            exchange, "probe", frozenset({401}), case=outcome.case, key="none", step="refusal"
        )
        outcome.judge(ctx)
    _read(s, outcome, tc, object_id, expected)
    if not s.other_api_key:
        return None
    key = s.other_api_key
    seen: int | None = None
    for method, where, extra in probes:
        exchange = s.send(outcome, f"isolation:{method}", method, where, api_key=key, **extra)
        refused = refused_mid_run(exchange)
        if refused is not None:
            # Not isolation: the key no longer works, so nothing was judged (never a pass).
            outcome.inconclusive = refused
            break
        if method == "GET" and where == path:
            seen = exchange.status
        operation: Operation = "list" if where == "custom_object/" else "probe"
        ctx = CheckContext(
            exchange,
            operation,
            frozenset({403, 404}),
            case=outcome.case,
            instance_id=object_id,
            note="The request used a second organization's API key.",
            key="other",
            step="isolation",
        )
        outcome.judge(ctx)
    exchange = s.send(outcome, "valid:retrieve", "GET", path)
    ctx = CheckContext(
        exchange,
        "intact",
        frozenset({200}),
        case=outcome.case,
        expected=expected,
        field_types=tc.field_types,
        instance_id=object_id,
        note="After GET, PUT and DELETE with another organization's key.",
        step="isolation",
    )
    outcome.judge(ctx)
    return seen


def _other_organization(
    s: Session, outcome: Outcome, tc: TypeContract, case: Case, object_id: str, seen: int | None
) -> None:
    """What the other organization holds, tried once isolation held: an id that exists
    nowhere with its key, and its ids in the run's own writes (see _references_other)."""
    if seen is not None and outcome.inconclusive is None:
        existence_probe(s, outcome, seen)
    if outcome.inconclusive is None:
        foreign_reference_probes(
            s, outcome, tc, case.payload, object_id, create=post_create, prove=prove_created
        )


def _changes(expected: Mapping[str, Any], update: Mapping[str, Any]) -> bool:
    """Whether ``update`` changes what the instance holds (``expected``): a new value, or
    a null for a value it has."""
    return any(
        expected.get(key) is not None if value is None else expected.get(key) != value
        for key, value in update.items()
    )


InstanceProbe = Callable[[Session, Outcome, TypeContract, str, str, Case], None]
"""More reads of a valid lifecycle's proven instance, sent after its list: called with the
session, the case's outcome, the type, the instance id, the run's lead and the case's
second draw (see :func:`contract.phases.query_probes`)."""


@concludes
def valid_lifecycle(
    s: Session,
    tc: TypeContract,
    case: Case,
    other: Case,
    lead: str,
    probe: bool,
    probes: Sequence[InstanceProbe] = (),
) -> Outcome:
    """Create, read, list, (probe,) update, read, (probe,) delete, read: each step checked;
    each of ``probes`` runs on the proven instance after its list. With ``probe``, the
    instance is also probed after its update (see :func:`own_instance_probes`)."""
    # The second draw, which the update is built from, goes with the case: a finding of
    # the update is reproduced from the report alone (close-contract reproduce).
    recorded = {**case.to_dict(), "update": other.to_dict()}
    outcome = s.outcome("valid", f"{tc.name}: valid", tc.type_id, recorded)
    object_id = _create(s, tc, case, outcome)
    if object_id is None:
        return outcome
    expected = echoed(case.payload)
    read = _read(s, outcome, tc, object_id, expected)
    # The read after the create is the proof: nothing is written to an instance before it.
    if not prove_created(s, outcome, object_id, read):
        return outcome
    _listed(s, outcome, tc, object_id, lead)
    if probe:
        seen = _foreign_and_anonymous(s, outcome, tc, object_id, expected, lead)
        _other_organization(s, outcome, tc, case, object_id, seen)
    for more in probes:
        more(s, outcome, tc, object_id, lead, other)
    update, removed = update_for(tc, case, other)
    if not _changes(expected, update):
        # Two equal draws (the first ones often are) make an update that changes nothing;
        # a new name makes it one whose date_updated must move on (date_updated_advances).
        update["name"] = f"{update['name']} (updated)"
    path = _path(object_id)
    exchange = s.send(outcome, "valid:update", "PUT", path, json=update)
    sent = {k: v for k, v in update.items() if v is not None}
    # What the instance showed before the update, for the checks across operations
    # (immutable_on_update, date_updated_advances).
    shown = _json_object(read) or {}
    before = {
        "fixed": {k: shown[k] for k in _FIXED if k in shown},
        "date_updated": shown.get("date_updated"),
        "changed": _changes(expected, update),
    }
    outcome.judge(
        CheckContext(
            exchange,
            "update",
            _OK,
            case=outcome.case,
            validator=tc.response_validator,
            sent=sent,
            removed=removed,
            field_types=tc.field_types,
            instance_id=object_id,
            prediction=before,
            note=f"The update was {update!r}.",
            step="update",
        ),
    )
    merged = {k: v for k, v in {**expected, **sent}.items() if k not in removed}
    exchange = s.send(outcome, "valid:retrieve", "GET", path)
    outcome.judge(
        CheckContext(
            exchange,
            "retrieve",
            frozenset({200}),
            case=outcome.case,
            expected=merged,
            removed=removed,
            field_types=tc.field_types,
            instance_id=object_id,
            prediction=before,
            step="read_after_update",
        ),
    )
    if probe:
        own_instance_probes(s, outcome, tc, object_id, update)
    exchange = s.send(outcome, "valid:delete", "DELETE", path)
    outcome.judge(
        CheckContext(
            exchange,
            "delete",
            frozenset({204}),
            case=outcome.case,
            instance_id=object_id,
            step="delete",
        ),
    )
    # A 404 to a repeated DELETE means the unanswered first attempt did the deleting.
    if 200 <= exchange.status < 300 or (exchange.status == 404 and exchange.may_have_repeated):
        s.ledger.forget("custom_object", object_id)
    exchange = s.send(outcome, "valid:retrieve_deleted", "GET", path)
    outcome.judge(
        CheckContext(
            exchange,
            "retrieve",
            frozenset({404}),
            case=outcome.case,
            instance_id=object_id,
            step="read_after_delete",
        ),
    )
    if exchange.status != 404:
        s.ledger.add("custom_object", object_id)
    return outcome


@concludes
def invalid_case(s: Session, tc: TypeContract, case: Case) -> Outcome:
    """POST a case that breaks one rule; it must be answered as the rule says."""
    label = f"{tc.name}: {case.mutation}" + (f" [{case.target}]" if case.target else "")
    outcome = s.outcome("invalid", label, tc.type_id, case.to_dict())
    kind = "auth" if not case.send_credentials else "invalid"
    # A case the API wrongly accepts created an instance: the ledger deletes it once proven.
    exchange, accepted = post_create(
        s,
        outcome,
        f"{kind}:{case.mutation}",
        case.payload,
        body=case.request_body(),
        content_type=case.content_type,
        headers=case.headers,
        send_credentials=case.send_credentials,
    )
    # Shrinking may have turned a schema-invalid case valid; then no rejection is owed.
    still_invalid = case.schema_valid or not (
        case.body is None and tc.request_validator.is_valid(case.payload)
    )
    outcome.judge(
        CheckContext(
            exchange,
            "create",
            case.expected_statuses,
            case=outcome.case,
            key="own" if case.send_credentials else "none",
            step="refusal" if still_invalid else None,
        )
    )
    if accepted is not None:
        prove_created(s, outcome, accepted)
    return outcome


def unknown_id_probes(s: Session, seed: int) -> Outcome:
    """GET, PUT and DELETE on a well-formed id that does not exist answer 404.

    PUT and DELETE go out only after the GET answered 404: a write is never sent to an
    id the run has not seen absent (the id is seeded, so it is the same on every run).
    """
    alphabet = string.ascii_letters + string.digits
    rng = random.Random(seed)
    object_id = "custobj_" + "".join(rng.choice(alphabet) for _ in range(43))
    outcome = s.outcome("probes", "unknown custom_object id", None, None)
    path = _path(object_id)
    for method in ("GET", "PUT", "DELETE"):
        body = {"name": "x"} if method == "PUT" else UNSET
        exchange = s.send(outcome, f"probe:unknown_id:{method}", method, path, json=body)
        ctx = CheckContext(
            exchange,
            "probe",
            frozenset({404}),
            note=f"{object_id} does not exist: Close documents 404 for an unknown id.",
            step="refusal",
        )
        outcome.judge(ctx)
        if method == "GET":
            if exchange.status != 404:
                break
            # The run made the id up and has just seen it absent: the guard lets the
            # probe's writes out (and nothing else ever names that id).
            guard = s.ledger.guard
            if guard is not None:
                guard.allow("custom_object", object_id)
    return outcome
