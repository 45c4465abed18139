"""Run a few calls at the same moment, each on a thread of its own.

The calls wait at a barrier until every thread has started, so their requests go out
together (the client's pacer still spaces them by the server's rate budget: the fan-out
is what is tried, the pace is the server's). Results come back in the order of the calls,
whatever order they finished in. Ctrl-C waits for the calls that run: a create is never
cut off between its answer and its ledger entry, and the interrupt goes on afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["fan_out"]

T = TypeVar("T")

# How long a thread waits for the others to start before it goes alone: far more than
# starting a thread takes, far less than a case.
_START_TIMEOUT = 10.0


def fan_out(calls: Sequence[Callable[[], T]], *, name: str = "close-contract-fan-out") -> list[T]:
    """Call each of ``calls`` on its own thread, all released together; their results in
    order. The first exception (in the order of the calls) is raised once all ended."""
    if not calls:
        return []
    barrier = threading.Barrier(len(calls))

    def start(call: Callable[[], T]) -> T:
        try:
            barrier.wait(timeout=_START_TIMEOUT)
        except threading.BrokenBarrierError:
            pass  # a thread that never started: the others go anyway
        return call()

    pool = ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix=name)
    try:
        futures = [pool.submit(start, call) for call in calls]
    finally:
        _join(pool)
    return [future.result() for future in futures]


def _join(pool: ThreadPoolExecutor) -> None:
    """Wait for every call, also through Ctrl-C, then let the interrupt go on."""
    interrupted: BaseException | None = None
    while True:
        try:
            pool.shutdown(wait=True)
            break
        except KeyboardInterrupt as exc:
            interrupted = interrupted or exc
    if interrupted is not None:
        raise interrupted
