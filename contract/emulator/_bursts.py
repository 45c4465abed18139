"""Bursts of requests, for the faults that only show when requests overlap.

A faulty handler that reads, waits and then writes loses what overlapping requests wrote
meanwhile. How long it waits decides what overlaps: :class:`Burst` waits until no request
of its kind has arrived for ``gap`` seconds (at most ``cap``), so requests sent together
(each within ``gap`` of the one before) all read before any of them writes, whatever
their number, and a request alone waits ``gap`` once. Everything runs on the server's one
event loop, so no lock is needed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

__all__ = ["Burst"]


@dataclass(slots=True)
class Burst:
    """Requests of one kind that arrive close together."""

    gap: float = 0.05
    cap: float = 1.0
    last: float = float("-inf")

    def arrived(self) -> None:
        """A request of the kind arrived now."""
        self.last = time.monotonic()

    async def settle(self) -> None:
        """Wait until no request of the kind arrived for ``gap`` seconds (at most ``cap``)."""
        started = time.monotonic()
        while True:
            now = time.monotonic()
            quiet = self.last + self.gap
            if now >= quiet or now - started >= self.cap:
                return
            await asyncio.sleep(min(quiet, started + self.cap) - now)
