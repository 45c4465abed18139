"""A check of how long an answer took, against a threshold the user gives.

Close documents no response time, so nothing about answer times is asserted of Close:
``max_response_time`` judges answers only when the user gives the slowest answer they
accept (``--max-response-time MS``, as schemathesis's check of that name), and then every
answer slower than that is a violation of the user's own requirement. Without a
threshold it does not run, and the tally says what it needs. A slowdown relative to a
recorded run is another matter, with no threshold of the user's: the latency baseline
(:mod:`contract.baseline`) reports it apart from the checks.
"""

from __future__ import annotations

from contract.checks._registry import CheckContext, check, violation, where

__all__ = ["RESPONSE_TIME_THRESHOLD"]

RESPONSE_TIME_THRESHOLD = "a threshold given with --max-response-time MS"
"""What max_response_time needs: its ``requires``, which a run given a threshold meets."""


@check(needs=("max_response_time",), requires=RESPONSE_TIME_THRESHOLD)
def max_response_time(ctx: CheckContext) -> None:
    """An answer comes within the user's ``--max-response-time`` (from sending the request
    to its last byte, as the client timed it)."""
    limit = ctx.max_response_time
    if limit is None:
        return
    took = ctx.exchange.elapsed * 1000
    if took > limit:
        raise violation(
            ctx,
            "max_response_time",
            f"{where(ctx)} answered {ctx.exchange.status} in {took:.0f} ms, past "
            f"--max-response-time {limit:g} ms",
            f"The answer took {took:.1f} ms from sending the request to its last byte; the "
            f"run was asked to accept at most {limit:g} ms. Close documents no response "
            "time: this is the threshold given to the run, not a documented limit.",
        )
