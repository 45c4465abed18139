"""The concurrency checks on hand-made verdicts, their declarations and their options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.exchanges import INSTANCE, ctx, exchange

from contract.checks import APPLIES, CHECKS, judge, tally_checks
from contract.concurrency import CONCURRENCY_CHECKS, Members, Op, check_history
from contract.config import Config, OptionError


def prediction(verdict: str, **more: Any) -> dict[str, Any]:
    return {
        "history": "4 concurrent partial updates of one instance, then a read",
        "verdict": verdict,
        "placed": ["write 1: PUT name → 200"],
        "stuck": ["read: it showed custom.a as the value before the writes"],
        "timeline": ["[+0.000 s → +0.200 s] write 1: PUT name → 200"],
        **more,
    }


def test_a_history_no_order_explains_is_a_warning() -> None:
    broken = prediction("not linearizable")
    answer = ctx(exchange(200, INSTANCE), "history", prediction=broken, step="concurrent_updates")

    found = judge(answer, "concurrency", CONCURRENCY_CHECKS)

    assert found.verdicts == {"concurrent_updates_kept": False}
    (warning,) = found.violations
    assert warning.severity == "warning"
    assert warning.title == "concurrent partial updates of one instance lost an acknowledged write"
    assert "after write 1: PUT name → 200, no operation can come next" in warning.message
    assert "- read: it showed custom.a as the value before the writes" in warning.message
    assert "[+0.000 s → +0.200 s] write 1: PUT name → 200" in warning.message
    assert "(INF)" in warning.message and "--fail-on-concurrency" in warning.message


@pytest.mark.parametrize(
    ("step", "name"),
    [
        ("concurrent_updates", "concurrent_updates_kept"),
        ("concurrent_creates", "concurrent_creates_listed"),
        ("concurrent_reads", "read_your_writes"),
    ],
)
def test_each_check_judges_its_own_history_only(step: str, name: str) -> None:
    held = ctx(exchange(200, INSTANCE), "history", prediction=prediction("linearizable"), step=step)
    broken = ctx(
        exchange(200, INSTANCE), "history", prediction=prediction("not linearizable"), step=step
    )

    assert judge(held, "concurrency", CONCURRENCY_CHECKS).verdicts == {name: True}
    assert [v.check for v in judge(broken, "concurrency", CONCURRENCY_CHECKS).violations] == [name]
    # ...never outside the concurrency phase
    assert judge(broken, "valid", CONCURRENCY_CHECKS).verdicts == {}


def test_the_checks_are_registered_and_say_what_they_need() -> None:
    assert set(CONCURRENCY_CHECKS) <= set(CHECKS)
    for name in CONCURRENCY_CHECKS:
        assert "concurrency phase" in APPLIES[name].requires
        assert (CHECKS[name].__doc__ or "").rstrip().endswith("(INF).")


def test_without_the_phase_they_did_not_run_and_say_why() -> None:
    tally = tally_checks([], None)
    for name in CONCURRENCY_CHECKS:
        reason = tally[name].not_run
        assert reason is not None and "concurrency phase" in reason, reason


def test_a_verdict_becomes_a_prediction_the_check_reads() -> None:
    # The phase's own path, by hand: a history, its verdict, the check's finding
    created = Op("create 1", "create", 0.0, 1.0, "custobj_1")
    missed = Op("read 1", "read", 1.5, 2.0, "custobj_1", False)
    verdict = check_history([created, missed], Members())
    seen = prediction(verdict.kind, placed=["create 1"], stuck=list(verdict.stuck))
    found = judge(
        ctx(exchange(404, {}), "history", prediction=seen, step="concurrent_reads"),
        "concurrency",
        CONCURRENCY_CHECKS,
    )
    assert [v.check for v in found.violations] == ["read_your_writes"]
    assert "it did not find custobj_1" in found.violations[0].message


def test_failing_on_concurrency_needs_the_phase() -> None:
    with pytest.raises(OptionError, match="fail_on_concurrency"):
        Config(concurrency=False, fail_on_concurrency=True).validate()
    Config(concurrency=False).validate()
    Config(fail_on_concurrency=True).validate()


def test_a_replay_refuses_the_concurrency_options(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="concurrency"):
        Config(cassettes=tmp_path, concurrency=True).validate()
