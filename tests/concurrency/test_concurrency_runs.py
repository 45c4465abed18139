"""The concurrency phase in a whole run: a lost update is a warning, unless asked to fail."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from support.run import run_engine, type_ids

from contract.concurrency import FAN_OUT
from contract.config import Config
from contract.reports import RunReport, report_schema


@pytest.mark.parametrize("fail", [False, True], ids=["warns", "fails"])
def test_a_lost_concurrent_update_warns_or_fails_as_asked(fail: bool) -> None:
    # Given an emulator whose PUT writes back what it read before overlapping PUTs stored
    config = Config(
        examples=1,
        stateful_runs=0,
        shrink=False,
        custom_object_type_ids=(type_ids()["Subscription"],),
        emulator_faults=("lost_concurrent_update",),
        fail_on_concurrency=fail,
    )

    # When a run sends its fixed fan-out of partial updates at once
    ran = run_engine(config)

    # Then the phase ran its two cases, FAN_OUT requests at a time, after the plan
    phases = [c.phase for c in ran.cases]
    assert phases[-2:] == ["concurrency", "concurrency"]
    creates, updates = [c for c in ran.cases if c.phase == "concurrency"]
    assert creates.statuses == (201, 200) * FAN_OUT + (200,)  # each read back, then a list
    assert updates.statuses == (200,) * (FAN_OUT + 1)  # the PUTs, then a read
    # ...and the lost write is concurrent_updates_kept's finding, at warning severity
    summary = ran.finished.summary
    found = updates.violations if fail else updates.warnings
    assert [(f.check, f.severity) for f in found] == [("concurrent_updates_kept", "warning")]
    assert len(found[0].steps) == FAN_OUT + 1
    assert summary.checks["concurrent_updates_kept"].failed == 1
    assert summary.checks["concurrent_creates_listed"].passed == 1
    assert summary.checks["read_your_writes"].passed == 1
    if fail:
        # ...which fails the run when asked
        assert (summary.violations, summary.warnings, summary.exit_code) == (1, 0, 1)
        assert summary.by_check == {"concurrent_updates_kept": 1}
    else:
        # ...and otherwise fails nothing, reported apart from the violations
        assert (summary.violations, summary.warnings, summary.exit_code) == (0, 1, 0)
        assert updates.passed
    # ...in a JSON report its schema describes
    report = RunReport()
    for event in ran.events:
        report.add(event)
    data = report.to_json()
    Draft202012Validator(report_schema()).validate(data)
    assert data["summary"]["warnings"] == (0 if fail else 1)
    assert [w["check"] for w in data["warnings"]] == ([] if fail else ["concurrent_updates_kept"])
    assert ran.cleanup.leftovers == ()
