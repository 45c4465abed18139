"""Registered checks, each named for the property it asserts.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from contract._compare import same_value
from contract.client import Exchange
from contract.errors import ContractViolation, Severity

__all__ = [
    "CHECKS",
    "CheckContext",
    "check",
    "run_checks",
    "violation",
]


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may look at.

    ``operation`` is one of create, retrieve, list, update, delete (or a probe name);
    ``sent`` the request payload whose values must be echoed; ``expected`` the key/values a
    read must show; ``removed`` keys an update set to null; ``field_types`` maps
    ``custom.cf_…`` keys to their field types (for value comparison).
    """

    exchange: Exchange
    operation: str
    expected_statuses: frozenset[int]
    case: Mapping[str, Any] | None = None
    validator: Draft202012Validator | None = None
    sent: Mapping[str, Any] | None = None
    expected: Mapping[str, Any] | None = None
    removed: tuple[str, ...] = ()
    field_types: Mapping[str, str] = field(default_factory=dict)
    instance_id: str | None = None
    note: str = ""


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
    quote bodies, headers and URLs.
    """
    found: list[ContractViolation] = []
    for name in names:
        try:
            CHECKS[name](ctx)
        except ContractViolation as exc:
            found.append(_redacted(exc, ctx.exchange))
    return found


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


def _where(ctx: CheckContext) -> str:
    return f"{ctx.exchange.method} {ctx.exchange.path}"


def _why(ctx: CheckContext) -> str:
    if ctx.case and ctx.case.get("mutation"):
        return f" The case {ctx.case['mutation']} ({ctx.case.get('reason', '')})."
    return f" {ctx.note}" if ctx.note else ""


def _body(ctx: CheckContext) -> Any:
    try:
        return ctx.exchange.json()
    except ValueError:
        return None


def _statuses(statuses: frozenset[int]) -> str:
    if statuses == frozenset(range(200, 300)):
        return "any 2xx"
    return " or ".join(str(s) for s in sorted(statuses))


@check
def not_a_server_error(ctx: CheckContext) -> None:
    """No request, valid or not, may make the API fail with a 5xx."""
    if ctx.exchange.status >= 500:
        raise violation(
            ctx,
            "not_a_server_error",
            f"{_where(ctx)} answered {ctx.exchange.status}",
            f"A server error is never an acceptable answer.{_why(ctx)}",
        )


def _status_in(ctx: CheckContext, name: str, allowed: frozenset[int], what: str, why: str) -> None:
    # A 5xx is not_a_server_error's to report; one finding per broken property.
    status = ctx.exchange.status
    if status not in allowed and status < 500:
        raise violation(
            ctx,
            name,
            f"{_where(ctx)}{what} answered {status}, expected {_statuses(allowed)}",
            f"{why}{_why(ctx)}",
        )


@check
def status_conformance(ctx: CheckContext) -> None:
    """The status is one the contract allows for this case."""
    expected = ctx.expected_statuses
    why = f"Expected {_statuses(expected)} for this {ctx.operation}."
    _status_in(ctx, "status_conformance", expected, "", why)


@check
def auth_enforced(ctx: CheckContext) -> None:
    """A request without valid credentials is refused (401) and does nothing."""
    # 401 is documented; a case may allow more (a header too broken to parse may get 400).
    allowed = ctx.expected_statuses | {401}
    why = "Close documents 401 when a request is not authenticated."
    _status_in(ctx, "auth_enforced", allowed, " without valid credentials", why)


@check
def content_type_conformance(ctx: CheckContext) -> None:
    """Bodies are JSON (errors included); a 204 has no body."""
    exchange = ctx.exchange
    if exchange.status == 204:
        if exchange.response_body.strip():
            raise violation(
                ctx,
                "content_type_conformance",
                f"{_where(ctx)} answered 204 with a body",
                "A 204 No Content response carries no body.",
            )
        return
    if exchange.status >= 500:
        return  # already a server error; its body says nothing about the contract
    kind = exchange.content_type or "no Content-Type"
    is_json = kind == "application/json" or kind.endswith("+json")
    try:
        exchange.json()
        parses = True
    except ValueError:
        parses = False
    if not (is_json and parses):
        raise violation(
            ctx,
            "content_type_conformance",
            f"{_where(ctx)} answered {exchange.status} with {kind}, not a JSON body",
            "Every response but 204 must be JSON (application/json), errors included, "
            f"so clients can read it. Body starts: {exchange.response_body[:80]!r}",
        )


@check
def response_schema_conformance(ctx: CheckContext) -> None:
    """A successful body conforms to the response schema of its operation."""
    if ctx.validator is None or not 200 <= ctx.exchange.status < 300:
        return
    body = _body(ctx)
    if body is None and not ctx.exchange.response_body.strip():
        return  # no body to check; content_type_conformance speaks for 2xx bodies
    errors = sorted(ctx.validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {e.json_path}: {e.message}" for e in errors[:8]]
        more = f"\n  … and {len(errors) - 8} more" if len(errors) > 8 else ""
        raise violation(
            ctx,
            "response_schema_conformance",
            f"{_where(ctx)} {ctx.exchange.status} body does not match the {ctx.operation} schema"
            f" ({errors[0].json_path}: {errors[0].message[:80]})",
            "The response breaks the documented shape:\n" + "\n".join(lines) + more,
        )


def _echo_differences(ctx: CheckContext, want: Mapping[str, Any], got: Any) -> list[str]:
    if not isinstance(got, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    for key, value in want.items():
        if value is None:
            continue
        if key not in got:
            problems.append(f"{key}: sent {value!r}, missing from the response")
        elif not same_value(value, got[key], ctx.field_types.get(key)):
            problems.append(f"{key}: sent {value!r}, got {got[key]!r}")
    for key in ctx.removed:
        if got.get(key) is not None:
            problems.append(f"{key}: set to null to remove it, still {got[key]!r}")
    return problems


def _echoed_keys(sent: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("name", "lead_id", "custom_object_type_id")
    return {k: v for k, v in sent.items() if k in keys or k.startswith("custom.")}


@check
def echo_conformance(ctx: CheckContext) -> None:
    """A create or update answers with the values it was sent."""
    if ctx.sent is None or not 200 <= ctx.exchange.status < 300:
        return
    problems = _echo_differences(ctx, _echoed_keys(ctx.sent), _body(ctx))
    if problems:
        raise violation(
            ctx,
            "echo_conformance",
            f"{_where(ctx)} did not echo what it was sent ({problems[0]})",
            "The instance returned must hold the values sent:\n  " + "\n  ".join(problems),
        )


def _read_matches(ctx: CheckContext, name: str, what: str) -> None:
    if ctx.exchange.status != 200:
        raise violation(
            ctx,
            name,
            f"{_where(ctx)} answered {ctx.exchange.status} {what}, expected 200",
            f"The instance {ctx.instance_id} must be readable {what}.",
        )
    problems = _echo_differences(ctx, ctx.expected or {}, _body(ctx))
    if problems:
        raise violation(
            ctx,
            name,
            f"{_where(ctx)} {what} shows other values ({problems[0]})",
            "A read must show what the write stored:\n  " + "\n  ".join(problems),
        )


@check
def read_after_create(ctx: CheckContext) -> None:
    """A created instance can be retrieved by its id, with the values it was created with."""
    _read_matches(ctx, "read_after_create", "after create")


def _listed(ctx: CheckContext) -> list[Mapping[str, Any]]:
    body = _body(ctx)
    data = body.get("data") if isinstance(body, Mapping) else None
    return [item for item in data or [] if isinstance(item, Mapping)]


def _listed_ids(ctx: CheckContext) -> set[Any]:
    return {item.get("id") for item in _listed(ctx)}


@check
def listed_after_create(ctx: CheckContext) -> None:
    """A created instance appears when listing its lead's instances."""
    if ctx.exchange.status != 200 or ctx.instance_id not in _listed_ids(ctx):
        raise violation(
            ctx,
            "listed_after_create",
            f"{ctx.instance_id} is missing from {_where(ctx)} ({ctx.exchange.status})",
            f"Listing the lead's instances must include the one just created. {ctx.note}".strip(),
        )
    # Close documents lead_id as the list's filter: an instance of another lead in the
    # answer means the filter is broken, whatever else the page holds.
    wanted = dict(ctx.exchange.params).get("lead_id")
    strays = sorted(
        str(item.get("id"))
        for item in _listed(ctx)
        if "lead_id" in item and item["lead_id"] != wanted
    )
    if wanted and strays:
        raise violation(
            ctx,
            "listed_after_create",
            f"{_where(ctx)} holds {len(strays)} instance(s) of other leads: "
            + ", ".join(strays[:3]),
            f"GET custom_object/?lead_id={wanted} must list only that lead's instances.",
        )


