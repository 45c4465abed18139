"""The check registry and what every check is given: a context, and a way to report.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from contract.client import Exchange
from contract.errors import ContractViolation, Severity
from contract.statuses import status_set

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

__all__ = [
    "CHECKS",
    "CheckContext",
    "Operation",
    "body_of",
    "check",
    "echoed",
    "run_checks",
    "statuses_text",
    "violation",
    "where",
    "note_of",
]


Operation = Literal["create", "retrieve", "list", "update", "delete", "probe", "intact"]
"""What the checked request did: one of the five operations, a ``probe`` (auth, isolation,
unknown ids) or ``intact`` (a read after another organization tried to change it)."""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may look at.

    ``operation`` says what the request did (see :data:`Operation`);
    ``sent`` the request payload whose values must be echoed; ``expected`` the key/values a
    read must show; ``removed`` keys an update set to null; ``field_types`` maps
    ``custom.cf_…`` keys to their field types (for value comparison).
    """

    exchange: Exchange
    operation: Operation
    expected_statuses: frozenset[int]
    case: Mapping[str, Any] | None = None
    validator: Draft202012Validator | None = None
    sent: Mapping[str, Any] | None = None
    expected: Mapping[str, Any] | None = None
    removed: tuple[str, ...] = ()
    field_types: Mapping[str, str] = field(default_factory=dict)
    instance_id: str | None = None
    note: str = ""
    # What the stateful phase's reference model predicts for this answer (see
    # contract.checks._model): None outside that phase.
    prediction: Mapping[str, Any] | None = None


CheckFn = Callable[[CheckContext], None]
CHECKS: dict[str, CheckFn] = {}


def check(function: CheckFn) -> CheckFn:
    """Register ``function`` under its own name."""
    CHECKS[function.__name__] = function
    return function


def violation(
    ctx: CheckContext, name: str, title: str, message: str, severity: Severity = "error"
) -> ContractViolation:
    """A violation of check ``name`` for this context, with the reproduction filled in."""
    data = ctx.exchange.to_dict()
    answer = {"status", "elapsed", "attempts"}
    request = {k: v for k, v in data.items() if not k.startswith("response") and k not in answer}
    response = {k: v for k, v in data.items() if k.startswith("response") or k in answer}
    return ContractViolation(
        check=name,
        title=title,
        message=message,
        severity=severity,
        reproduction=ctx.exchange.curl(),
        case=dict(ctx.case) if ctx.case is not None else None,
        request=request,
        response=response,
    )


def run_checks(names: Iterable[str], ctx: CheckContext) -> list[ContractViolation]:
    """Run the named checks on ``ctx``; return every violation (never stop at the first).

    The checks judge the real bytes; what they report leaves redacted, since messages
    quote bodies, headers and URLs. A check that fails on an answer whose shape it cannot
    read (an id that is a list, a field of the wrong JSON type) reports that, as a
    violation of its own, rather than end the run: a server under test may answer
    anything.
    """
    found: list[ContractViolation] = []
    for name in names:
        try:
            CHECKS[name](ctx)
        except ContractViolation as exc:
            found.append(_redacted(exc, ctx.exchange))
        except Exception as exc:  # noqa: BLE001 - any answer must end as a finding
            found.append(_redacted(_unjudged(ctx, name, exc), ctx.exchange))
    return found


def _unjudged(ctx: CheckContext, name: str, exc: Exception) -> ContractViolation:
    """What a check that could not read an answer reports instead of a traceback."""
    what = f"{type(exc).__name__}: {str(exc)[:200]}".rstrip(": ")
    return violation(
        ctx,
        name,
        f"{where(ctx)} answered {ctx.exchange.status} with a body {name} cannot read ({what})",
        "The answer does not have the documented shape this check reads (a value of another "
        "JSON type where an id, an object or a list belongs). If the answer does look "
        "documented, this is a bug in close-contract: please report it with this message.",
    )


def _redacted(found: ContractViolation, exchange: Exchange) -> ContractViolation:
    tree = exchange.redactor.tree
    return dataclasses.replace(
        found,
        title=exchange.redact(found.title),
        message=exchange.redact(found.message),
        reproduction=exchange.redact(found.reproduction),
        case=tree(found.case),
        request=tree(found.request),
        response=tree(found.response),
    )


def where(ctx: CheckContext) -> str:
    return f"{ctx.exchange.method} {ctx.exchange.path}"


def note_of(ctx: CheckContext) -> str:
    if ctx.case and ctx.case.get("mutation"):
        return f" The case {ctx.case['mutation']} ({ctx.case.get('reason', '')})."
    return f" {ctx.note}" if ctx.note else ""


def body_of(ctx: CheckContext) -> Any:
    try:
        return ctx.exchange.json()
    except ValueError:
        return None


def statuses_text(statuses: frozenset[int]) -> str:
    """The statuses a message names: ``any 2xx``, or each one, as in ``400 or 404``."""
    if statuses == frozenset(range(200, 300)):
        return "any 2xx"
    return status_set(statuses)


def echoed(sent: Mapping[str, Any]) -> dict[str, Any]:
    """The keys of a create or update body that the answer must hold again (Close echoes
    an instance's name, lead, type and custom values)."""
    keys = ("name", "lead_id", "custom_object_type_id")
    return {k: v for k, v in sent.items() if k in keys or k.startswith("custom.")}
