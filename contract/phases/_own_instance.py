"""HTTP semantics probed on the run's own verified instance, once per type.

After a valid lifecycle's update and the read of it, on the instance the run proved its
own (and only there: the send-time guard lets these requests out for a proven id only):

- the same PUT again, and a read: both must equal the first (``put_idempotent``);
- methods the API does not support (PATCH, POST, a made-up one and OPTIONS), then a read
  that must show the instance as it was (``unsupported_method``,
  ``allow_header_conformance``);
- GETs of malformed variants of its id, RESTler's invalid dynamic objects
  (``malformed_id_refused``). GETs only: the guard lets no other method out to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from contract.checks import CheckContext
from contract.client import Exchange
from contract.discovery import TypeContract
from contract.ids import segment
from contract.ledger import json_body
from contract.session import Outcome, Session

__all__ = ["MADE_UP_METHOD", "MALFORMED_IDS", "UNSUPPORTED_METHODS", "own_instance_probes"]

_OK: Final = frozenset(range(200, 300))

MADE_UP_METHOD: Final = "FROBNICATE"
"""A method no standard defines: HTTP answers it 501, Close (not supporting it) 405."""

UNSUPPORTED_METHODS: Final[tuple[tuple[str, frozenset[int]], ...]] = (
    ("PATCH", frozenset({405})),
    ("POST", frozenset({405})),
    (MADE_UP_METHOD, frozenset({405, 501})),
    # HTTP defines OPTIONS for any resource (RFC 9110 section 9.3.7): served, or refused.
    ("OPTIONS", _OK | {405}),
)
"""The methods sent to the run's instance, each with the statuses it may get."""

# The body the write-like methods carry: a change the instance must not show afterwards.
_CHANGE: Final = {"name": "changed by a method the API does not support"}

_QUERY: Final = {"injected_query_string": "123"}

MALFORMED_IDS: Final[tuple[tuple[str, str, frozenset[int]], ...]] = (
    # name, the path after custom_object/ ({id}: the instance's id), the statuses it may get
    ("query_string", "{id}/", frozenset({200, 400, 404})),
    ("query_in_id", "{id}" + quote("??", safe="") + "/", frozenset({400, 404})),
    ("query_segment", "{id}/" + quote("?", safe="") + "/", frozenset({400, 404})),
    ("id_twice", "{id}/{id}/", frozenset({400, 404})),
    ("trailing_character", "{id}" + quote("!", safe="") + "/", frozenset({400, 404})),
)
"""RESTler's invalid dynamic objects as GETs: the instance with an ignored query string
(``?injected_query_string=123``), its id followed by ``??`` or by a segment ``?`` (sent
percent-encoded, as every id segment is: a raw ``?`` would only start a query string), the
id twice, and the id with a trailing ``!``."""


def _object(exchange: Exchange | None) -> dict[str, Any] | None:
    if exchange is None or not 200 <= exchange.status < 300:
        return None
    body = json_body(exchange)
    return body if isinstance(body, dict) else None


def own_instance_probes(
    s: Session, outcome: Outcome, tc: TypeContract, object_id: str, update: Mapping[str, Any]
) -> None:
    """Probe the run's proven instance ``object_id`` right after a lifecycle's update and
    the read of it: ``update`` is the PUT body it sent; the answers are the outcome's
    latest PUT and GET of the instance."""
    path = f"custom_object/{segment(object_id)}/"
    updated = _latest(outcome, "PUT", path)
    read = _latest(outcome, "GET", path)
    latest = _repeat_update(s, outcome, tc, object_id, update, updated, read)
    _unsupported_methods(s, outcome, tc, object_id, latest)
    _malformed_ids(s, outcome, object_id)


def _latest(outcome: Outcome, method: str, path: str) -> Exchange | None:
    return next(
        (e for e in reversed(outcome.exchanges) if e.method == method and e.path == path), None
    )


