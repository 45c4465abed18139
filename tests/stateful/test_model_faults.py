"""Each fault that only shows across several operations is found by the stateful phase's
check made for it, with the numbered requests that reproduce it; the faithful emulator
gives none of these violations, also throttled and under network chaos.

The phase runs alone, in-process (see ``sequences``): what the single-case phases would
find does not blur which check found what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from sequences import TWO_TYPES, run_sequences
from support.run import leftovers

from contract.emulator import EmulatorServer

# The stateful check that must catch each fault of the model-based phase.
MODEL_FAULTS: Mapping[str, str] = {
    "put_replaces": "put_is_patch",
    "null_removal_not_stored": "null_removes",
    "rejected_update_applied": "invalid_update_changes_nothing",
    "update_rewrites_organization": "organization_consistent",
    "list_shows_deleted": "list_matches_model",
    "list_ignores_type": "list_matches_model",
    "skip_off_by_one": "paging_consistent",
    "update_rewrites_date_created": "immutable_on_update",
    "put_resurrects_deleted": "deleted_stays_gone",
    "update_timestamp_local_time": "timestamps_ordered",
    "get_serves_stale": "read_matches_model",
}
NOTHING_LEFT = {"custom_object": 0, "lead": 0, "contact": 0}
# Enough sequences, long enough, for a false alarm to have its chances.
_MANY: dict[str, Any] = {"stateful_runs": 8, "stateful_steps": 25}


@pytest.mark.parametrize("fault", sorted(MODEL_FAULTS))
def test_fault_is_found_by_its_model_check(fault: str) -> None:
    # Given an emulator with the fault, and two types (a list's type filter shows only
    # with instances of both on one lead)
    with EmulatorServer(faults=(fault,)) as server:
        # When a few short sequences run, judged by the check made for the fault only
        ran = run_sequences(
            server,
            types=TWO_TYPES,
            checks=(MODEL_FAULTS[fault],),
            shrink=False,
            stateful_runs=3,
            stateful_steps=10,
        )

    # Then it reports the fault, with the requests that reproduce it
    assert ran.violations
    assert {v.check for v in ran.violations} == {MODEL_FAULTS[fault]}
    for violation in ran.violations:
        assert violation.steps and violation.steps[-1] == violation.reproduction
        assert all(step.startswith("curl ") for step in violation.steps)
        assert "api_emulator_demo" not in " ".join(violation.steps)


def test_faithful_emulator_has_no_model_violation() -> None:
    with EmulatorServer() as server:
        ran = run_sequences(server, types=TWO_TYPES, **_MANY)
        assert ran.violations == []
        assert len(ran.outcomes) == _MANY["stateful_runs"]
        assert ran.sent > 50
        assert leftovers(server) == NOTHING_LEFT


def test_throttled_emulator_has_no_model_violation() -> None:
    with EmulatorServer(throttle=4, throttle_reset=0.0) as server:
        ran = run_sequences(server, types=TWO_TYPES, **_MANY)
    assert ran.violations == []
    assert len(ran.outcomes) == _MANY["stateful_runs"]


@pytest.mark.parametrize("chaos_seed", [1, 2])
def test_chaos_makes_cases_inconclusive_never_violations(chaos_seed: int) -> None:
    with EmulatorServer(chaos=0.05, chaos_seed=chaos_seed) as server:
        ran = run_sequences(
            server, types=TWO_TYPES, max_inconclusive=1.0, max_retry_sleep=0.01, **_MANY
        )
        assert leftovers(server) == NOTHING_LEFT
    assert [(v.check, v.title) for v in ran.violations] == []
