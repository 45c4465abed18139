"""Checks of an instance's timestamps: against the server's clock and ours, and across
operations.

Close documents ``date_created`` and ``date_updated`` only by their names and its examples
(OAS: ``2020-08-04T16:45:35.367000+00:00``); that a new instance is stamped *now*, and
that an update moves ``date_updated`` on, is inferred from those names (INF). So each
check here reports at warning severity.

Two clocks are never trusted alone: a ``Date`` header may come from a proxy, and the
runner's clock may drift. A timestamp is judged wrong only when both clocks that are there
agree, by more than the skew the run allows (``--clock-skew``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from contract.checks._registry import CheckContext, body_of, check, violation, where

__all__ = ["ADVISORY"]

ADVISORY = frozenset({"timestamps_not_in_future", "stamped_when_created", "date_updated_advances"})
"""This module's checks: each reports a warning that fails nothing (INF)."""

# The keys a custom object instance carries its timestamps in (OAS examples).
_STAMPS = ("date_created", "date_updated")
# Two machines behind one load balancer stamp with their own clocks: an update stamped a
# little before the create it follows is their skew, not time going back.
_BETWEEN_SERVERS = 1.0
# A fraction with a digit other than 0: the server stamps finer than whole seconds.
_FINE = re.compile(r"T[\d:]+\.\d*[1-9]")
_ANSWERS = frozenset({"create", "retrieve", "list", "update"})


def _moment(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware datetime (a naive one read as UTC), else None."""
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _date_header(ctx: CheckContext) -> datetime | None:
    """The answer's ``Date`` header as an aware datetime, or None (absent or unreadable:
    whether it is well-formed is not this module's matter)."""
    value = ctx.exchange.header("date")
    if not value:
        return None
    try:
        found = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _instances(ctx: CheckContext) -> Iterator[Mapping[str, Any]]:
    body = body_of(ctx)
    if not isinstance(body, Mapping):
        return
    if ctx.operation == "list":
        data = body.get("data")
        yield from (
            (item for item in data if isinstance(item, Mapping)) if isinstance(data, list) else ()
        )
    else:
        yield body


def _references(ctx: CheckContext, ours: datetime | None) -> list[tuple[str, datetime]]:
    """The clocks that are there to compare with, each named for messages."""
    found = [("the Date header", _date_header(ctx)), ("our clock", ours)]
    return [(name, at) for name, at in found if at is not None]


def _named(references: list[tuple[str, datetime]]) -> str:
    """The clocks compared with, as a message names them."""
    return " and ".join(f"{name} ({at.isoformat(timespec='seconds')})" for name, at in references)


def _seconds(delta: float) -> str:
    """A time difference as people say it: seconds, minutes, or hours past 50 minutes."""
    if delta >= 3000:
        return f"{delta / 3600:.1f} h"
    return f"{delta / 60:.0f} min" if delta >= 90 else f"{delta:.0f} s"


@check(operations=_ANSWERS, keys={"own"}, needs=("clock",))
def timestamps_not_in_future(ctx: CheckContext) -> None:
    """No ``date_created`` or ``date_updated`` of an instance is ahead of both the answer's
    ``Date`` header (when it has one) and our clock by more than ``--clock-skew``.

    INF: a timestamp records when something happened, which cannot be later than the
    answer that shows it. Both clocks must agree: a proxy may set ``Date``, and the
    runner's clock may drift.
    """
    clock = ctx.clock
    if clock is None or not 200 <= ctx.exchange.status < 300:
        return
    references = _references(ctx, clock.now())
    if not references:
        return
    latest = max(at for _, at in references)
    problems = []
    for item in _instances(ctx):
        for key in _STAMPS:
            stamped = _moment(item.get(key))
            if stamped is not None and (stamped - latest).total_seconds() > clock.skew:
                ahead = _seconds((stamped - latest).total_seconds())
                problems.append(f"{item.get('id')}: {key} {item[key]} is {ahead} ahead")
    if problems:
        compared = _named(references)
        raise violation(
            ctx,
            "timestamps_not_in_future",
            f"{where(ctx)} shows a timestamp in the future ({problems[0]})",
            f"Compared with {compared}, allowing {clock.skew:g} s of clock skew "
            "(--clock-skew): what happened cannot be stamped later than the answer that "
            "shows it.\n  " + "\n  ".join(problems),
            severity="warning",
        )


@check(operations={"create"}, steps={"create"}, keys={"own"}, needs=("clock",))
def stamped_when_created(ctx: CheckContext) -> None:
    """A new instance's ``date_created`` and ``date_updated`` are not behind both the
    create answer's ``Date`` header (when it has one) and the run's start by our clock by
    more than ``--clock-skew``: the run made it, so it was made during the run.

    INF from the keys' names; the mirror of :func:`timestamps_not_in_future`.
    """
    clock = ctx.clock
    body = body_of(ctx)
    if clock is None or not 200 <= ctx.exchange.status < 300 or not isinstance(body, Mapping):
        return
    references = [
        (name, at)
        for name, at in (("the Date header", _date_header(ctx)), ("the run's start", clock.started))
        if at is not None
    ]
    if not references:
        return
    earliest = min(at for _, at in references)
    problems = []
    for key in _STAMPS:
        stamped = _moment(body.get(key))
        if stamped is not None and (earliest - stamped).total_seconds() > clock.skew:
            behind = _seconds((earliest - stamped).total_seconds())
            problems.append(f"{key} {body[key]} is {behind} before the run made it")
    if problems:
        compared = _named(references)
        raise violation(
            ctx,
            "stamped_when_created",
            f"{where(ctx)} stamped the new instance in the past ({problems[0]})",
            f"Compared with {compared}, allowing {clock.skew:g} s of clock skew "
            "(--clock-skew): an instance the run just created was created during the run "
            "(a timestamp in local time labelled as UTC looks like this).\n  "
            + "\n  ".join(problems),
            severity="warning",
        )


@check(phases={"valid"}, steps={"update", "read_after_update"}, needs=("prediction",))
def date_updated_advances(ctx: CheckContext) -> None:
    """An update that changed the instance moves ``date_updated`` past what the instance
    showed before it.

    INF from the key's name. Tolerated: an update stamped up to a second before (two
    servers' clocks), and an unchanged stamp from a server that stamps whole seconds (a
    quick update may fall in the same second).
    """
    prediction = ctx.prediction
    body = body_of(ctx)
    if (
        prediction is None
        or not prediction.get("changed")
        or not 200 <= ctx.exchange.status < 300
        or not isinstance(body, Mapping)
    ):
        return
    earlier, now = prediction.get("date_updated"), body.get("date_updated")
    before, after = _moment(earlier), _moment(now)
    if before is None or after is None or after > before:
        return
    if after == before:
        if not (_FINE.search(str(earlier)) or _FINE.search(str(now))):
            return
        problem = f"date_updated {now} is what it was before the update"
    elif (before - after).total_seconds() <= _BETWEEN_SERVERS:
        return
    else:
        problem = f"date_updated {now} is before {earlier}, shown before the update"
    raise violation(
        ctx,
        "date_updated_advances",
        f"{where(ctx)} did not move date_updated on ({problem})",
        f"The update changed the instance, so its date_updated must move on. {ctx.note}".strip(),
        severity="warning",
    )
