"""Network conditions in front of the emulator: `--chaos P` and `--latency S`.

Chaos disturbs a seeded share P of requests, one draw per request in arrival order,
so a seed replays the same fates for the same sequence of requests. Half of the
disturbed requests are refused with 503, `Retry-After` and a small JSON error before
any work is done, as a proxy in front of an overloaded server would. The other half are
fully processed and committed, and then the connection is closed in the middle of the
answer: the client gets a transport error and cannot tell whether the request took effect.

Latency delays every answer (refusals and drops included) by S seconds, after the
work is done, with `asyncio.sleep`, so concurrent requests overlap.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import logging
import math
import random
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Fate", "Network", "NetworkConditions"]

# Set inside the request's task when it was cut short on purpose, so that uvicorn's
# "returned without completing response" complaint is not logged for it.
_DROPPED: contextvars.ContextVar[bool] = contextvars.ContextVar("close_emulator_dropped")


@dataclass(frozen=True, slots=True)
class NetworkConditions:
    """How the network in front of the emulator behaves; the default is a perfect one.

    `chaos` is the share of disturbed requests (0..1), `chaos_seed` seeds their choice,
    `chaos_retry_after` is the `Retry-After` of refusals (whole seconds), and `latency`
    delays every answer (seconds). Raises `ValueError` for a value out of range.
    """

    chaos: float = 0.0
    chaos_seed: int = 0
    chaos_retry_after: int = 1
    latency: float = 0.0

    def __post_init__(self) -> None:
        # `not 0 <= x` also rejects NaN.
        if not 0.0 <= self.chaos <= 1.0:
            raise ValueError(f"chaos must be between 0 and 1, got {self.chaos}")
        if not 0.0 <= self.latency < math.inf:
            raise ValueError(
                f"latency must be a non-negative number of seconds, got {self.latency}"
            )
        if self.chaos_retry_after < 0:
            raise ValueError(
                f"chaos_retry_after must not be negative, got {self.chaos_retry_after}"
            )

    @property
    def perfect(self) -> bool:
        """True when requests pass untouched."""
        return self.chaos == 0.0 and self.latency == 0.0


class Fate(enum.Enum):
    """What the network does to one request."""

    PASS = "pass"
    REFUSE = "refuse"
    DROP = "drop"


class Network:
    """ASGI middleware applying `NetworkConditions` to every HTTP request."""

    def __init__(self, app: ASGIApp, conditions: NetworkConditions) -> None:
        self.app = app
        self.conditions = conditions
        self._rng = random.Random(f"chaos:{conditions.chaos_seed}")
        if not conditions.perfect:
            _install_log_filter()

    def fate(self, method: str) -> Fate:
        """Draw the next request's fate: one draw per request, in arrival order."""
        draw = self._rng.random()
        chaos = self.conditions.chaos
        if draw >= chaos:
            return Fate.PASS
        # A HEAD answer has no body to cut short: the client would see it complete.
        if draw < chaos / 2 or method == "HEAD":
            return Fate.REFUSE
        return Fate.DROP

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.conditions.perfect:
            await self.app(scope, receive, send)
            return
        fate = self.fate(str(scope["method"]))
        if fate is Fate.REFUSE:
            await self._delay()
            await self._refuse(scope, receive, send)
        elif fate is Fate.DROP:
            await self._drop(scope, receive, send)
        else:
            await self.app(scope, receive, self._delayed(send))

    async def _delay(self) -> None:
        if self.conditions.latency:
            await asyncio.sleep(self.conditions.latency)

    def _delayed(self, send: Send) -> Send:
        async def send_late(message: Message) -> None:
            if message["type"] == "http.response.start":
                await self._delay()
            await send(message)

        return send_late

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The body is never read and the app never runs: a refusal has no effect.
        seconds = self.conditions.chaos_retry_after
        response = JSONResponse(
            {"error": f"Service unavailable; retry in {seconds} seconds."},
            status_code=503,
            headers={"Retry-After": str(seconds)},
        )
        await response(scope, receive, send)

    async def _drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        # The request is served in full (and committed) before anything reaches the client.
        await self.app(scope, receive, capture)
        await self._delay()
        # Announce a body that never comes: uvicorn then closes the connection mid-answer
        # (returning before any start would make it answer 500 instead).
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(max(len(body), 1)).encode("ascii")),
                ],
            }
        )
        _DROPPED.set(True)


class _QuietDrops(logging.Filter):
    """Hide uvicorn's complaint about an answer that `Network` cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _DROPPED.get(False)


_FILTER = _QuietDrops()


def _install_log_filter() -> None:
    # Idempotent: adding the same filter object twice keeps one.
    logging.getLogger("uvicorn.error").addFilter(_FILTER)
