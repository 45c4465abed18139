"""The pacer: requests spread by the server's own rate budget, one budget for all workers."""

from __future__ import annotations

import threading

import httpx
import pytest

from contract.client import Budget, CloseClient, Pacer, rate_budget


class FakeTime:
    """A clock that moves only when the pacer sleeps (or a test says so)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def pacer(fake: FakeTime, **options: float) -> Pacer:
    return Pacer(options.get("max_rate"), clock=fake.clock, sleep=fake.sleep)


# -- reading the budget ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"ratelimit": "limit=100, remaining=50, reset=5"}, Budget(100, 50, 5.0)),  # Close's
        ({"ratelimit": "limit=160; remaining=159; reset=8"}, Budget(160, 159, 8.0)),
        (
            {"ratelimit-limit": "20", "ratelimit-remaining": "3", "ratelimit-reset": "1"},
            Budget(20, 3, 1.0),
        ),
        (
            {"x-rate-limit-limit": "60", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "2"},
            Budget(60, 0, 2.0),
        ),
        ({"ratelimit": "limit=10, remaining=12, reset=1"}, Budget(10, 10, 1.0)),  # capped
        ({"ratelimit": "limit=100, remaining=50"}, None),  # no reset: no budget
        ({"ratelimit": "limit=0, remaining=0, reset=1"}, None),
        ({"retry-after": "3"}, None),
        ({}, None),
    ],
)
def test_the_budget_is_read_from_the_headers_close_and_others_send(
    headers: dict[str, str], expected: Budget | None
) -> None:
    assert rate_budget(headers.get) == expected


# -- pacing -----------------------------------------------------------------------------------


def test_without_a_budget_nothing_is_held_back(fake: FakeTime) -> None:
    pace = pacer(fake)
    assert [pace.acquire("custom_object") for _ in range(50)] == list(range(50))
    assert fake.sleeps == []


def test_a_budget_spreads_requests_evenly_one_short_of_its_limit(fake: FakeTime) -> None:
    # Given a server that allows 11 requests per 2-second window
    pace = pacer(fake)
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(11, 10, 2.0))
    started = fake.now

    # When 30 more requests go out
    for _ in range(30):
        pace.acquire("custom_object")

    # Then they went at 10 per window (2 s / 10), whatever the window's alignment
    assert fake.now - started == pytest.approx(30 * 0.2)
    assert fake.sleeps == pytest.approx([0.2] * 30)


def test_groups_that_report_different_limits_go_at_their_own_paces(fake: FakeTime) -> None:
    # Given two groups whose answers report budgets of different sizes
    pace = pacer(fake)
    pace.observe("data", pace.acquire("data"), Budget(3, 2, 1.0))  # one per 0.5 s
    pace.observe("lead", pace.acquire("lead"), Budget(11, 10, 1.0))  # one per 0.1 s
    started = fake.now
    # When both send, one after the other
    for _ in range(4):
        pace.acquire("data")
        pace.acquire("lead")
    # Then each kept its own pace: data's four 0.5 s spacings set the time, lead's added
    # nothing (one pace for both would have taken eight)
    assert fake.now - started == pytest.approx(4 * 0.5)


def test_groups_that_report_the_same_limit_share_one_pace(fake: FakeTime) -> None:
    # Given two groups that report the same limit (nothing shows them apart: a key's budget)
    pace = pacer(fake)
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(11, 10, 1.0))
    pace.observe("lead", pace.acquire("lead"), Budget(11, 9, 1.0))
    started = fake.now
    # When both send, turn about
    for _ in range(10):
        pace.acquire("custom_object")
        pace.acquire("lead")
    # Then the twenty went at the one budget's pace: 10 a second in all, not 10 each
    assert fake.now - started == pytest.approx(20 * 0.1, abs=0.11)


def test_a_group_without_a_budget_goes_at_the_tightest_pace_known(fake: FakeTime) -> None:
    pace = pacer(fake)
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(3, 2, 1.0))
    started = fake.now
    for _ in range(3):
        pace.acquire("lead")  # no answer of lead/ yet: it may draw on the same budget
    assert fake.now - started == pytest.approx(3 * 0.5)


def test_a_spent_budget_holds_everyone_until_its_reset(fake: FakeTime) -> None:
    pace = pacer(fake)
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(1000, 0, 3.0))
    before = fake.now
    pace.acquire("custom_object")
    assert fake.now - before == pytest.approx(3.0)


def test_an_older_answer_does_not_replace_a_newer_one(fake: FakeTime) -> None:
    # Given two requests in flight whose answers come back in the opposite order
    pace = pacer(fake)
    first, second = pace.acquire("custom_object"), pace.acquire("custom_object")
    pace.observe("custom_object", second, Budget(100, 98, 1.0))
    # When the older answer, which says the budget is spent, arrives last
    pace.observe("custom_object", first, Budget(100, 0, 30.0))
    # Then the newer one stands: nothing waits 30 s
    before = fake.now
    pace.acquire("custom_object")
    assert fake.now - before < 1


def test_a_429_holds_the_whole_group(fake: FakeTime) -> None:
    pace = pacer(fake)
    pace.hold("custom_object", 4.0)  # (no budget reported yet: no pace to share)
    before = fake.now
    pace.acquire("custom_object")
    assert fake.now - before == pytest.approx(4.0)
    pace.acquire("me")  # another group is not held
    assert fake.now - before == pytest.approx(4.0)


def test_a_429_holds_the_groups_paced_with_it(fake: FakeTime) -> None:
    # Given two groups that report one limit, and one that reports another
    pace = pacer(fake)
    for group, limit in (("custom_object", 1000), ("lead", 1000), ("data", 500)):
        pace.observe(group, pace.acquire(group), Budget(limit, limit - 1, 1.0))
    # When custom_object/ meets a 429
    pace.hold("custom_object", 4.0)
    before = fake.now
    # Then lead/, which may share its budget, waits its reset too; data/ does not
    pace.acquire("data")
    assert fake.now - before < 0.01
    pace.acquire("lead")
    assert fake.now - before == pytest.approx(4.0)


def test_a_429_holds_each_worker_once_not_once_per_worker(fake: FakeTime) -> None:
    # Two workers met the same 429: the group waits the reset once, not twice
    pace = pacer(fake)
    pace.hold("custom_object", 2.0)
    pace.hold("custom_object", 2.0)
    before = fake.now
    pace.acquire("custom_object")
    assert fake.now - before == pytest.approx(2.0)


def test_max_rate_caps_every_group_together(fake: FakeTime) -> None:
    pace = pacer(fake, max_rate=4.0)
    started = fake.now
    for group in ["custom_object", "lead"] * 6:
        pace.acquire(group)
    assert fake.now - started == pytest.approx(11 * 0.25)


def test_no_wait_exceeds_max_wait(fake: FakeTime) -> None:
    pace = pacer(fake)
    pace.hold("custom_object", 600.0)
    before = fake.now
    pace.acquire("custom_object", max_wait=10.0)
    assert fake.now - before == pytest.approx(10.0)


def test_a_delay_is_served_together_with_the_budget(fake: FakeTime) -> None:
    pace = pacer(fake)
    pace.hold("custom_object", 2.0)
    before = fake.now
    pace.acquire("custom_object", delay=3.0)
    assert fake.now - before == pytest.approx(3.0)  # not 5: the waits overlap


@pytest.mark.parametrize("rate", [0.0, -1.0, float("inf"), float("nan")])
def test_max_rate_must_be_a_positive_number(rate: float) -> None:
    with pytest.raises(ValueError, match="max_rate"):
        Pacer(rate)


def test_the_snapshot_shows_the_group_with_least_room(fake: FakeTime) -> None:
    pace = pacer(fake)
    assert pace.snapshot().limit is None
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(100, 80, 1.0))
    pace.observe("lead", pace.acquire("lead"), Budget(100, 10, 5.0))
    snap = pace.snapshot()
    assert (snap.group, snap.limit, snap.remaining, snap.reset) == ("lead", 100, 10, 5.0)
    assert snap.rate == pytest.approx(99 / 5.0)


def test_workers_on_threads_share_one_budget() -> None:
    # Given a real clock and a budget of 21 requests per 0.2 s window
    pace = Pacer()
    pace.observe("custom_object", pace.acquire("custom_object"), Budget(21, 20, 0.2))
    sequences: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            number = pace.acquire("custom_object")
            with lock:
                sequences.append(number)

    # When 4 threads send 20 requests between them
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then every request got its own place in the sequence, at the shared pace
    assert sorted(sequences) == list(range(1, 21))


# -- through the client -------------------------------------------------------------------------


def test_the_client_paces_by_the_answers_and_counts_429s() -> None:
    answers = iter(
        [
            httpx.Response(200, json={}, headers={"RateLimit": "limit=3, remaining=2, reset=1"}),
            httpx.Response(429, json={}, headers={"RateLimit": "limit=3, remaining=0, reset=1"}),
            httpx.Response(200, json={}, headers={"RateLimit": "limit=3, remaining=2, reset=1"}),
        ]
    )
    sleeps: list[float] = []
    client = CloseClient(
        "http://127.0.0.1:9/api/v1",
        "k" * 20,
        transport=httpx.MockTransport(lambda request: next(answers)),
        sleep=sleeps.append,
    )
    assert client.get("me/").status == 200
    assert client.get("me/").status == 200
    assert (client.requests_sent, client.throttled) == (3, 1)
    # 0.5 s between requests at the budget's even pace (1 s / 2), then the 429's reset
    assert sum(sleeps) == pytest.approx(0.5 + 1.0)
    budget = client.budget()
    assert (budget.group, budget.limit) == ("me", 3)


def test_a_client_without_a_pacer_sleeps_for_itself() -> None:
    answers = iter([httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)])
    sleeps: list[float] = []
    client = CloseClient(
        "http://127.0.0.1:9/api/v1",
        "k" * 20,
        transport=httpx.MockTransport(lambda request: next(answers)),
        sleep=sleeps.append,
        pacer=None,
    )
    assert client.get("me/").status == 200
    assert sleeps == [2.0] and client.throttled == 1
