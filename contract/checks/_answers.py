"""Checks on one answer by itself: its status, its media type, its schema."""

from __future__ import annotations

from contract.checks._registry import (
    CheckContext,
    body_of,
    check,
    note_of,
    statuses_text,
    violation,
    where,
)

__all__: list[str] = []


@check
def not_a_server_error(ctx: CheckContext) -> None:
    """No request, valid or not, may make the API fail with a 5xx."""
    if ctx.exchange.status >= 500:
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


@check
def status_conformance(ctx: CheckContext) -> None:
    """The status is one the contract allows for this case."""
    expected = ctx.expected_statuses
    why = f"Expected {statuses_text(expected)} for this {ctx.operation}."
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
                f"{where(ctx)} answered 204 with a body",
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
            f"{where(ctx)} answered {exchange.status} with {kind}, not a JSON body",
            "Every response but 204 must be JSON (application/json), errors included, "
            f"so clients can read it. Body starts: {exchange.response_body[:80]!r}",
        )


@check
def response_schema_conformance(ctx: CheckContext) -> None:
    """A successful body conforms to the response schema of its operation."""
    if ctx.validator is None or not 200 <= ctx.exchange.status < 300:
        return
    body = body_of(ctx)
    if body is None and not ctx.exchange.response_body.strip():
        return  # no body to check; content_type_conformance speaks for 2xx bodies
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
