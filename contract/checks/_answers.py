"""Checks on one answer by itself: its status, its media type, its schema."""

from __future__ import annotations

from typing import get_args

from contract.checks._registry import (
    CheckContext,
    Step,
    check,
    note_of,
    statuses_text,
    violation,
    where,
)

__all__ = ["unimplemented"]

# The answers to requests the run sent and judges one by one: not a read after another
# organization's attempt (``intact``, judged for isolation only) nor a walk of pages.
_ANSWERS = frozenset({"create", "retrieve", "list", "update", "delete", "probe"})
# Media types are judged on every such answer but another organization's and a deleted
# instance's, which their own steps' checks judge alone (None: an answer of no step).
_TYPED: frozenset[str | None] = frozenset(get_args(Step)) - {"isolation", "stale"} | {None}


# The methods Close documents for these endpoints: a 501 to any other is HTTP's own answer
# for a method the server does not implement (RFC 9110 section 15.6.2), not a failure.
_DOCUMENTED_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE"})


def unimplemented(ctx: CheckContext) -> bool:
    """Whether the answer is a 501 to a method Close documents for none of these endpoints
    (which :func:`not_a_server_error` leaves to the checks of such methods)."""
    return ctx.exchange.status == 501 and ctx.exchange.method not in _DOCUMENTED_METHODS


@check(operations=_ANSWERS)
def not_a_server_error(ctx: CheckContext) -> None:
    """No request, valid or not, may make the API fail with a 5xx (a 501 to a method
    Close does not document is HTTP's answer for a method not implemented)."""
    if ctx.exchange.status >= 500 and not unimplemented(ctx):
        raise violation(
            ctx,
            "not_a_server_error",
            f"{where(ctx)} answered {ctx.exchange.status}",
            f"A server error is never an acceptable answer.{note_of(ctx)}",
        )


def _status_in(ctx: CheckContext, name: str, allowed: frozenset[int], what: str, why: str) -> None:
    # A 5xx is not_a_server_error's to report; one finding per broken property.
    status = ctx.exchange.status
    if status not in allowed and status < 500:
        raise violation(
            ctx,
            name,
            f"{where(ctx)}{what} answered {status}, expected {statuses_text(allowed)}",
            f"{why}{note_of(ctx)}",
        )


@check(steps={"create", "refusal"}, keys={"own"})
def status_conformance(ctx: CheckContext) -> None:
    """The status is one the contract allows for this case."""
    expected = ctx.expected_statuses
    why = f"Expected {statuses_text(expected)} for this {ctx.operation}."
    _status_in(ctx, "status_conformance", expected, "", why)


@check(steps={"refusal"}, keys={"none"})
def auth_enforced(ctx: CheckContext) -> None:
    """A request without valid credentials is refused (401) and does nothing."""
    # 401 is documented; a case may allow more (a header too broken to parse may get 400).
    allowed = ctx.expected_statuses | {401}
    why = "Close documents 401 when a request is not authenticated."
    _status_in(ctx, "auth_enforced", allowed, " without valid credentials", why)


def _bodyless(ctx: CheckContext) -> bool:
    """Whether HTTP says the answer has no body at all (RFC 9110 section 6.4.1), or it is
    a successful OPTIONS sent without one (section 9.3.7: its content is optional)."""
    exchange = ctx.exchange
    status = exchange.status
    if exchange.method == "OPTIONS" and 200 <= status < 300:
        return not exchange.response_body.strip()
    return exchange.method == "HEAD" or status == 304 or 100 <= status < 200


@check(operations=_ANSWERS, steps=_TYPED)
def content_type_conformance(ctx: CheckContext) -> None:
    """Bodies are UTF-8 JSON (errors included); a 204 has no body.

    A 429 or a 5xx body is never judged (the status speaks), nor an answer HTTP gives no
    body (a HEAD's, a 304).
    """
    exchange = ctx.exchange
    if _bodyless(ctx):
        return
    if exchange.status == 204:
        if exchange.response_body.strip():
            raise violation(
                ctx,
                "content_type_conformance",
                f"{where(ctx)} answered 204 with a body",
                "A 204 No Content response carries no body.",
            )
        return
    if exchange.status >= 500 or exchange.status == 429:
        return  # a server error or a throttle: its body says nothing about the contract
    kind = exchange.content_type or "no Content-Type"
    is_json = kind == "application/json" or kind.endswith("+json")
    try:
        exchange.json()
        why = ""
    except ValueError as exc:
        why = f" ({str(exc)[:120]})"
    if not (is_json and not why):
        raise violation(
            ctx,
            "content_type_conformance",
            f"{where(ctx)} answered {exchange.status} with {kind}, not a JSON body{why}",
            "Every response but 204 must be UTF-8 JSON (application/json), errors "
            f"included, so clients can read it. Body starts: {exchange.response_body[:80]!r}",
        )


@check(needs=("validator",))
def response_schema_conformance(ctx: CheckContext) -> None:
    """A successful body conforms to the response schema of its operation."""
    if ctx.validator is None or not 200 <= ctx.exchange.status < 300:
        return
    try:
        body = ctx.exchange.json()
    except ValueError:
        return  # no JSON to check: content_type_conformance speaks for such bodies
    errors = sorted(ctx.validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {e.json_path}: {e.message}" for e in errors[:8]]
        more = f"\n  … and {len(errors) - 8} more" if len(errors) > 8 else ""
        raise violation(
            ctx,
            "response_schema_conformance",
            f"{where(ctx)} {ctx.exchange.status} body does not match the {ctx.operation} schema"
            f" ({errors[0].json_path}: {errors[0].message[:80]})",
            "The response breaks the documented shape:\n" + "\n".join(lines) + more,
        )