def _repeat_update(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    object_id: str,
    update: Mapping[str, Any],
    updated: Exchange | None,
    read: Exchange | None,
) -> dict[str, Any] | None:
    """The same PUT again, and a read; returns the instance as the latest read showed it."""
    first, before = _object(updated), _object(read)
    if first is None or before is None:
        return before  # the update or its read failed: their own checks say so
    path = f"custom_object/{segment(object_id)}/"
    note = f"The PUT was {dict(update)!r}."
    sent = {k: v for k, v in update.items() if v is not None}
    removed = tuple(k for k, v in update.items() if v is None)
    again = s.send(outcome, "probe:repeat:update", "PUT", path, json=dict(update))
    outcome.judge(
        CheckContext(
            again,
            "update",
            _OK,
            case=outcome.case,
            validator=tc.response_validator,
            sent=sent,
            removed=removed,
            expected=first,
            field_types=tc.field_types,
            instance_id=object_id,
            note=note,
            step="repeated_update",
        )
    )
    after = s.send(outcome, "probe:repeat:retrieve", "GET", path)
    outcome.judge(
        CheckContext(
            after,
            "retrieve",
            frozenset({200}),
            case=outcome.case,
            validator=tc.response_validator,
            expected=before,
            field_types=tc.field_types,
            instance_id=object_id,
            note=note,
            step="repeated_update",
        )
    )
    return _object(after) or before


def _unsupported_methods(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    object_id: str,
    before: Mapping[str, Any] | None,
) -> None:
    path = f"custom_object/{segment(object_id)}/"
    lead = before.get("lead_id") if before is not None else None
    for method, allowed in UNSUPPORTED_METHODS:
        options: dict[str, Any] = {} if method == "OPTIONS" else {"json": _CHANGE}
        exchange = s.send(outcome, f"probe:method:{method}", method, path, **options)
        _claim(s, exchange, object_id, lead if isinstance(lead, str) else None, tc.type_id)
        found = outcome.judge(
            CheckContext(
                exchange,
                "probe",
                allowed,
                case=outcome.case,
                instance_id=object_id,
                note=f"{object_id} is the run's own instance.",
                step="method",
            )
        )
        # What Allow lists, and a made-up method's odd refusal, are warnings: they fail
        # nothing (a missing Allow on a 405, or a method served, is an error all the same).
        for warning in [v for v in found if v.severity == "warning"]:
            outcome.violations.remove(warning)
            outcome.warnings.append(warning)
    exchange = s.send(outcome, "probe:method:retrieve", "GET", path)
    methods = ", ".join(method for method, _ in UNSUPPORTED_METHODS)
    outcome.judge(
        CheckContext(
            exchange,
            "intact",
            frozenset({200}),
            case=outcome.case,
            expected=before,
            instance_id=object_id,
            note=f"After {methods} on the instance.",
            step="method",
        )
    )


def _claim(s: Session, exchange: Exchange, object_id: str, lead: str | None, type_id: str) -> None:
    """A method the API should refuse, served with another instance: it may have made one.
    The ledger takes the claim like a create's, and deletes it once a GET proves it the
    run's own (made on the run's lead); else cleanup lists it as left alone."""
    body = _object(exchange)
    answered = None if body is None else body.get("id")
    if answered is None or answered == object_id:
        return
    claimed = s.ledger.created(answered, lead_id=lead, type_id=type_id, name=_CHANGE["name"])
    if claimed is not None:
        s.ledger.prove(claimed)


def _malformed_ids(s: Session, outcome: Outcome, object_id: str) -> None:
    own = segment(object_id)
    for name, template, allowed in MALFORMED_IDS:
        path = "custom_object/" + template.replace("{id}", own)
        params = _QUERY if name == "query_string" else None
        exchange = s.send(outcome, f"probe:malformed_id:{name}", "GET", path, params=params)
        outcome.judge(
            CheckContext(
                exchange,
                "probe",
                allowed,
                case=outcome.case,
                instance_id=object_id,
                note=f"A malformed variant ({name}) of the run's instance {object_id}.",
                step="malformed_id",
            )
        )
