"""Per-key request accounting behind the `RateLimit` header and `--throttle`.

Close sends `RateLimit: limit=N, remaining=M, reset=S` (integer seconds) on its
responses and answers 429 when a key exceeds its budget (docs/close-api.md §5). The
emulator keeps a fixed window per key to fill the header. By default the window is
generous and only advisory (1,000 requests a second, never enforced), so load tests never
hit a surprise limit and a client pacing itself by the header is not slowed down; 429s
then come from the deterministic `--throttle N` option (every N-th request of a key).
With `--rate-limit N` (and `--rate-window S`) the window is enforced as Close enforces
its own: a key's requests past N in a window are answered 429 until it resets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateDecision", "RateLimiter"]

DEFAULT_LIMIT = 1000
DEFAULT_WINDOW = 1.0


@dataclass(frozen=True, slots=True)
class RateDecision:
    """What to tell one request: its header values and whether it is throttled."""

    limit: int
    remaining: int
    reset: int
    throttled: bool

    def header(self) -> str:
        """The `RateLimit` header value."""
        return f"limit={self.limit}, remaining={self.remaining}, reset={self.reset}"


@dataclass(slots=True)
class _Window:
    started: float
    used: int = 0
    total: int = 0


class RateLimiter:
    """Counts requests per key; thread-safe."""

    def __init__(
        self,
        *,
        throttle: int | None = None,
        throttle_reset: float = 1.0,
        limit: int | None = None,
        window: float = DEFAULT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`limit` requests per `window` seconds per key, enforced when given; advisory
        (`DEFAULT_LIMIT`, never answered 429) when `None`."""
        if throttle is not None and throttle < 1:
            raise ValueError(f"throttle must be a positive integer, got {throttle}")
        if throttle_reset < 0:
            raise ValueError(f"throttle_reset must not be negative, got {throttle_reset}")
        self.throttle = throttle
        self.throttle_reset = math.ceil(throttle_reset)
        if limit is not None and limit < 1:
            raise ValueError(f"rate limit must be a positive integer, got {limit}")
        if not window > 0:
            raise ValueError(f"rate window must be positive seconds, got {window}")
        self.enforced = limit is not None
        self.limit = DEFAULT_LIMIT if limit is None else limit
        self.window = window
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def account(self, key: str, *, may_throttle: bool = True) -> RateDecision:
        """Count one request of `key` and decide how to answer it."""
        with self._lock:
            now = self._clock()
            state = self._windows.get(key)
            if state is None:
                state = self._windows[key] = _Window(started=now)
            elif now - state.started >= self.window:
                state.started, state.used = now, 0
            reset = max(1, math.ceil(state.started + self.window - now))
            if self.enforced and may_throttle and state.used >= self.limit:
                # Over budget: refused before any work, so it does not count as used.
                return RateDecision(self.limit, 0, reset, True)
            state.used += 1
            state.total += 1
            throttled = (
                may_throttle and self.throttle is not None and state.total % self.throttle == 0
            )
            if throttled:
                return RateDecision(self.limit, 0, self.throttle_reset, True)
            return RateDecision(self.limit, max(0, self.limit - state.used), reset, False)