@check
def update_conformance(ctx: CheckContext) -> None:
    """An update (PUT, a partial update) answers 200 and later reads show it."""
    if ctx.operation == "update":
        if not 200 <= ctx.exchange.status < 300:
            raise violation(
                ctx,
                "update_conformance",
                f"{_where(ctx)} answered {ctx.exchange.status} to a valid update",
                f"A valid update must succeed.{_why(ctx)}",
            )
        return
    _read_matches(ctx, "update_conformance", "after update")


@check
def gone_after_delete(ctx: CheckContext) -> None:
    """A delete answers 204 and the instance is gone (404) afterwards."""
    status = ctx.exchange.status
    if ctx.operation == "delete" and status == 404 and ctx.exchange.may_have_repeated:
        return  # an earlier, unanswered attempt deleted it: this answer is to a repeat
    if ctx.operation == "delete" and status != 204:
        raise violation(
            ctx,
            "gone_after_delete",
            f"{_where(ctx)} answered {status}, expected 204",
            "Close documents 204 No Content for a delete.",
        )
    if ctx.operation != "delete" and status != 404:
        raise violation(
            ctx,
            "gone_after_delete",
            f"{_where(ctx)} answered {status} after the delete, expected 404",
            f"The deleted instance {ctx.instance_id} must be gone.",
        )


@check
def org_isolation(ctx: CheckContext) -> None:
    """Another organization's key can neither see nor change this organization's instance."""
    status = ctx.exchange.status
    if ctx.operation.startswith("intact"):
        if status != 200:
            raise violation(
                ctx,
                "org_isolation",
                f"{ctx.instance_id} is gone after another organization tried to change it",
                f"{ctx.note} A foreign key must not affect this instance (read: {status}).",
            )
        problems = _echo_differences(ctx, ctx.expected or {}, _body(ctx))
        if problems:
            raise violation(
                ctx,
                "org_isolation",
                f"{ctx.instance_id} changed after another organization's update ({problems[0]})",
                "\n  ".join(problems),
            )
        return
    if ctx.operation == "list":
        if ctx.instance_id in _listed_ids(ctx):
            raise violation(
                ctx,
                "org_isolation",
                f"{_where(ctx)} with another organization's key lists {ctx.instance_id}",
                f"One organization's instances must not be listed to another. {ctx.note}",
            )
        return
    if 200 <= status < 300:
        raise violation(
            ctx,
            "org_isolation",
            f"{_where(ctx)} with another organization's key answered {status}",
            f"An instance of one organization must be unknown (404) to another. {ctx.note}",
        )
