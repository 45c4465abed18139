"""Checks of the concurrency phase's histories: requests sent at once, judged as a whole.

The phase (``contract.concurrency``) searches each history for an order of its operations
that keeps real-time precedence and explains every answer (linearizability); the verdict
reaches these checks as ``ctx.prediction``: ``verdict`` (``linearizable`` or ``not
linearizable``), ``stuck`` (for the longest order found, why no operation could come next),
``placed`` (that order) and ``timeline`` (each operation's call and return). An undecided
search reaches no check: its case is inconclusive.

Evidence INF: Close documents no concurrency guarantee (only that a PUT behaves as a
PATCH, DOC, and that a create answers the instance), and timing decides what a run sees,
so every finding here is a warning. The phase keeps them apart from the violations
unless the run is asked to fail on them (``--fail-on-concurrency``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from contract.checks._registry import CheckContext, check, violation

__all__: list[str] = []

_PHASE = "the concurrency phase (on the emulator and live targets, unless --no-concurrency)"
_EVIDENCE = (
    "Close documents no concurrency guarantee, so this is inferred (INF) and reported as a "
    "warning; --fail-on-concurrency makes it fail the run. Timing decides what a run sees: "
    "another run may not show it."
)


def _lines(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, Sequence) else []


def _judged(ctx: CheckContext, name: str, title: str, property_: str) -> None:
    seen: Mapping[str, Any] = ctx.prediction or {}
    if seen.get("verdict") != "not linearizable":
        return
    placed = _lines(seen.get("placed"))
    stuck = _lines(seen.get("stuck"))
    after = f"after {', '.join(placed)}" if placed else "before any operation"
    message = "\n".join(
        [
            f"{property_} No order of the history's operations that keeps their real-time "
            f"order explains every answer: {after}, no operation can come next:",
            *(f"  - {why}" for why in stuck),
            f"The history ({seen.get('history', 'requests sent at once')}), by call time:",
            *(f"  {line}" for line in _lines(seen.get("timeline"))),
            _EVIDENCE,
        ]
    )
    # The title stays the same whichever order the threads ran in: one root cause.
    raise violation(ctx, name, title, message, "warning")


@check(
    operations={"history"},
    phases={"concurrency"},
    steps={"concurrent_updates"},
    needs=("prediction",),
    requires=_PHASE,
)
def concurrent_updates_kept(ctx: CheckContext) -> None:
    """Partial updates of one instance sent at once, each to its own key, lose nothing:
    some order of them explains each PUT's answer and the read after them (INF)."""
    _judged(
        ctx,
        "concurrent_updates_kept",
        "concurrent partial updates of one instance lost an acknowledged write",
        "Each PUT behaves as a PATCH (DOC), so updates of different keys should all be kept.",
    )


@check(
    operations={"history"},
    phases={"concurrency"},
    steps={"concurrent_creates"},
    needs=("prediction",),
    requires=_PHASE,
)
def concurrent_creates_listed(ctx: CheckContext) -> None:
    """Creates on one lead sent at once are all listed afterwards: the lead's list shows
    every acknowledged create (INF)."""
    _judged(
        ctx,
        "concurrent_creates_listed",
        "a list after concurrent creates on one lead left out an acknowledged create",
        "Every create that answered with an instance should be on its lead's list.",
    )


@check(
    operations={"history"},
    phases={"concurrency"},
    steps={"concurrent_reads"},
    needs=("prediction",),
    requires=_PHASE,
)
def read_your_writes(ctx: CheckContext) -> None:
    """A read sent after a write was acknowledged sees it: each of several creates sent at
    once is found by a GET sent once its answer came back (INF)."""
    _judged(
        ctx,
        "read_your_writes",
        "a read after an acknowledged create among concurrent ones did not see it",
        "A create that answered with an instance should be found by a GET sent afterwards.",
    )
