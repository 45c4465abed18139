"""Pace a run by the server's own rate budget, one budget shared by every worker.

Close answers every request with ``RateLimit: limit=L, remaining=R, reset=S`` (seconds
until the window resets) and limits per endpoint group and per key (docs/close-api.md §5).
A :class:`Pacer` spreads each group's requests evenly at the rate its budget allows (one
request per ``window / (limit - 1)`` seconds, the window being the longest ``reset`` seen):
an even pace never puts more than ``limit`` requests into any window, however the server's
windows are aligned, so it needs no exact knowledge of when they reset (``reset`` is whole
seconds, rounded either way). When the server reports its budget spent anyway (another
client shares the key), every worker waits for that window's reset; a 429 stops the whole
group for the server's reset hint. ``max_rate`` caps the run by hand on top of all that.
Until a server reports a budget, nothing is held back but by ``max_rate``.

A group is the path's first segment (``custom_object``, ``lead``, ``me``...): the finest
split Close's "endpoint groups" could mean. Close only says two groups *may* count apart,
and also limits each key and each organization as a whole, so groups that report the same
limit are paced as one budget (one even pace, one 429 hold for them all): nothing in their
answers proves them apart, and two groups each at a shared budget's full pace would meet
429s. Groups that report different limits are taken as different budgets and go at
their own paces. A group no answer has reported on yet goes at the tightest pace known, until
its first answer says its own. Budgets are read from ``RateLimit`` (Close's
form), the ``RateLimit-Limit``/``-Remaining``/``-Reset`` trio (the IETF draft), or the
legacy ``X-Rate-Limit-*`` headers.
"""

from __future__ import annotations

import math
import re
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from contract.client._wire import parse_seconds
from contract.errors import ContractWarning, TargetUnreachable

__all__ = ["Budget", "Pacer", "PaceSnapshot", "rate_budget"]


@dataclass(frozen=True, slots=True)
class Budget:
    """What one answer said of its group's budget: ``remaining`` of ``limit`` requests
    until the window resets in ``reset`` seconds."""

    limit: int
    remaining: int
    reset: float


def rate_budget(header: Callable[[str], str | None]) -> Budget | None:
    """The budget an answer's headers report, or ``None`` when they report none.

    ``header(name)`` gives a header's value by lower-case name. Close documents
    ``RateLimit: limit=100, remaining=50, reset=5``; ``;`` as the separator has been seen.
    """
    values: dict[str, str] = {}
    combined = header("ratelimit")
    if combined is not None:
        for item in re.split(r"[,;]", combined):
            name, _, value = item.partition("=")
            values[name.strip().lower()] = value
    else:
        for prefix in ("ratelimit-", "x-rate-limit-", "x-ratelimit-"):
            for name in ("limit", "remaining", "reset"):
                found = header(prefix + name)
                if found is not None:
                    values.setdefault(name, found)
    numbers = {name: parse_seconds(values[name]) for name in values}
    limit, remaining, reset = (numbers.get(n) for n in ("limit", "remaining", "reset"))
    if limit is None or remaining is None or reset is None or limit < 1:
        return None
    return Budget(int(limit), min(int(remaining), int(limit)), reset)


@dataclass(frozen=True, slots=True)
class PaceSnapshot:
    """The budget a progress display shows: that of the group with the least room left
    (all ``None`` until a server reported one)."""

    group: str | None = None
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    # Requests per second at the even pace this budget allows.
    rate: float | None = None


@dataclass(slots=True)
class _Group:
    limit: int | None = None
    remaining: int = 0
    # Monotonic time at which the reported window resets (as the latest answer said).
    window_end: float = 0.0
    # Sequence number of the request whose answer reported ``remaining``.
    reported_by: int = -1
    # Requests of this group sent so far (its own sequence).
    sent: int = 0
    # When the last request of this group went out (its pool's pace counts from it).
    last_send: float = -math.inf
    # Nothing of this group goes out before this (a 429's reset).
    held_until: float = 0.0

    @property
    def room(self) -> int:
        """What the reported budget leaves, less the requests sent since it was reported
        (an estimate for display: some of those may count in the next window)."""
        return max(0, self.remaining - (self.sent - 1 - self.reported_by))


@dataclass(slots=True)
class _Pool:
    """The groups that report one ``limit``: one budget as far as anything shows."""

    limit: int
    # The longest window any of its groups reported: how long a fresh one is assumed to last.
    window: float = 1.0
    # When the last request of any of its groups went out (for the even pace).
    last_send: float = -math.inf
    # Nothing of its groups goes out before this (a 429's reset).
    held_until: float = 0.0

    @property
    def spacing(self) -> float:
        """Seconds between two requests at the even pace the budget allows (one short of
        ``limit`` per window: arrival jitter must not fit one more into a window)."""
        return self.window / max(1, self.limit - 1)


