"""The fan-out: calls released together, their results in order, failures after all ended."""

from __future__ import annotations

import functools
import threading

import pytest

from contract.concurrency import fan_out


def test_calls_run_at_once_and_answer_in_order() -> None:
    # Each call waits for all the others to have started: only concurrent calls finish.
    everyone = threading.Barrier(4)

    def call(n: int) -> int:
        everyone.wait(timeout=10)
        return n

    assert fan_out([functools.partial(call, n) for n in range(4)]) == [0, 1, 2, 3]
    assert fan_out([]) == []


def test_the_first_failure_is_raised_once_every_call_ended() -> None:
    ended: list[int] = []

    def call(n: int) -> int:
        if n == 1:
            raise ValueError("second")
        ended.append(n)
        return n

    with pytest.raises(ValueError, match="second"):
        fan_out([functools.partial(call, n) for n in range(3)])
    assert sorted(ended) == [0, 2]
