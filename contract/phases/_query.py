"""Reads with query parameters: each one Close documents for the custom object endpoints,
or for most endpoints, sent with a valid value and with malformed ones.

Close's OpenAPI declares ``lead_id`` and ``custom_object_type_id`` on the list; its
overview pages document ``_skip``/``_limit`` for lists and ``_fields`` for most endpoints
(close-api.md §6). :func:`query_probes` sends them once per type, on the first valid
lifecycle, after the instance is proven the run's own: GETs of the run's own lead's list
and of that instance, nothing else. ``lead_id`` is always the run's own lead: a malformed
one is never sent, since a server that ignored it could answer another lead's instances.

Before the reads, a second instance of the type is made on the lead (from the case's
second draw), so that a page of one item has something to hold back. It is proven like
any other and deleted with everything else the run made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from contract.checks import CheckContext, Operation
from contract.discovery import TypeContract
from contract.ids import segment
from contract.phases._lifecycle import post_create, prove_created
from contract.session import Outcome, Session
from strategies import Case

__all__ = ["MALFORMED", "VALID", "QueryProbe", "query_probes"]

_OK = frozenset(range(200, 300))
# A malformed parameter may be ignored (a read that does not use it) or refused with 400.
_TOLERATED = _OK | {400}
# A value that names an object (a type id) may name none: 404 as for an unknown id (OAS
# lists 404 on the list operation).
_NAMED = _TOLERATED | {404}
# Far past any integer a server keeps in 64 bits.
_HUGE = "9" * 30


@dataclass(frozen=True, slots=True)
class QueryProbe:
    """One read: ``parameter=value`` on the list (``on="list"``, beside the run's lead and
    the type) or on the instance; ``label`` says what the value is, ``valid`` whether
    Close's documents allow it, ``statuses`` what a malformed one may get."""

    on: Literal["list", "retrieve"]
    parameter: str
    value: str
    label: str
    valid: bool = False
    statuses: frozenset[int] = _TOLERATED

    @property
    def kind(self) -> str:
        """The request's kind for baselines: ``query:list:_limit:negative``."""
        return f"query:{self.on}:{self.parameter}:{self.label}"


VALID: tuple[QueryProbe, ...] = (
    QueryProbe("list", "_fields", "id,name", "selection", valid=True),
    QueryProbe("retrieve", "_fields", "id,name", "selection", valid=True),
    QueryProbe("list", "_limit", "1", "one", valid=True),
)
"""Values whose answer is held against what the parameter promises."""

MALFORMED: tuple[QueryProbe, ...] = (
    QueryProbe("list", "_limit", "abc", "non-integer"),
    QueryProbe("list", "_limit", "1.5", "fraction"),
    QueryProbe("list", "_limit", "-1", "negative"),
    QueryProbe("list", "_limit", "0", "zero"),
    QueryProbe("list", "_limit", _HUGE, "huge"),
    QueryProbe("list", "_limit", "", "empty"),
    QueryProbe("list", "_skip", "abc", "non-integer"),
    QueryProbe("list", "_skip", "-1", "negative"),
    QueryProbe("list", "_skip", _HUGE, "huge"),
    QueryProbe("list", "_skip", "", "empty"),
    QueryProbe("list", "_fields", "", "empty"),
    QueryProbe("list", "_fields", "no_such_key", "unknown-name"),
    QueryProbe("list", "custom_object_type_id", "", "empty"),
    QueryProbe("list", "custom_object_type_id", "not-a-type-id", "malformed", statuses=_NAMED),
    QueryProbe("list", "custom_object_type_id", "cotype_" + "0" * 22, "unknown", statuses=_NAMED),
    QueryProbe("list", "x_contract_probe", "1", "unknown-name"),
    QueryProbe("retrieve", "_fields", "", "empty"),
    QueryProbe("retrieve", "_fields", "no_such_key", "unknown-name"),
    QueryProbe("retrieve", "_limit", "-1", "negative"),
    QueryProbe("retrieve", "x_contract_probe", "1", "unknown-name"),
)
"""Values Close's documents do not make valid (non-integers, negatives, huge numbers,
empty values, unknown names): 2xx or 400, never a 5xx."""


def query_probes(
    s: Session, outcome: Outcome, tc: TypeContract, object_id: str, lead: str, other: Case
) -> None:
    """Send :data:`VALID` and :data:`MALFORMED` for the run's proven instance ``object_id``
    of ``tc`` on its lead ``lead``; each answer is judged as a ``query`` step. Findings at
    warning severity (what Close documents for its endpoints in general, and only
    inference expects of custom objects) go to the outcome's warnings: reported, failing
    nothing."""
    at_least = 1 + (_second_instance(s, outcome, tc, lead, other) is not None)
    path = f"custom_object/{segment(object_id)}/"
    for probe in (*VALID, *MALFORMED):
        params: dict[str, str]
        if probe.on == "list":
            params = {"lead_id": lead, "custom_object_type_id": tc.type_id}
            operation: Operation = "list"
            where = "custom_object/"
        else:
            params, operation, where = {}, "retrieve", path
        params[probe.parameter] = probe.value
        exchange = s.send(outcome, probe.kind, "GET", where, params=params)
        described: dict[str, Any] = {
            "parameter": probe.parameter,
            "value": probe.value,
            "label": probe.label,
            "valid": probe.valid,
        }
        if probe.on == "list" and probe.parameter != "custom_object_type_id":
            described["at_least"] = at_least
        found = outcome.judge(
            CheckContext(
                exchange,
                operation,
                frozenset({200}) if probe.valid else probe.statuses,
                case=outcome.case,
                validator=_validator(tc, probe, exchange.status),
                instance_id=object_id,
                note=f"Sent {probe.parameter}={probe.value!r} ({probe.label}).",
                step="query",
                query=described,
            )
        )
        # What only inference expects of custom objects is reported, and fails nothing.
        for warning in [v for v in found if v.severity == "warning"]:
            outcome.violations.remove(warning)
            outcome.warnings.append(warning)


def _validator(tc: TypeContract, probe: QueryProbe, status: int) -> Any:
    """The schema a 2xx answer conforms to: none where ``_fields`` may have trimmed it, or
    where the type filter was not the type's (the list may hold other types' instances)."""
    if probe.parameter in ("_fields", "custom_object_type_id") or not 200 <= status < 300:
        return None
    return tc.list_validator if probe.on == "list" else tc.response_validator


def _second_instance(
    s: Session, outcome: Outcome, tc: TypeContract, lead: str, other: Case
) -> str | None:
    """Create and prove a second instance of ``tc`` on ``lead`` (None: not made or not
    provably the run's own); the ledger deletes it with the rest."""
    payload: Mapping[str, Any] = other.payload
    if payload.get("lead_id") != lead or payload.get("custom_object_type_id") != tc.type_id:
        return None
    exchange, object_id = post_create(s, outcome, "query:create", payload, json=payload)
    outcome.judge(CheckContext(exchange, "create", _OK, case=outcome.case))
    if object_id is None:
        return None
    read = s.send(outcome, "query:retrieve", "GET", f"custom_object/{segment(object_id)}/")
    outcome.judge(CheckContext(read, "retrieve", frozenset({200}), case=outcome.case))
    return object_id if prove_created(s, outcome, object_id, read) else None