class Pacer:
    """Decides when each request may go, from the budgets the server reports.

    Thread-safe: every worker of a run calls :meth:`acquire` before each attempt and
    :meth:`observe` after each answer. ``clock`` and ``sleep`` are injectable for tests; a
    ``sleep`` given without a ``clock`` (one that does not really wait) gets a clock that
    stands still but for the time it was asked to sleep, so waits come to an end and are
    exactly what the budget called for.

    A budget whose window resets further off than ``max_wait`` seconds makes the target
    unreachable (:class:`~contract.errors.TargetUnreachable`, exit 3): paced by it, a run
    would crawl for as long as the server says without a word (``reset=1e12``). While
    :attr:`exempt` is set (cleanup, which has its own timeout) such a budget is ignored
    instead, with one :class:`~contract.errors.ContractWarning`, so that what the run made
    is still deleted. :attr:`ignored` counts the budgets ignored.
    """

    def __init__(
        self,
        max_rate: float | None = None,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = math.inf,
    ) -> None:
        if max_rate is not None and not (max_rate > 0 and math.isfinite(max_rate)):
            raise ValueError(f"max_rate must be a positive number of requests/s, got {max_rate}")
        self.max_rate = max_rate
        self.max_wait = max_wait
        self.exempt = False
        self.ignored = 0
        self._slept = 0.0
        if clock is None:
            clock = time.monotonic if sleep is time.sleep else self._sleep_clock
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._groups: dict[str, _Group] = {}
        self._pools: dict[int, _Pool] = {}
        self._next_any = 0.0
        self._waited = 0.0

    @staticmethod
    def group_of(path: str) -> str:
        """The budget a request to ``path`` (relative to the API root) draws from."""
        return path.lstrip("/").split("/", 1)[0].split("?", 1)[0]

    def acquire(self, group: str, max_wait: float = math.inf, delay: float = 0.0) -> int:
        """Wait until a request of ``group`` may go; return its sequence number in the group.

        The request counts against the budget from this moment on. ``delay`` is a wait of
        the caller's own (a retry's backoff), served together with the budget's rather than
        after it. The request goes after ``max_wait`` seconds at the latest, whatever the
        budget says (a server's reset hint of ten minutes must not stall a run beyond its
        retry policy).
        """
        waited = 0.0
        earliest = self._clock() + delay
        while True:
            with self._lock:
                state = self._groups.setdefault(group, _Group())
                now = self._clock()
                at = max(now, earliest, state.held_until, self._next_any)
                pool = self._pool_of(state)
                if pool is not None:
                    at = max(at, pool.last_send + pool.spacing, pool.held_until)
                if state.limit is not None:
                    if state.remaining <= 0 and at < state.window_end:
                        at = state.window_end  # the server said this window is spent
                if at <= now or waited >= max_wait:
                    sequence = state.sent
                    state.sent += 1
                    state.last_send = now
                    if pool is not None:
                        pool.last_send = now
                    if self.max_rate is not None:
                        self._next_any = max(self._next_any, now) + 1.0 / self.max_rate
                    return sequence
                wait = min(at - now, max_wait - waited)
                self._waited += wait
            waited += wait
            self._sleep(wait)
            with self._lock:
                self._slept += wait

    def _pool_of(self, state: _Group) -> _Pool | None:
        """The pool ``state`` is paced in: its limit's, or the slowest when it has none yet."""
        if state.limit is not None:
            return self._pools[state.limit]
        return max(self._pools.values(), key=lambda p: p.spacing, default=None)

    def _sleep_clock(self) -> float:
        # Counted from zero: added to a large monotonic reading (hours of uptime), the
        # waits asked for would come back rounded.
        return self._slept

    def observe(self, group: str, sequence: int, budget: Budget | None) -> None:
        """Take in what the answer to request ``sequence`` of ``group`` said of the budget.

        Answers may arrive out of order: only one to a later request than the last reporter
        replaces what is known.
        """
        if budget is None:
            return
        if budget.reset > self.max_wait:
            if not self.exempt:
                raise TargetUnreachable(
                    f"the target's RateLimit header says its {group}/ window resets in "
                    f"{budget.reset:g} s, past --max-wait {self.max_wait:g} s: a run paced by "
                    "it would crawl; the target counts as unreachable (raise --max-wait to "
                    "wait that long)"
                )
            with self._lock:
                self.ignored += 1
                first = self.ignored == 1
            if first:
                warnings.warn(
                    f"the target's RateLimit header says its {group}/ window resets in "
                    f"{budget.reset:g} s, past --max-wait {self.max_wait:g} s: cleanup ignores "
                    "such budgets and keeps to --cleanup-timeout",
                    ContractWarning,
                    stacklevel=2,
                )
            return
        with self._lock:
            state = self._groups.setdefault(group, _Group())
            if sequence <= state.reported_by and state.limit is not None:
                return
            # The latest answer's reset: a server may round it either way, so no earlier
            # answer is a tighter bound on when the window ends.
            state.limit = budget.limit
            state.remaining = budget.remaining
            state.reported_by = sequence
            state.window_end = self._clock() + budget.reset
            pool = self._pools.setdefault(budget.limit, _Pool(budget.limit))
            pool.window = max(pool.window, budget.reset)
            pool.last_send = max(pool.last_send, state.last_send)

    def hold(self, group: str, seconds: float) -> None:
        """A 429: nothing of ``group`` (nor of the groups paced with it) goes out for
        ``seconds``, whichever worker asks."""
        with self._lock:
            state = self._groups.setdefault(group, _Group())
            until = self._clock() + seconds
            state.held_until = max(state.held_until, until)
            if state.limit is not None:
                pool = self._pools[state.limit]
                pool.held_until = max(pool.held_until, until)

    @property
    def waited(self) -> float:
        """Seconds the pacer held requests back so far (summed over workers)."""
        return self._waited

    def snapshot(self) -> PaceSnapshot:
        """The budget of the group with the least room left."""
        with self._lock:
            now = self._clock()
            tightest: tuple[float, str, _Group, int] | None = None
            for name, state in self._groups.items():
                if state.limit is None:
                    continue
                share = state.room / state.limit
                if tightest is None or share < tightest[0]:
                    tightest = (share, name, state, state.limit)
            if tightest is None:
                return PaceSnapshot()
            _, name, state, limit = tightest
            return PaceSnapshot(
                name,
                limit,
                state.room,
                max(0.0, state.window_end - now),
                1.0 / self._pools[limit].spacing,
            )
