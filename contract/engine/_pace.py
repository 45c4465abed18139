"""How many cases a run has in flight, and the progress it reports as it goes.

The default (``--workers`` not given) follows the target. The embedded emulator and a
replay run one case at a time: neither waits on a network, so extra threads would only
contend for the interpreter (the benchmarks measure it). A live target gets as many
workers as its rate budget and its latency call for, by Little's law: requests in flight
= rate × round trip. The rate is the even pace the server's ``RateLimit`` budget allows
(or ``--max-rate`` when lower), the round trip the median of the discovery requests.
Three times that, plus one: a case spends time of its own between its requests (checks,
and drawing the next cases competes for the interpreter), which the benchmarks showed
costs a run 1.37× its floor at twice and 1.18× at three times; the pacer holds back
whatever more the budget cannot take, so spare workers cost nothing but a thread.
Without a budget to go by, 8.

A run's own budget (``--max-time``) is a :class:`Budget`: past it the phases draw no
further case and the run ends normally, with its cleanup and its reports.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from contract.client import CloseClient
from contract.config import TargetKind
from contract.events import Progress

__all__ = ["Budget", "Pace", "choose_workers"]

# The most workers the automatic choice picks (--workers may ask for more).
_MAX_AUTO = 32
# Workers for a live target whose server reports no rate budget.
_UNKNOWN_BUDGET = 8
# Requests/s in a progress line are counted over this many seconds.
_RATE_WINDOW = 5.0


def choose_workers(
    kind: TargetKind, latencies: Sequence[float], rate: float | None, max_rate: float | None
) -> int:
    """The workers a run of ``kind`` gets when ``--workers`` is not given (see above)."""
    if kind != "live":
        return 1
    if max_rate is not None:
        rate = max_rate if rate is None else min(rate, max_rate)
    if rate is None or not latencies:
        return _UNKNOWN_BUDGET
    in_flight = rate * statistics.median(latencies)
    return max(2, min(_MAX_AUTO, math.ceil(3 * in_flight) + 1))


@dataclass
class Budget:
    """The run's time budget (``--max-time``), as in schemathesis: once it is spent, no
    further case is drawn. ``seconds`` of ``None`` is no budget.

    Spent is for good: once :meth:`spent` said so, it always does, so a phase that stopped
    drawing and the summary that says why agree.
    """

    seconds: float | None = None
    clock: Callable[[], float] = time.monotonic
    started: float | None = None
    reached: bool = False

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def spent(self) -> bool:
        """Whether the budget ran out (checked before each case is drawn or sent)."""
        if not self.reached and self.seconds is not None and self.started is not None:
            self.reached = self.clock() - self.started >= self.seconds
        return self.reached


@dataclass
class Pace:
    """The number of workers of a run, and its progress as a :class:`Progress` event."""

    client: CloseClient
    workers: int
    started: float = field(default_factory=time.perf_counter)
    cases: int = 0
    _samples: deque[tuple[float, int]] = field(default_factory=deque)

    def progress(self) -> Progress:
        """Requests so far, their recent rate, 429s met and the budget with least room."""
        now = time.perf_counter()
        sent = self.client.requests_sent
        self._samples.append((now, sent))
        while len(self._samples) > 1 and now - self._samples[0][0] > _RATE_WINDOW:
            self._samples.popleft()
        first_time, first_sent = self._samples[0]
        span = now - first_time
        rate = (sent - first_sent) / span if span > 0 else 0.0
        budget = self.client.budget()
        return Progress(
            requests=sent,
            elapsed=now - self.started,
            rate=rate,
            throttled=self.client.throttled,
            cases=self.cases,
            workers=self.workers,
            budget_limit=budget.limit,
            budget_remaining=budget.remaining,
            budget_reset=budget.reset,
        )
