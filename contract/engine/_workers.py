"""Run a run's cases on several workers: each case's requests in order, results in order.

A :class:`Job` is one case of a batch, ready to run. :func:`run_jobs` executes jobs on
``workers`` threads that share the session's client (httpx's pool is thread-safe, and the
client's pacer shares one rate budget among them) and yields the outcomes in job order,
whatever order they finish in: events, reports and baselines do not depend on the number
of workers. One worker runs every job on the calling thread.

Each job runs with its *case tag* (``batch key#index``) set: the session sends it as the
``X-Close-Contract-Case`` header, so a recording made with many workers, whose
interactions interleave, still pairs every request with its own case on replay.

Ctrl-C stops the scheduling of new jobs; the jobs already running finish their case (a
half-run lifecycle would leave its instance for cleanup, a finished one has deleted it),
and then the interrupt goes on to the run's cleanup.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

from contract.session import Outcome, tagged

__all__ = ["Job", "finish", "run_jobs"]

# Jobs submitted ahead of the one whose outcome is awaited: enough to keep every worker
# busy while a long case (a lifecycle with its probes) holds the head of the line, few
# enough that -x stops soon after a failure.
_AHEAD = 8
_MIN_AHEAD = 32


@dataclass(frozen=True, slots=True)
class Job:
    """One case to run: case ``index`` of batch ``key``; ``execute`` runs it (what was drawn
    for it is bound in, typed where the batch drew it)."""

    key: str
    index: int
    execute: Callable[[], Outcome]

    @property
    def tag(self) -> str:
        """The case's tag: stable across runs of the same seed and across replays."""
        return f"{self.key}#{self.index}"

    def run(self) -> Outcome:
        """Execute the case under its tag."""
        return tagged(self.tag, self.execute)


def run_jobs(
    jobs: Iterable[Job],
    workers: int,
    *,
    tick: Callable[[], None] | None = None,
    every: float = 0.5,
) -> Iterator[tuple[Job, Outcome]]:
    """Run ``jobs`` on ``workers`` threads; yield each with its outcome, in job order.

    ``tick`` is called about every ``every`` seconds while the caller waits (a progress
    display). Closing the iterator (``-x`` after a failure) schedules nothing more and
    waits for the jobs already running. An exception a job raised (the target failed) is
    raised here when its turn comes, after the running jobs finished.
    """
    if workers <= 1:
        for job in jobs:
            yield job, job.run()
        return
    pending = iter(jobs)
    running: deque[tuple[Job, Future[Outcome]]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="close-contract")
    last_tick = time.monotonic()

    def submit() -> None:
        while len(running) < max(workers * _AHEAD, _MIN_AHEAD):
            job = next(pending, None)
            if job is None:
                return
            running.append((job, pool.submit(job.run)))

    try:
        submit()
        while running:
            job, future = running[0]
            while not future.done():
                wait([future], timeout=every, return_when=FIRST_COMPLETED)
                if tick is not None and time.monotonic() - last_tick >= every:
                    tick()
                    last_tick = time.monotonic()
            running.popleft()
            outcome = future.result()  # a job's exception stops the run here
            submit()
            yield job, outcome
    finally:
        # Nothing new starts; what runs finishes its case, so no create is cut off
        # between its answer and its ledger entry, and no lifecycle stops half-way.
        for _, queued in running:
            queued.cancel()
        finish(pool)


def finish(pool: ThreadPoolExecutor) -> None:
    """Wait for the pool's running jobs (cancelling the queued ones), also through a
    second Ctrl-C: cleanup must not start while a job still sends requests."""
    while True:
        try:
            pool.shutdown(wait=True, cancel_futures=True)
            return
        except KeyboardInterrupt:
            continue
