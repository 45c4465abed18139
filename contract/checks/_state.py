"""Checks of an answer against what happened before: echoes, reads, lists, updates,
deletes and other organizations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.checks._equality import multi_valued, same_value
from contract.checks._registry import (
    CheckContext,
    body_of,
    check,
    echoed,
    note_of,
    violation,
    where,
)

__all__ = ["SECOND_KEY"]

SECOND_KEY = "a second organization's key (--other-api-key or CLOSE_OTHER_API_KEY)"
"""What org_isolation needs: its ``requires``, which a run with the key meets."""


def _echo_differences(ctx: CheckContext, want: Mapping[str, Any], got: Any) -> list[str]:
    if not isinstance(got, Mapping):
        return ["the body is not a JSON object"]
    problems = []
    for key, value in want.items():
        if value is None:
            continue
        if key not in got:
            problems.append(f"{key}: sent {value!r}, missing from the response")
        elif not same_value(
            value, got[key], ctx.field_types.get(key), multiple=multi_valued(ctx.field_types, key)
        ):
            problems.append(f"{key}: sent {value!r}, got {got[key]!r}")
    for key in ctx.removed:
        if got.get(key) is not None:
            problems.append(f"{key}: set to null to remove it, still {got[key]!r}")
    return problems


@check(needs=("sent",))
def echo_conformance(ctx: CheckContext) -> None:
    """A create or update answers with the values it was sent."""
    if ctx.sent is None or not 200 <= ctx.exchange.status < 300:
        return
    problems = _echo_differences(ctx, echoed(ctx.sent), body_of(ctx))
    if problems:
        raise violation(
            ctx,
            "echo_conformance",
            f"{where(ctx)} did not echo what it was sent ({problems[0]})",
            "The instance returned must hold the values sent:\n  " + "\n  ".join(problems),
        )


def _read_matches(ctx: CheckContext, name: str, what: str) -> None:
    if ctx.exchange.status != 200:
        raise violation(
            ctx,
            name,
            f"{where(ctx)} answered {ctx.exchange.status} {what}, expected 200",
            f"The instance {ctx.instance_id} must be readable {what}.",
        )
    problems = _echo_differences(ctx, ctx.expected or {}, body_of(ctx))
    if problems:
        raise violation(
            ctx,
            name,
            f"{where(ctx)} {what} shows other values ({problems[0]})",
            "A read must show what the write stored:\n  " + "\n  ".join(problems),
        )


@check(steps={"read_after_create"}, needs=("expected", "instance_id"))
def read_after_create(ctx: CheckContext) -> None:
    """A created instance can be retrieved by its id, with the values it was created with."""
    _read_matches(ctx, "read_after_create", "after create")


def _listed(ctx: CheckContext) -> list[Mapping[str, Any]]:
    body = body_of(ctx)
    data = body.get("data") if isinstance(body, Mapping) else None
    return [item for item in data or [] if isinstance(item, Mapping)]


def _listed_ids(ctx: CheckContext) -> set[Any]:
    return {item.get("id") for item in _listed(ctx)}


@check(operations={"list"}, steps={"listed_after_create"}, needs=("instance_id",))
def listed_after_create(ctx: CheckContext) -> None:
    """A created instance appears when listing its lead's instances."""
    if ctx.exchange.status != 200 or ctx.instance_id not in _listed_ids(ctx):
        raise violation(
            ctx,
            "listed_after_create",
            f"{ctx.instance_id} is missing from {where(ctx)} ({ctx.exchange.status})",
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
            f"{where(ctx)} holds {len(strays)} instance(s) of other leads: "
            + ", ".join(strays[:3]),
            f"GET custom_object/?lead_id={wanted} must list only that lead's instances.",
        )


@check(steps={"update", "read_after_update"}, needs=("instance_id",))
def update_conformance(ctx: CheckContext) -> None:
    """An update (PUT, a partial update) answers 200 and later reads show it."""
    if ctx.operation == "update":
        if not 200 <= ctx.exchange.status < 300:
            raise violation(
                ctx,
                "update_conformance",
                f"{where(ctx)} answered {ctx.exchange.status} to a valid update",
                f"A valid update must succeed.{note_of(ctx)}",
            )
        return
    _read_matches(ctx, "update_conformance", "after update")


@check(steps={"delete", "read_after_delete"}, needs=("instance_id",))
def gone_after_delete(ctx: CheckContext) -> None:
    """A delete answers 204 and the instance is gone (404) afterwards."""
    status = ctx.exchange.status
    if ctx.operation == "delete" and status == 404 and ctx.exchange.may_have_repeated:
        return  # an earlier, unanswered attempt deleted it: this answer is to a repeat
    if ctx.operation == "delete" and status != 204:
        raise violation(
            ctx,
            "gone_after_delete",
            f"{where(ctx)} answered {status}, expected 204",
            "Close documents 204 No Content for a delete.",
        )
    if ctx.operation != "delete" and status != 404:
        raise violation(
            ctx,
            "gone_after_delete",
            f"{where(ctx)} answered {status} after the delete, expected 404",
            f"The deleted instance {ctx.instance_id} must be gone.",
        )


@check(
    steps={"isolation"},
    needs=("instance_id",),
    requires=SECOND_KEY,
)
def org_isolation(ctx: CheckContext) -> None:
    """Another organization's key can neither see nor change this organization's instance."""
    status = ctx.exchange.status
    if ctx.operation == "intact":
        if status != 200:
            raise violation(
                ctx,
                "org_isolation",
                f"{ctx.instance_id} is gone after another organization tried to change it",
                f"{ctx.note} A foreign key must not affect this instance (read: {status}).",
            )
        problems = _echo_differences(ctx, ctx.expected or {}, body_of(ctx))
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
                f"{where(ctx)} with another organization's key lists {ctx.instance_id}",
                f"One organization's instances must not be listed to another. {ctx.note}",
            )
        return
    if 200 <= status < 300:
        raise violation(
            ctx,
            "org_isolation",
            f"{where(ctx)} with another organization's key answered {status}",
            f"An instance of one organization must be unknown (404) to another. {ctx.note}",
        )


# Answers that show an instance the run created or changed with its own key: the create,
# its update, and the reads of it (of each, the instance itself; lists may hold others').
_AUTHORED_STEPS = frozenset({"create", "update", "read_after_create", "read_after_update", "read"})


@check(steps=_AUTHORED_STEPS, keys={"own"}, needs=("user_id",))
def authored_by_the_key(ctx: CheckContext) -> None:
    """What the run created or changed names the key's user as ``created_by`` and
    ``updated_by``.

    DOC api-key-authentication: "API keys are scoped to a particular user/organization
    combination", so what a key makes, that user made; OAS: instances carry ``created_by``
    and ``updated_by`` user ids. Only instances the run made itself are judged: who made
    what existed before the run is not the run's to say.
    """
    body = body_of(ctx)
    if not 200 <= ctx.exchange.status < 300 or not isinstance(body, Mapping):
        return
    problems = [
        f"{key}: {body[key]!r}, not the key's user {ctx.user_id}"
        for key in ("created_by", "updated_by")
        if key in body and body[key] is not None and body[key] != ctx.user_id
    ]
    if problems:
        raise violation(
            ctx,
            "authored_by_the_key",
            f"{where(ctx)} names another author than the key's user ({problems[0]})",
            "An instance the run's key created or changed was made by the key's user:\n  "
            + "\n  ".join(problems),
        )
