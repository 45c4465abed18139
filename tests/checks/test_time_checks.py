"""The timestamp checks on hand-made answers: both clocks must agree before a timestamp
counts as in the future (or, for a new instance, in the past), and an update that changed
an instance moves its date_updated on."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from support.exchanges import INSTANCE, OBJECT_ID, ctx, exchange, post

from contract.checks import ADVISORY, APPLIES, CHECKS, CheckContext, Clock
from contract.client import Exchange
from contract.errors import ContractViolation

NOW = datetime.now(UTC)
HOUR = timedelta(hours=1)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def dated(answer: Exchange, date: datetime | None) -> Exchange:
    """``answer`` with a ``Date`` header saying ``date`` (none for None)."""
    if date is None:
        return answer
    header = ("Date", format_datetime(date.astimezone(UTC), usegmt=True))
    return dataclasses.replace(answer, response_headers=(*answer.response_headers, header))


def instance(created: datetime, updated: datetime | None = None) -> dict[str, Any]:
    return {
        **INSTANCE,
        "date_created": stamp(created),
        "date_updated": stamp(updated or created),
    }


def live(skew: float = 600.0) -> Clock:
    """The clock of a run that began a minute ago."""
    return Clock(skew, NOW - timedelta(minutes=1))


REPLAY = Clock(600.0, None)


def fails(name: str, context: CheckContext) -> ContractViolation:
    with pytest.raises(ContractViolation) as raised:
        CHECKS[name](context)
    found = raised.value
    assert found.check == name and found.severity == "warning"
    assert found.reproduction.startswith("curl ")
    return found


def holds(name: str, context: CheckContext) -> None:
    CHECKS[name](context)


# --- timestamps_not_in_future ----------------------------------------------------------------


def test_a_timestamp_of_now_is_not_in_the_future() -> None:
    holds(
        "timestamps_not_in_future",
        ctx(dated(exchange(200, instance(NOW)), NOW), clock=live()),
    )


def test_an_hour_ahead_of_both_clocks_is_in_the_future() -> None:
    answer = dated(post(201, instance(NOW + HOUR)), NOW)
    found = fails("timestamps_not_in_future", ctx(answer, "create", 201, clock=live()))
    assert "1.0 h ahead" in found.title and OBJECT_ID in found.title
    assert "the Date header" in found.message and "our clock" in found.message


def test_ahead_of_our_clock_only_is_not_in_the_future() -> None:
    # Given a server whose Date header agrees with its timestamp (our clock is behind)
    answer = dated(exchange(200, instance(NOW + HOUR)), NOW + HOUR)
    # Then the timestamp is not called in the future: the two clocks disagree
    holds("timestamps_not_in_future", ctx(answer, clock=live()))


def test_without_a_date_header_our_clock_alone_judges() -> None:
    fails("timestamps_not_in_future", ctx(exchange(200, instance(NOW + HOUR)), clock=live()))


def test_a_replay_judges_by_the_recorded_date_header_only() -> None:
    # A recording made a day ago: our clock now says nothing about it
    then = NOW - timedelta(days=1)
    holds("timestamps_not_in_future", ctx(dated(exchange(200, instance(then)), then), clock=REPLAY))
    fails(
        "timestamps_not_in_future",
        ctx(dated(exchange(200, instance(then + HOUR)), then), clock=REPLAY),
    )
    # ...and without one, nothing is judged
    holds("timestamps_not_in_future", ctx(exchange(200, instance(NOW + HOUR)), clock=REPLAY))


def test_the_skew_is_the_users() -> None:
    answer = dated(exchange(200, instance(NOW + timedelta(minutes=5))), NOW)
    holds("timestamps_not_in_future", ctx(answer, clock=live(skew=600)))
    fails("timestamps_not_in_future", ctx(answer, clock=live(skew=60)))


def test_a_list_names_the_instance_ahead() -> None:
    ahead = {**instance(NOW, NOW + HOUR), "id": "custobj_" + "z" * 43}
    answer = dated(exchange(200, {"data": [instance(NOW), ahead], "has_more": False}), NOW)
    found = fails("timestamps_not_in_future", ctx(answer, "list", clock=live()))
    assert "custobj_zzz" in found.title and "date_updated" in found.title
    assert found.message.count("ahead") == 1


def test_an_error_answer_or_an_unreadable_timestamp_is_not_judged() -> None:
    holds("timestamps_not_in_future", ctx(exchange(404, {"error": "x"}), clock=live()))
    odd = {**INSTANCE, "date_created": "yesterday", "date_updated": 5}
    holds("timestamps_not_in_future", ctx(exchange(200, odd), clock=live()))


# --- stamped_when_created --------------------------------------------------------------------


def test_a_new_instance_stamped_now_was_made_during_the_run() -> None:
    answer = dated(post(201, instance(NOW)), NOW)
    holds("stamped_when_created", ctx(answer, "create", 201, clock=live(), step="create"))


def test_a_new_instance_stamped_five_hours_back_is_in_the_past() -> None:
    answer = dated(post(201, instance(NOW - 5 * HOUR)), NOW)
    found = fails("stamped_when_created", ctx(answer, "create", 201, clock=live(), step="create"))
    assert "5.0 h before" in found.title and "the run's start" in found.message


def test_behind_the_run_start_only_is_not_in_the_past() -> None:
    # Given a server whose clock is behind ours, and whose Date header says so too
    answer = dated(post(201, instance(NOW - 5 * HOUR)), NOW - 5 * HOUR)
    holds("stamped_when_created", ctx(answer, "create", 201, clock=live(), step="create"))


def test_a_replay_compares_a_new_instance_with_its_recorded_date_only() -> None:
    then = NOW - timedelta(days=1)
    answer = dated(post(201, instance(then)), then)
    holds("stamped_when_created", ctx(answer, "create", 201, clock=REPLAY, step="create"))
    late = dated(post(201, instance(then - 5 * HOUR)), then)
    fails("stamped_when_created", ctx(late, "create", 201, clock=REPLAY, step="create"))


# --- date_updated_advances -------------------------------------------------------------------

BEFORE = "2024-05-01T10:00:00.250000+00:00"


def updated(date_updated: str, *, changed: bool = True, before: str = BEFORE) -> CheckContext:
    answer = exchange(200, {**INSTANCE, "date_updated": date_updated}, method="PUT")
    prediction = {"fixed": {}, "date_updated": before, "changed": changed}
    return ctx(answer, "update", prediction=prediction, step="update")


def test_an_update_that_changed_the_instance_moves_date_updated_on() -> None:
    holds("date_updated_advances", updated("2024-05-01T10:00:01.000000+00:00"))


def test_an_unchanged_date_updated_after_a_change_is_reported() -> None:
    found = fails("date_updated_advances", updated(BEFORE))
    assert "is what it was before" in found.title


def test_a_date_updated_that_went_back_is_reported() -> None:
    found = fails("date_updated_advances", updated("2024-05-01T05:00:00.250000+00:00"))
    assert "is before" in found.title


def test_what_two_servers_or_a_whole_second_clock_explain_is_not_reported() -> None:
    # Half a second back: two servers' clocks
    holds("date_updated_advances", updated("2024-05-01T09:59:59.750000+00:00"))
    # The same whole second, from a server that stamps whole seconds
    whole = "2024-05-01T10:00:00+00:00"
    holds("date_updated_advances", updated(whole, before=whole))
    holds("date_updated_advances", updated("2024-05-01T10:00:00.000000+00:00", before=whole))


def test_an_update_that_changed_nothing_is_not_judged() -> None:
    holds("date_updated_advances", updated(BEFORE, changed=False))


# --- where they apply --------------------------------------------------------------------------


def test_each_is_advisory_and_declared_where_it_applies() -> None:
    # Their findings are warnings, reported apart from the violations
    names = {"timestamps_not_in_future", "stamped_when_created", "date_updated_advances"}
    assert names <= ADVISORY
    # The clock checks judge any answer of the run's own key that carries the clock...
    read = ctx(exchange(200, instance(NOW)), clock=live())
    assert APPLIES["timestamps_not_in_future"].matches(read, "stateful")
    assert not APPLIES["timestamps_not_in_future"].matches(
        dataclasses.replace(read, key="other"), "valid"
    )
    assert not APPLIES["timestamps_not_in_future"].matches(
        dataclasses.replace(read, clock=None), "valid"
    )
    # ...and the valid lifecycle's update and the read after it are judged across operations
    after = dataclasses.replace(updated(BEFORE), operation="retrieve", step="read_after_update")
    for name in ("date_updated_advances", "immutable_on_update"):
        assert APPLIES[name].matches(after, "valid"), name
