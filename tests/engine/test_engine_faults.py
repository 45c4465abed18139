"""Every injectable fault of the emulator is caught by the check made for it; without a
fault (throttled or not) the contract holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from support.run import Ran, run_engine, type_ids

from contract.config import Config
from contract.emulator import FAULTS

# Which check must catch each fault (at least one of the set: a fault that shows on create
# or on update, depending on the drawn payloads, may be caught by either). An empty set means
# the documented layer cannot see the fault: only a baseline pins it.
CAUGHT_BY: Mapping[str, frozenset[str]] = {
    "drop_date_updated": frozenset({"response_schema_conformance"}),
    "number_as_string": frozenset({"response_schema_conformance"}),
    "naive_timestamps": frozenset({"response_schema_conformance"}),
    "wrong_id_prefix": frozenset({"response_schema_conformance"}),
    "accept_invalid_choice": frozenset({"status_conformance"}),
    "reject_unicode_name": frozenset({"status_conformance", "update_conformance"}),
    "crash_on_unknown_field": frozenset({"not_a_server_error"}),
    "auth_not_enforced": frozenset({"auth_enforced"}),
    "delete_returns_200": frozenset({"gone_after_delete"}),
    # Baseline-only: Close's mission text says 200 and its OpenAPI says 201, so the
    # documented layer accepts any 2xx on create; the exact code is baseline matter.
    "create_returns_200": frozenset(),
    "lost_writes": frozenset({"read_after_create"}),
    "delete_noop": frozenset({"gone_after_delete"}),
    "echo_rounds_numbers": frozenset({"echo_conformance", "read_after_create"}),
    # Lossy storage: seen in a default run thanks to the edge values valid payloads carry
    # (long and astral text, 17-digit numbers, every value of a multi-value field).
    "truncates_long_text": frozenset({"echo_conformance", "read_after_create"}),
    "float32_numbers": frozenset({"echo_conformance", "read_after_create"}),
    "mangles_astral_text": frozenset({"echo_conformance", "read_after_create"}),
    "multi_value_truncated": frozenset({"echo_conformance", "read_after_create"}),
    "list_empty": frozenset({"listed_after_create"}),
    "update_not_persisted": frozenset({"update_conformance"}),
    "null_not_removed": frozenset({"update_conformance"}),
    "cross_org_read": frozenset({"org_isolation"}),
    "error_not_json": frozenset({"content_type_conformance"}),
    "unknown_id_400": frozenset({"status_conformance"}),
    # Shows only where other leads hold instances; the embedded emulator's organization has
    # none, so tests/ledger/test_cleanup.py plants one and checks both the verdict
    # and that cleanup leaves it alone.
    "list_ignores_lead": frozenset({"listed_after_create"}),
    # Faults only sequences show: found by the stateful phase's checks (each by its own,
    # see tests/stateful/test_model_faults.py); single-case checks may see some too.
    "put_replaces": frozenset({"put_is_patch", "update_conformance"}),
    "null_removal_not_stored": frozenset({"null_removes", "update_conformance"}),
    "rejected_update_applied": frozenset({"invalid_update_changes_nothing"}),
    "update_rewrites_organization": frozenset({"organization_consistent", "immutable_on_update"}),
    "list_shows_deleted": frozenset({"list_matches_model"}),
    "list_ignores_type": frozenset({"list_matches_model"}),
    "skip_off_by_one": frozenset({"paging_consistent"}),
    "update_rewrites_date_created": frozenset({"immutable_on_update"}),
    "put_resurrects_deleted": frozenset({"deleted_stays_gone"}),
    "update_timestamp_local_time": frozenset({"timestamps_ordered"}),
    "get_serves_stale": frozenset({"read_matches_model", "update_conformance"}),
    # Baseline-only: Close's examples show a multi-value field both as a list and as one
    # bare value, so the documented layer accepts both forms; the baseline pins the one a
    # target uses (tests/engine/test_engine_multi_value.py).
    "multi_value_as_string": frozenset(),
    "json_as_text_plain": frozenset({"content_type_conformance"}),
    # Baseline-only: no check of the documented layer judges the RateLimit header's
    # presence or the form of its reset, or which choices a type offers; a baseline does.
    "drop_rate_limit_header": frozenset(),
    "fractional_rate_reset": frozenset(),
    "choices_widened": frozenset(),
}
NEEDS_FOREIGN_DATA = frozenset({"list_ignores_lead"})
BASELINE_ONLY = sorted(name for name, checks in CAUGHT_BY.items() if not checks)

# Each fault's run is the smallest that still shows it: the richest type only (Subscription:
# one field of each field type, a reference to an Asset), three valid payloads, no
# shrinking (it comes after the detection), and no stateful phase...
SMALL: Mapping[str, Any] = {"examples": 3, "shrink": False, "stateful_runs": 0}
# ...except where the fault shows only in a sequence, or needs more of a run to show.
SEQUENCE = {"examples": 1, "shrink": False, "stateful_runs": 1, "stateful_steps": 10}
SEQUENCE_ONLY = (
    "list_shows_deleted",
    "put_resurrects_deleted",
    "rejected_update_applied",
    "update_rewrites_date_created",
    "update_rewrites_organization",
    "update_timestamp_local_time",
)
LARGER: Mapping[str, Mapping[str, Any]] = dict.fromkeys(SEQUENCE_ONLY, SEQUENCE) | {
    # A list that ignores the type filter, or pages off by one, shows with both types.
    "list_ignores_type": {**SEQUENCE, "all_types": True},
    "skip_off_by_one": {**SEQUENCE, "all_types": True},
    # The multi-value field's several values come among both types' first five payloads.
    "multi_value_truncated": {**SMALL, "examples": 5, "all_types": True},
}


def small_run(fault: str | None) -> Ran:
    """The run that shows ``fault`` (None: the faithful emulator) on the embedded emulator."""
    options = dict(LARGER.get(fault or "", SMALL))
    if not options.pop("all_types", False):
        options["custom_object_type_ids"] = (type_ids()["Subscription"],)
    return run_engine(Config(emulator_faults=(fault,) if fault else (), **options))


def test_every_fault_has_an_expected_check() -> None:
    assert set(CAUGHT_BY) == set(FAULTS)
    assert set(LARGER) <= set(FAULTS)


@pytest.mark.parametrize(
    "fault",
    sorted(name for name in FAULTS if CAUGHT_BY.get(name) and name not in NEEDS_FOREIGN_DATA),
)
def test_fault_is_caught_by_its_check(fault: str) -> None:
    # When the embedded emulator runs with the fault
    ran = small_run(fault)

    # Then the run reports violations, among them of the check made for this fault
    summary = ran.finished.summary
    assert summary.violations > 0
    assert summary.exit_code == 1
    assert CAUGHT_BY[fault] & set(summary.by_check), (fault, summary.by_check)
    assert sum(summary.by_check.values()) == summary.violations == len(ran.finished.violations)


@pytest.mark.parametrize("fault", BASELINE_ONLY)
def test_baseline_only_fault_is_no_documented_violation(fault: str) -> None:
    # When the emulator deviates only where Close's documents disagree among themselves
    ran = small_run(fault)

    # Then the documented layer stays silent: raising here would be a false alarm
    summary = ran.finished.summary
    assert summary.violations == 0, summary.by_check
    assert summary.exit_code == 0
    # and yet the fault did show: a reference instance's one POST answered 200, not 201
    references = [c for c in ran.cases if c.label.endswith("reference instance")]
    assert references
    if fault == "create_returns_200":
        assert all(c.statuses == (200,) for c in references), references


def test_no_fault_no_violation() -> None:
    # The control of the matrix is a whole run: every type, every phase, shrinking on.
    ran = run_engine(Config(examples=5))

    summary = ran.finished.summary
    assert (summary.violations, summary.by_check, summary.exit_code) == (0, {}, 0)
    assert not summary.interrupted
    assert summary.cases == len(ran.cases) > 0
    assert {c.phase for c in ran.cases} >= {"setup", "valid", "invalid", "stateful"}
    assert ran.cleanup.leftovers == ()


def test_rate_limits_are_waited_out_not_reported() -> None:
    # When the emulator answers every third request of the key with 429 (reset at once)
    options = {**SMALL, "custom_object_type_ids": (type_ids()["Subscription"],)}
    ran = run_engine(Config(emulator_throttle=3, emulator_throttle_reset=0.0, **options))

    # Then the client retried them: no 429 is a case's answer, none is a violation
    summary = ran.finished.summary
    assert (summary.violations, summary.exit_code) == (0, 0), summary.by_check
    answers = [s for c in ran.cases for s in c.statuses]
    assert 429 not in answers
    assert sum(c.requests for c in ran.cases) > len(answers)  # attempts include the retries
    assert ran.cleanup.leftovers == ()
