"""Cases Close may accept or refuse: sent, and what an accepted one made read back.

A mutation whose ``accepted`` is set (read-only keys, oversized values, unusual text, a
duplicated key, the length ladder) may get a 2xx or a 400. An accepted case created an
instance: like a valid create, it is read back, proven the run's own by that read (the
ledger deletes it at the end), and both answers are judged. Read-only keys are also sent
in a PUT of the run's own instance, and the length ladder sends the name and text values
at growing lengths (:data:`strategies.TEXT_LENGTHS`), stopping at the first refusal.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from contract.checks import CheckContext, Step, echoed, judged_apart
from contract.client import Exchange
from contract.discovery import TypeContract
from contract.ids import segment
from contract.ledger import json_body
from contract.phases._lifecycle import invalid_case, post_create, prove_created
from contract.session import Outcome, Session, concludes
from strategies import MUTATIONS, READ_ONLY_KEYS, TEXT_LENGTHS, Case, long_text

__all__ = ["accepted_case", "mutation_case"]

_OK = frozenset(range(200, 300))
_OK_OR_400 = _OK | {400}


def mutation_case(s: Session, tc: TypeContract, case: Case) -> Outcome:
    """Run one case of a mutation: one Close may accept (:func:`accepted_case`), or one it
    must refuse (:func:`~contract.phases.invalid_case`)."""
    mutation = MUTATIONS.get(case.mutation or "")
    if mutation is not None and mutation.accepted is not None:
        return accepted_case(s, tc, case)
    return invalid_case(s, tc, case)


def _path(object_id: str) -> str:
    return f"custom_object/{segment(object_id)}/"


def _judge(outcome: Outcome, ctx: CheckContext) -> None:
    """Judge ``ctx``; what only inference expects (a warning) is reported and fails
    nothing."""
    for found in outcome.judge(ctx):
        if found.severity == "warning":
            outcome.violations.remove(found)
            outcome.warnings.append(found)


def _apart(case: Case, tc: TypeContract) -> tuple[str, ...]:
    return judged_apart(case.to_dict(), tc.field_types)


def _on_given_lead(s: Session, case: Case, tc: TypeContract) -> Case | None:
    """The case to send when the run works on a lead it did not create (``--lead-id``).

    There an instance is proven the run's own only by the exact name it was created with,
    so a case whose rule lets the name come back otherwise (trimmed, in NFC, or as either
    of two values) keeps a plain name; None when nothing is then left to send."""
    rule = MUTATIONS[str(case.mutation)].accepted
    apart = _apart(case, tc)
    if not s.config.lead_id or rule not in ("normalised", "invisible", "either"):
        return case
    if "name" not in apart:
        return case
    if rule == "either" or len(apart) < 2:
        return None  # the name was all the case had to send
    # The text values still carry the case's text; the name is plain.
    payload = {**case.payload, "name": f"close-contract {case.mutation}"}
    return dataclasses.replace(case, payload=payload)


@concludes
def accepted_case(s: Session, tc: TypeContract, case: Case) -> Outcome:
    """POST a case Close may accept or refuse; read back and judge what an accepted one
    made (and, for read-only keys, PUT them to the run's own instance)."""
    label = f"{tc.name}: {case.mutation}" + (f" [{case.target}]" if case.target else "")
    sent = _on_given_lead(s, case, tc)
    outcome = s.outcome("invalid", label, tc.type_id, (sent or case).to_dict())
    if sent is None:
        return outcome
    rule = MUTATIONS[str(sent.mutation)].accepted
    if rule == "ladder":
        _ladder(s, outcome, tc, sent)
        return outcome
    answered = len(outcome.exchanges)
    object_id = _create(s, outcome, tc, sent, sent.payload, body=sent.body)
    if rule == "read_only" and isinstance(sent.payload, Mapping):
        if object_id is None and not 200 <= outcome.exchanges[answered].status < 300:
            # Refused with its read-only keys: a clean instance takes the PUT instead.
            clean = {k: v for k, v in sent.payload.items() if k not in READ_ONLY_KEYS}
            object_id = _create(s, outcome, tc, sent, clean, expected=_OK)
        if object_id is not None:
            _put_read_only(s, outcome, tc, sent, object_id)
    return outcome


def _create(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    case: Case,
    payload: Any,
    *,
    body: bytes | None = None,
    expected: frozenset[int] = _OK_OR_400,
) -> str | None:
    """POST ``payload`` (or the raw ``body``), judge the answer, and read back, judge and
    prove what it made; the proven instance's id, else None."""
    kind = f"invalid:{case.mutation}"
    if body is None:
        exchange, object_id = post_create(s, outcome, kind, payload, json=payload)
    else:
        exchange, object_id = post_create(
            s, outcome, kind, payload, body=body, content_type=case.content_type
        )
    # The keys the case's own rule judges are left out of the exact echo.
    apart = _apart(case, tc)
    sent = {k: v for k, v in payload.items() if k not in apart}
    # Only a payload the request schema takes is owed an answer of the response schema;
    # the mutation says which do (validating a list of thousands of values costs more
    # than the request).
    valid = case.schema_valid
    _judge(
        outcome,
        CheckContext(
            exchange,
            "create",
            expected,
            case=outcome.case,
            validator=tc.response_validator if valid else None,
            sent=sent,
            field_types=tc.field_types,
            instance_id=object_id,
            step="create",
        ),
    )
    if object_id is None:
        return None
    read = _read(s, outcome, tc, object_id, echoed(sent), "read_after_create")
    return object_id if prove_created(s, outcome, object_id, read) else None


def _read(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    object_id: str,
    expected: Mapping[str, Any],
    step: Step,
) -> Exchange:
    exchange = s.send(outcome, "valid:retrieve", "GET", _path(object_id))
    _judge(
        outcome,
        CheckContext(
            exchange,
            "retrieve",
            frozenset({200}),
            case=outcome.case,
            expected=expected,
            field_types=tc.field_types,
            instance_id=object_id,
            step=step,
        ),
    )
    return exchange


def _put_read_only(
    s: Session, outcome: Outcome, tc: TypeContract, case: Case, object_id: str
) -> None:
    """PUT the case's read-only keys (and its own name again) to the run's instance: a
    2xx that keeps the server's values, or a 400; the read after shows the same."""
    payload = case.payload
    update = {"name": payload["name"], **{k: payload[k] for k in READ_ONLY_KEYS if k in payload}}
    kind = f"invalid:{case.mutation}:update"
    exchange = s.send(outcome, kind, "PUT", _path(object_id), json=update)
    _judge(
        outcome,
        CheckContext(
            exchange,
            "update",
            _OK_OR_400,
            case=outcome.case,
            sent={"name": payload["name"]},
            field_types=tc.field_types,
            instance_id=object_id,
            note=f"The update was {update!r}.",
            # Judged with the case's statuses (a 2xx or a 400), as a refusal is.
            step="refusal",
        ),
    )
    clean = {k: v for k, v in payload.items() if k not in READ_ONLY_KEYS}
    _read(s, outcome, tc, object_id, echoed(clean), "read_after_update")


def _ladder(s: Session, outcome: Outcome, tc: TypeContract, case: Case) -> None:
    """Send the name and the first text values at each of :data:`TEXT_LENGTHS` in turn:
    each accepted one is echoed and read back exactly. The first refusal, or the first
    answer that changed a long text, ends the ladder: longer texts say nothing more. (A
    violation of another value does not: the ladder still measures its lengths.)"""
    # The case sends its ladder's keys (the name and the first text values) at the first
    # length, and every other value short.
    keys = [k for k, v in case.payload.items() if isinstance(v, str) and len(v) >= TEXT_LENGTHS[0]]
    for length in TEXT_LENGTHS:
        payload = {**case.payload, **{key: long_text(length, key) for key in keys}}
        answered = len(outcome.exchanges)
        object_id = _create(s, outcome, tc, case, payload)
        body = json_body(outcome.exchanges[answered])
        kept = isinstance(body, Mapping) and all(body.get(k) == payload[k] for k in keys)
        if object_id is None or not kept:
            return
