"""The linearizability check on hand-made histories: no server, no threads."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from contract.concurrency import (
    Members,
    Mismatch,
    Op,
    Registers,
    Versions,
    check_history,
    form_of,
)

KEYS = ("name", "custom.a", "custom.b", "custom.c")
ANY = None  # an answer that shows nothing to place for a key


def write(n: int, key: str, call: float, ret: float | None, shown: Hashable = None) -> Op:
    return Op(f"write {n}: PUT {key}", "write", call, ret, (key, n), shown)


def read(call: float, ret: float | None, shown: Hashable) -> Op:
    return Op("read", "read", call, ret, None, shown)


def versions(*each: int) -> tuple[frozenset[int], ...]:
    return tuple(frozenset({v}) for v in each)


def test_concurrent_updates_that_keep_each_other_are_linearizable() -> None:
    # Given four overlapping partial updates, each answer showing the writes before it
    ops = [
        write(1, "name", 0.0, 1.0, versions(1, 0, 0, 0)),
        write(2, "custom.a", 0.1, 1.1, versions(1, 2, 0, 0)),
        write(3, "custom.b", 0.2, 1.2, versions(1, 2, 3, 0)),
        write(4, "custom.c", 0.3, 1.3, versions(1, 2, 3, 4)),
        read(2.0, 2.1, versions(1, 2, 3, 4)),
    ]

    verdict = check_history(ops, Registers(KEYS))

    assert verdict.linearizable, verdict
    assert verdict.order == (0, 1, 2, 3, 4)


def test_an_order_other_than_the_call_order_is_found() -> None:
    # The last caller took effect first: its answer shows nothing of the others.
    ops = [
        write(1, "name", 0.0, 1.0, versions(1, 2, 0, 0)),
        write(2, "custom.a", 0.1, 1.1, versions(0, 2, 0, 0)),
        read(2.0, 2.1, versions(1, 2, 0, 0)),
    ]

    verdict = check_history(ops, Registers(KEYS[:4]))

    assert verdict.linearizable
    assert verdict.order == (1, 0, 2)


def test_lost_updates_are_not_linearizable() -> None:
    # Given each update that answered with only its own change (all read the same
    # instance before writing), and a read after them that shows only the last one
    ops = [
        write(1, "name", 0.0, 1.0, versions(1, 0, 0, 0)),
        write(2, "custom.a", 0.0, 1.0, versions(0, 2, 0, 0)),
        write(3, "custom.b", 0.0, 1.0, versions(0, 0, 3, 0)),
        write(4, "custom.c", 0.0, 1.0, versions(0, 0, 0, 4)),
        read(2.0, 2.1, versions(0, 0, 0, 4)),
    ]

    verdict = check_history(ops, Registers(KEYS))

    assert verdict.kind == "not linearizable"
    assert verdict.stuck, verdict
    assert any("the value before the writes" in why for why in verdict.stuck)


def test_a_lost_update_shows_in_the_read_alone() -> None:
    # Answers that show nothing, and a read that misses an acknowledged write
    ops = [
        write(1, "name", 0.0, 1.0),
        write(2, "custom.a", 0.0, 1.0),
        read(2.0, 2.1, versions(1, 0, 0, 0)),
    ]

    verdict = check_history(ops, Registers(KEYS))

    assert verdict.kind == "not linearizable"
    assert verdict.order == (0, 1)
    assert verdict.stuck == (
        "read: it showed custom.a as the value before the writes, where this order leaves "
        "write 2's value",
    )


def test_real_time_order_is_kept() -> None:
    # A read that began after the write returned cannot be placed before it
    ops = [
        write(1, "name", 0.0, 1.0, versions(1, 0, 0, 0)),
        read(1.5, 2.0, versions(0, 0, 0, 0)),
    ]
    assert check_history(ops, Registers(KEYS)).kind == "not linearizable"

    # ...but a read that overlapped it may be
    overlapping = [ops[0], read(0.5, 2.0, versions(0, 0, 0, 0))]
    assert check_history(overlapping, Registers(KEYS)).linearizable


def test_an_unanswered_write_may_have_taken_effect_or_not() -> None:
    taken = [write(1, "name", 0.0, None), read(1.0, 1.1, versions(1, 0, 0, 0))]
    not_taken = [write(1, "name", 0.0, None), read(1.0, 1.1, versions(0, 0, 0, 0))]

    assert check_history(taken, Registers(KEYS)).linearizable
    assert check_history(not_taken, Registers(KEYS)).linearizable


def test_values_no_write_made_are_left_to_the_echo_checks() -> None:
    shown = (frozenset({1}), ANY, ANY, ANY)
    ops = [write(1, "name", 0.0, 1.0), write(2, "custom.a", 0.0, 1.0), read(2.0, 2.1, shown)]
    assert check_history(ops, Registers(KEYS)).linearizable


def test_the_search_stops_undecided_past_its_bound() -> None:
    # Given many overlapping writes of one key whose read fits no order: every order is
    # tried before a verdict, more than the bound allows
    many = [write(n, "name", 0.0, 1.0, None) for n in range(1, 10)]
    ops = [*many, read(2.0, 2.1, (frozenset({99}), ANY, ANY, ANY))]

    verdict = check_history(ops, Registers(KEYS), max_states=50)

    assert verdict.kind == "undecided"
    assert verdict.explored > 50
    assert check_history(ops, Registers(KEYS), max_states=100_000).kind == "not linearizable"


def test_the_bound_must_allow_a_search() -> None:
    with pytest.raises(ValueError, match="max_states"):
        check_history([], Registers(KEYS), max_states=0)


def create(n: int, object_id: str | None, call: float, ret: float | None) -> Op:
    return Op(f"create {n}", "create", call, ret, object_id)


def listed(call: float, ret: float, ids: set[str], whole: bool = True) -> Op:
    return Op("list", "list", call, ret, None, (frozenset(ids), whole))


def test_every_acknowledged_create_is_listed() -> None:
    creates = [create(n, f"custobj_{n}", 0.0, 1.0) for n in range(1, 5)]

    held = check_history(
        [*creates, listed(2.0, 2.5, {f"custobj_{n}" for n in range(1, 5)})], Members()
    )
    lost = check_history([*creates, listed(2.0, 2.5, {"custobj_1", "custobj_4"})], Members())

    assert held.linearizable
    assert lost.kind == "not linearizable"
    assert any("left out custobj_2, custobj_3" in why for why in lost.stuck), lost.stuck


def test_a_list_cut_short_is_judged_only_for_what_it_shows() -> None:
    creates = [create(n, f"custobj_{n}", 0.0, 1.0) for n in range(1, 3)]
    ops = [*creates, listed(2.0, 2.5, {"custobj_1"}, whole=False)]
    assert check_history(ops, Members()).linearizable


def test_a_read_after_a_create_finds_it() -> None:
    found = Op("read 1", "read", 1.5, 2.0, "custobj_1", True)
    missed = Op("read 1", "read", 1.5, 2.0, "custobj_1", False)
    early = Op("read 1", "read", 0.5, 2.0, "custobj_1", False)  # overlapping its create
    first = create(1, "custobj_1", 0.0, 1.0)

    assert check_history([first, found], Members()).linearizable
    verdict = check_history([first, missed], Members())
    assert verdict.kind == "not linearizable"
    assert verdict.stuck == ("read 1: it did not find custobj_1, which this order has created",)
    assert check_history([first, early], Members()).linearizable


def test_values_are_placed_by_their_form() -> None:
    seen = Versions()
    seen.add("custom.a", 0, 1)
    seen.add("custom.a", 1, 2.5)
    seen.add("custom.a", 1, "2.5")

    assert seen.of("custom.a", 1.0) == frozenset({0})
    assert seen.of("custom.a", "2.5") == frozenset({1})
    assert seen.of("custom.a", True) is None  # a boolean is not the number 1
    assert seen.of("custom.b", 1) is None
    assert seen.shown(("custom.a", "custom.b"), {"custom.a": 2.5}) == (frozenset({1}), None)
    assert form_of({"b": 1, "a": [1, 2]}) == form_of({"a": [1.0, 2.0], "b": 1.0})


def test_mismatch_is_a_reason() -> None:
    assert Mismatch("why").why == "why"


def test_a_retried_write_may_have_taken_effect_twice() -> None:
    # Given write 1, whose first attempt took effect but went unanswered (the connection
    # dropped) and whose retry was answered after write 2: each answer shows the other
    retried = write(1, "name", 0.0, 1.0, versions(1, 2, 0, 0))
    other = write(2, "custom.a", 0.1, 0.4, versions(1, 2, 0, 0))

    # Then no single point of write 1 explains both answers...
    assert check_history([retried, other], Registers(KEYS)).kind == "not linearizable"
    # ...but its unanswered attempt, given a place of its own (the phase adds it), does
    unanswered = write(1, "name", 0.0, None)
    verdict = check_history([retried, other, unanswered], Registers(KEYS))
    assert verdict.linearizable
    assert verdict.order == (2, 1, 0)
