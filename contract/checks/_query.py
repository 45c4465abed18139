"""Checks of reads sent with a query parameter: what each parameter promises, and how a
malformed or unknown one may be answered.

Evidence levels as in close-api.md. Close's OpenAPI declares only ``lead_id`` and
``custom_object_type_id`` on ``GET custom_object/`` (OAS, §1.2 and §11). Paging with
``_skip``/``_limit`` is documented for Close's list endpoints (DOC pagination.md) and field
selection with ``_fields`` for "most endpoints" (DOC fields.md), but neither for these: on
custom objects both are inferred (INF, §10 lists them as a gap), so what they promise is
reported at warning severity. That a bad request is refused with 400 is documented (DOC
http-response-codes.md: "400 when there was an issue with the request"; pagination.md: a
``_limit`` past the maximum gets "a 400 response"); a 5xx is ``not_a_server_error``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.checks._registry import (
    CheckContext,
    body_of,
    check,
    statuses_text,
    violation,
    where,
)

__all__: list[str] = []

_QUERY = "reads with query parameters (sent on the first valid lifecycle of each type)"


def _probe(ctx: CheckContext, parameter: str | None = None) -> Mapping[str, Any] | None:
    """The probe's description when ``ctx`` is a valid value of ``parameter`` (None: any
    malformed one) that got a non-5xx answer; else None (nothing to judge here)."""
    query = ctx.query
    if query is None or ctx.exchange.status >= 500:
        return None  # a 5xx is not_a_server_error's to report
    if parameter is None:
        return None if query.get("valid") else query
    return query if query.get("parameter") == parameter and query.get("valid") else None


def _sent(ctx: CheckContext, parameter: str) -> str:
    return dict(ctx.exchange.params).get(parameter, "")


def _objects(ctx: CheckContext) -> list[Mapping[str, Any]] | None:
    """The instances an answer shows: a list's items, or the retrieved instance (None: the
    body has neither shape, which content_type_conformance and the schemas judge)."""
    body = body_of(ctx)
    if not isinstance(body, Mapping):
        return None
    if ctx.operation != "list":
        return [body]
    data = body.get("data")
    if not isinstance(data, list):
        return None
    return [item for item in data if isinstance(item, Mapping)]


def _refused(ctx: CheckContext, name: str, promise: str) -> None:
    if ctx.exchange.status != 200:
        raise violation(
            ctx,
            name,
            f"{where(ctx)} answered {ctx.exchange.status} to {_shown_query(ctx)}",
            f"Close documents {promise}; a valid value is not refused. Close documents it "
            "for its endpoints in general, not for custom objects, so this is a warning.",
            severity="warning",
        )


def _shown_query(ctx: CheckContext) -> str:
    query = ctx.query or {}
    name = str(query.get("parameter", ""))
    return f"{name}={_sent(ctx, name)!r}"


@check(steps={"query"}, needs=("query",), requires=_QUERY)
def query_status_conformance(ctx: CheckContext) -> None:
    """A malformed value of a query parameter, or a parameter of an unknown name, is
    ignored (2xx) or refused with 400 (404 too where the value names an object, a type
    id); never another status. DOC http-response-codes.md and pagination.md."""
    query = _probe(ctx)
    if query is None:
        return
    allowed = ctx.expected_statuses
    if ctx.exchange.status not in allowed:
        raise violation(
            ctx,
            "query_status_conformance",
            f"{where(ctx)} answered {ctx.exchange.status} to {_shown_query(ctx)} "
            f"({query.get('label', 'malformed')}), expected {statuses_text(allowed)}",
            "Close documents 400 for a request with an issue, and a read may also ignore a "
            "parameter it does not use; no other status is documented for a bad query. "
            f"{ctx.note}".strip(),
        )


@check(steps={"query"}, needs=("query",), requires=_QUERY)
def fields_selected(ctx: CheckContext) -> None:
    """``_fields=a,b`` answers instances with those keys only (``id`` may come along) and
    with each of them. DOC fields.md ("Most endpoints support a ``_fields`` parameter");
    INF on custom objects: a warning."""
    if _probe(ctx, "_fields") is None:
        return
    promise = "that most endpoints support a _fields parameter"
    _refused(ctx, "fields_selected", promise)
    wanted = {name.strip() for name in _sent(ctx, "_fields").split(",") if name.strip()}
    problems: list[str] = []
    for instance in _objects(ctx) or []:
        label = instance.get("id", "an instance")
        extra = sorted(set(instance) - wanted - {"id"})
        missing = sorted(wanted - set(instance))
        if extra:
            problems.append(f"{label}: keys not asked for: {', '.join(extra[:6])}")
        if missing:
            problems.append(f"{label}: keys asked for, missing: {', '.join(missing)}")
    if problems:
        raise violation(
            ctx,
            "fields_selected",
            f"{where(ctx)} does not answer only the fields asked for ({problems[0]})",
            f"Sent _fields={_sent(ctx, '_fields')}: Close documents {promise}, which "
            "answers the keys named. Close does not document it for custom objects, so this "
            "is a warning.\n  " + "\n  ".join(problems[:8]),
            severity="warning",
        )


@check(operations={"list"}, steps={"query"}, needs=("query",), requires=_QUERY)
def limit_honoured(ctx: CheckContext) -> None:
    """``_limit=N`` answers at most N items, with ``has_more`` true when the list holds
    more. DOC pagination.md for Close's lists; INF on custom objects (their OpenAPI
    declares no paging): a warning. How pages join with ``_skip`` is paging_consistent's."""
    query = _probe(ctx, "_limit")
    if query is None:
        return
    promise = "offset paging with _limit for its lists (pagination)"
    _refused(ctx, "limit_honoured", promise)
    items = _objects(ctx)
    body = body_of(ctx)
    if items is None or not isinstance(body, Mapping):
        return
    limit = int(_sent(ctx, "_limit"))
    at_least = int(query.get("at_least", 0))
    problems = []
    if len(items) > limit:
        problems.append(f"{len(items)} items")
    if at_least > limit and body.get("has_more") is not True:
        problems.append(
            f"has_more {body.get('has_more')!r} although {at_least} of the run's own "
            "instances match"
        )
    if problems:
        raise violation(
            ctx,
            "limit_honoured",
            f"{where(ctx)} with _limit={limit} answers {'; '.join(problems)}",
            f"Close documents {promise}: a page holds at most _limit items and says "
            "has_more while more follow. Close does not document paging for custom objects, "
            "so this is a warning.",
            severity="warning",
        )
