"""Checks of an answer against what the stateful phase's reference model predicts.

Each is given ``ctx.prediction`` (built by the model: see ``contract.engine``) and stays
silent without one. Evidence levels as in close-api.md: DOC (Close's docs text), OAS
(Close's OpenAPI and its examples), HTTP (HTTP semantics), INF (inference).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from contract.checks._equality import same_value
from contract.checks._registry import CheckContext, body_of, check, violation, where

__all__: list[str] = []

# Servers behind a load balancer stamp times with their own clocks: a small skew between
# two of them is not an update that went back in time.
_CLOCK_SKEW_SECONDS = 1.0
_GONE = frozenset({404, 410})

# Predictions exist in the stateful phase only. The steps whose answer shows one instance
# as the model has it (a create, an update, a read): what every such answer owes.
_SHOWN = frozenset({"create", "update", "read", "read_after_refusal"})
# The model's checks judge only what the stateful phase predicts.
_STATEFUL = "the stateful phase (--stateful-runs above 0, on the emulator or a live target)"


def _instance(ctx: CheckContext) -> Mapping[str, Any] | None:
    if ctx.prediction is None or not 200 <= ctx.exchange.status < 300:
        return None
    body = body_of(ctx)
    return body if isinstance(body, Mapping) else None


def _items(ctx: CheckContext) -> list[Mapping[str, Any]]:
    body = body_of(ctx)
    data = body.get("data") if isinstance(body, Mapping) else None
    return [item for item in data or [] if isinstance(item, Mapping)]


def _differences(
    ctx: CheckContext, want: Mapping[str, Any], got: Mapping[str, Any], keys: Any
) -> list[str]:
    problems = []
    for key in sorted(keys):
        if key not in want:
            continue
        if key not in got:
            problems.append(f"{key}: should be {want[key]!r}, missing")
        elif not same_value(want[key], got[key], ctx.field_types.get(key)):
            problems.append(f"{key}: should be {want[key]!r}, got {got[key]!r}")
    return problems


def _fail(ctx: CheckContext, name: str, title: str, problems: list[str], why: str) -> None:
    if problems:
        raise violation(
            ctx, name, f"{where(ctx)} {title} ({problems[0]})", why + "\n  " + "\n  ".join(problems)
        )


@check(phases={"stateful"}, steps=_SHOWN | {"list"}, needs=("prediction",), requires=_STATEFUL)
def organization_consistent(ctx: CheckContext) -> None:
    """An instance's organization_id is the key's organization.

    DOC api-key-authentication ("API keys are scoped to a particular user/organization
    combination") and OAS (instances carry organization_id).
    """
    if ctx.prediction is None or not 200 <= ctx.exchange.status < 300:
        return
    wanted = ctx.prediction.get("organization_id")
    if not wanted:
        return
    body = body_of(ctx)
    found = _items(ctx) if ctx.operation == "list" else [body] if isinstance(body, Mapping) else []
    problems = [
        f"{item.get('id')}: organization_id {item['organization_id']!r}"
        for item in found
        if "organization_id" in item and item["organization_id"] != wanted
    ]
    _fail(
        ctx,
        "organization_consistent",
        f"names another organization than the key's {wanted}",
        problems,
        "An instance made with a key belongs to the key's organization.",
    )


@check(phases={"stateful"}, steps={"update", "read"}, needs=("prediction",), requires=_STATEFUL)
def put_is_patch(ctx: CheckContext) -> None:
    """Keys a PUT body leaves out keep their value. DOC fields.md: "every PUT request
    behaves as a PATCH"."""
    body = _instance(ctx)
    if body is None or ctx.prediction is None:
        return
    values = ctx.prediction.get("values", {})
    problems = _differences(ctx, values, body, ctx.prediction.get("kept", ()))
    _fail(
        ctx,
        "put_is_patch",
        "lost values the last PUT did not name",
        problems,
        "Close documents that every PUT behaves as a PATCH: what a body leaves out stays.",
    )


@check(phases={"stateful"}, steps=_SHOWN - {"create"}, needs=("prediction",), requires=_STATEFUL)
def null_removes(ctx: CheckContext) -> None:
    """A custom key a PUT set to null is absent afterwards. OAS update example: the key set
    to null is gone from the answer."""
    body = _instance(ctx)
    if body is None or ctx.prediction is None:
        return
    problems = [
        f"{key}: set to null, still {body[key]!r}"
        for key in ctx.prediction.get("removed", ())
        if body.get(key) is not None
    ]
    _fail(
        ctx,
        "null_removes",
        "still holds a value a PUT removed",
        problems,
        "Close's update example removes a custom value that is set to null.",
    )


@check(
    phases={"stateful"},
    operations={"retrieve"},
    steps={"read"},
    needs=("prediction",),
    requires=_STATEFUL,
)
def read_matches_model(ctx: CheckContext) -> None:
    """A read of a live instance answers 200 with what the acknowledged writes left.
    HTTP: a GET represents the resource's current state."""
    if ctx.prediction is None or ctx.operation != "retrieve":
        return
    if ctx.exchange.status != 200:
        raise violation(
            ctx,
            "read_matches_model",
            f"{where(ctx)} answered {ctx.exchange.status}, expected 200",
            f"{ctx.instance_id} was created and not deleted: it must be readable.",
        )
    body = _instance(ctx) or {}
    values = ctx.prediction.get("values", {})
    skip = set(ctx.prediction.get("kept", ()))  # put_is_patch judges those
    _fail(
        ctx,
        "read_matches_model",
        "shows other values than the last write",
        _differences(ctx, values, body, set(values) - skip),
        "A read must show what the acknowledged create and updates stored.",
    )


@check(phases={"stateful"}, steps={"read_after_refusal"}, needs=("prediction",), requires=_STATEFUL)
def invalid_update_changes_nothing(ctx: CheckContext) -> None:
    """A PUT answered 4xx was not applied: a read shows the instance as before.
    HTTP: a 4xx answer means the request was refused."""
    if ctx.prediction is None or not ctx.prediction.get("after_rejected"):
        return
    body = body_of(ctx) if ctx.exchange.status == 200 else None
    if not isinstance(body, Mapping):
        return  # read_matches_model reports an unreadable instance
    values = ctx.prediction.get("values", {})
    problems = _differences(ctx, values, body, values)
    problems += [f"{k}: absent before, now {body[k]!r}" for k in _new_custom_keys(values, body)]
    _fail(
        ctx,
        "invalid_update_changes_nothing",
        f"changed after a PUT was refused with {ctx.prediction['after_rejected']}",
        problems,
        f"A refused update must leave the instance as it was. {ctx.note}".strip(),
    )


def _new_custom_keys(values: Mapping[str, Any], body: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in body if k.startswith("custom.") and k not in values)


# Also judged in the valid lifecycle: its update and the read after it carry the keys
# the read after the create showed (see contract.phases.valid_lifecycle).
@check(
    phases={"stateful", "valid"},
    steps=_SHOWN - {"create"} | {"read_after_update"},
    needs=("prediction",),
)
def immutable_on_update(ctx: CheckContext) -> None:
    """id, lead_id, custom_object_type_id, organization_id, created_by and date_created
    keep the values the create answered, in a sequence and in a single case's lifecycle.
    DOC fields.md (a PUT that does not name a key leaves it) and INF (no documented way to
    change them)."""
    body = _instance(ctx)
    if body is None or ctx.prediction is None:
        return
    fixed = ctx.prediction.get("fixed", {})
    problems = [
        f"{key}: was {fixed[key]!r}, now {body[key]!r}"
        for key in sorted(fixed)
        if key in body and body[key] != fixed[key]
    ]
    _fail(
        ctx,
        "immutable_on_update",
        "changed a key no request changed",
        problems,
        "Keys the run never wrote must keep the values the create answered.",
    )


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@check(phases={"stateful"}, steps=_SHOWN, needs=("prediction",), requires=_STATEFUL)
def timestamps_ordered(ctx: CheckContext) -> None:
    """date_updated is never before date_created and never moves backwards.
    INF from the keys' meaning (OAS examples: date_updated at or after date_created);
    a clock skew of up to a second is allowed."""
    body = _instance(ctx)
    if body is None or ctx.prediction is None:
        return
    created, updated = _moment(body.get("date_created")), _moment(body.get("date_updated"))
    earlier = _moment(ctx.prediction.get("date_updated"))
    problems = []
    if created and updated and (created - updated).total_seconds() > _CLOCK_SKEW_SECONDS:
        problems.append(f"date_updated {body['date_updated']} is before date_created")
    if earlier and updated and (earlier - updated).total_seconds() > _CLOCK_SKEW_SECONDS:
        problems.append(
            f"date_updated {body['date_updated']} is before {ctx.prediction['date_updated']}, "
            "shown earlier"
        )
    _fail(
        ctx,
        "timestamps_ordered",
        "has timestamps out of order",
        problems,
        "An instance is updated after it is created, and later updates come later.",
    )


@check(phases={"stateful"}, steps={"stale"}, needs=("prediction",), requires=_STATEFUL)
def deleted_stays_gone(ctx: CheckContext) -> None:
    """GET, PUT and DELETE of a deleted instance answer 404 (410 is HTTP's "gone" too).
    DOC: 404 for an unknown id in the path; HTTP DELETE semantics."""
    if ctx.prediction is None or not ctx.prediction.get("deleted"):
        return
    status = ctx.exchange.status
    if status not in _GONE:
        raise violation(
            ctx,
            "deleted_stays_gone",
            f"{where(ctx)} answered {status} for a deleted instance, expected 404",
            f"{ctx.instance_id} was deleted (DELETE answered 2xx): it must stay gone.",
        )


@check(
    phases={"stateful"},
    operations={"list"},
    steps={"list"},
    needs=("prediction",),
    requires=_STATEFUL,
)
def list_matches_model(ctx: CheckContext) -> None:
    """A list of one of the run's own leads holds the live instances the model has there,
    with their current values, none deleted, none of another lead or type.
    DOC list: lead_id (required) and custom_object_type_id filter the list."""
    p = ctx.prediction
    if p is None or ctx.operation != "list":
        return
    if ctx.exchange.status != 200:
        raise violation(
            ctx,
            "list_matches_model",
            f"{where(ctx)} answered {ctx.exchange.status}, expected 200",
            "A list of the run's own lead with documented parameters must succeed.",
        )
    items = _items(ctx)
    live: Mapping[str, Mapping[str, Any]] = p["live"]
    problems = []
    for item in items:
        object_id = item.get("id")
        if item.get("lead_id", p["lead_id"]) != p["lead_id"] or object_id in p["elsewhere"]:
            problems.append(f"{object_id}: of another lead ({item.get('lead_id')!r})")
        elif (
            p["custom_object_type_id"]
            and item.get("custom_object_type_id", p["custom_object_type_id"])
            != p["custom_object_type_id"]
        ):
            problems.append(f"{object_id}: of another type ({item['custom_object_type_id']!r})")
        elif object_id in p["deleted"]:
            problems.append(f"{object_id}: deleted, still listed")
        elif isinstance(object_id, str) and object_id in live:
            problems += [
                f"{object_id}: {d}"
                for d in _differences(ctx, live[object_id], item, live[object_id])
            ]
    ids = [item.get("id") for item in items]
    problems += [f"{i}: listed twice" for i in sorted({str(i) for i in ids if ids.count(i) > 1})]
    body = body_of(ctx)
    complete = (
        p["exact"]
        and not p.get("subset")
        and not (isinstance(body, Mapping) and body.get("has_more"))
    )
    if complete:
        problems += [f"{i}: live, missing from the list" for i in sorted(set(live) - set(ids))]
        allowed = set(live) | set(p["maybe"])
        problems += [
            f"{i}: not an instance of this lead"
            for i in ids
            if i not in allowed and f"{i}:" not in " ".join(problems)
        ]
    _fail(
        ctx,
        "list_matches_model",
        "does not list what the lead holds",
        problems,
        f"Listed with {p['lead_id']}"
        + (f" and {p['custom_object_type_id']}" if p["custom_object_type_id"] else "")
        + ": the list must hold the lead's live instances, as they are now.",
    )


@check(phases={"stateful"}, operations={"walk"}, needs=("prediction",), requires=_STATEFUL)
def paging_consistent(ctx: CheckContext) -> None:
    """Where the server pages, ``_limit`` bounds each page and pages walked with ``_skip``
    join, without duplicates or gaps, into the unpaged list; the last says has_more false.
    DOC pagination.md (OAS lists no paging parameters here: a server that ignores
    ``_limit`` and answers everything at once is not faulted)."""
    p = ctx.prediction
    if p is None or "pages" not in p:
        return
    limit, pages, unpaged = int(p["limit"]), p["pages"], p["unpaged"]
    if not pages or len(pages[0]) > limit:
        return  # the server does not page this list: nothing paging-related to judge
    problems = [
        f"page {n + 1} holds {len(page)} items" for n, page in enumerate(pages) if len(page) > limit
    ]
    joined = [i for page in pages for i in page]
    problems += [f"{i}: on two pages" for i in sorted({i for i in joined if joined.count(i) > 1})]
    problems += [
        f"{i}: in the unpaged list, on no page" for i in sorted(set(unpaged) - set(joined))
    ]
    problems += [
        f"{i}: on a page, not in the unpaged list" for i in sorted(set(joined) - set(unpaged))
    ]
    if p.get("more_at_end"):
        problems.append(f"has_more still true after {len(joined)} items")
    _fail(
        ctx,
        "paging_consistent",
        f"pages with _limit={limit} do not add up to the list",
        problems,
        f"Walked with _limit={limit} and _skip; unpaged the list holds {len(unpaged)} items.",
    )
