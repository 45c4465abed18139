"""Checks of what another organization's ids and key reach: its objects named in the run's
own writes, and whether its key can tell which ids exist.

DOC api-key-authentication: "API keys are scoped to a particular user/organization
combination". What one organization holds is unknown to another, so a write of the run
that names it must be refused, as an id that exists nowhere would be (400 or 404).
A user may belong to both organizations, and whether a 403 against a 404 tells a foreign
key that an id exists is only inferred: those two report as warnings.
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
from contract.checks._state import SECOND_KEY

__all__ = ["ADVISORY", "OTHER_IDS"]

ADVISORY = frozenset({"foreign_user_refused", "existence_not_leaked"})
"""This module's checks that report warnings that fail nothing (INF)."""

OTHER_IDS = (
    "readable ids in the other organization (a second key; its lead, contacts and instances "
    "with --other-lead-id)"
)
"""What the reference checks need: their ``requires``, which a run meets once the second
key's reads showed at least one id of its organization."""


def _shows(body: Any, key: str, foreign: Any) -> bool:
    """Whether an answer holds the foreign id under ``key`` (alone or in a list)."""
    if not isinstance(body, Mapping) or key not in body:
        return False
    value = body[key]
    wanted = foreign if isinstance(foreign, list) else [foreign]
    held = value if isinstance(value, list) else [value]
    return any(item in held for item in wanted)


def _foreign(ctx: CheckContext) -> tuple[Mapping[str, Any], str]:
    prediction = ctx.prediction or {}
    return prediction.get("foreign", {}), str(prediction.get("what", "another organization's id"))


@check(steps={"foreign_reference"}, keys={"own"}, needs=("prediction",), requires=OTHER_IDS)
def foreign_references_refused(ctx: CheckContext) -> None:
    """A create, or a PUT of the run's own instance, that names another organization's
    lead, contact, instance or type is refused with 400 or 404 (DOC: a key is scoped to
    its organization). A PUT may instead ignore a key Close does not let a PUT change
    (``lead_id``): a 2xx whose instance does not hold the foreign id."""
    foreign, what = _foreign(ctx)
    status = ctx.exchange.status
    if status in ctx.expected_statuses or status >= 500 or status == 429:
        return  # a 5xx is not_a_server_error's to report
    body = body_of(ctx)
    if 200 <= status < 300:
        shown = [key for key, value in foreign.items() if _shows(body, key, value)]
        if ctx.operation == "update" and not shown:
            return  # ignored, as Close may ignore a key a PUT cannot change
        named = ", ".join(f"{key}={value!r}" for key, value in foreign.items())
        raise violation(
            ctx,
            "foreign_references_refused",
            f"{where(ctx)} accepted {what} ({status})",
            f"The body named {what} ({named}). An API key is scoped to its organization "
            f"(Close's API key documentation): another organization's objects are unknown "
            f"to it, so the write must be refused with {statuses_text(ctx.expected_statuses)}."
            + (f" The answer holds it under {', '.join(shown)}." if shown else ""),
        )
    raise violation(
        ctx,
        "foreign_references_refused",
        f"{where(ctx)} naming {what} answered {status}, expected "
        f"{statuses_text(ctx.expected_statuses)}",
        f"{what.capitalize()} is unknown to this key's organization: refused as an id that "
        "exists nowhere would be. A 403 would tell the key that the object exists.",
    )


@check(steps={"foreign_user"}, keys={"own"}, needs=("prediction",), requires=OTHER_IDS)
def foreign_user_refused(ctx: CheckContext) -> None:
    """A create naming the other organization's user in a user field is refused.

    A warning: a user may belong to both organizations, and then the reference is valid
    (INF)."""
    foreign, what = _foreign(ctx)
    status = ctx.exchange.status
    if not 200 <= status < 300:
        return  # any refusal keeps the property; a 5xx is not_a_server_error's
    shown = [key for key, value in foreign.items() if _shows(body_of(ctx), key, value)]
    named = ", ".join(f"{key}={value!r}" for key, value in foreign.items())
    raise violation(
        ctx,
        "foreign_user_refused",
        f"{where(ctx)} accepted {what} ({status})",
        f"The body named {what} ({named}), a user of the second key's organization"
        + (f"; the answer holds it under {', '.join(shown)}" if shown else "")
        + ". Unless that user also belongs to this organization, the reference crosses "
        "organizations.",
        severity="warning",
    )


@check(steps={"existence"}, keys={"other"}, requires=SECOND_KEY)
def existence_not_leaked(ctx: CheckContext) -> None:
    """With another organization's key, an id that exists nowhere answers as the run's own
    instance does (INF, advisory): a 403 for one and a 404 for the other tells the key
    which ids exist (Web Fuzzing Commons 304)."""
    status = ctx.exchange.status
    if status in ctx.expected_statuses or status >= 500 or status == 429:
        return
    raise violation(
        ctx,
        "existence_not_leaked",
        f"{where(ctx)} with another organization's key answered {status} for an id that exists "
        f"nowhere, {statuses_text(ctx.expected_statuses)} for the run's instance",
        "A key that gets different answers for an instance it may not see and for an id that "
        f"does not exist learns which ids exist. {ctx.note}".strip(),
        severity="warning",
    )
