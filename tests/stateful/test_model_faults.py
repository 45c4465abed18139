"""Each fault that only shows across several operations is found by the stateful phase's
check made for it, with the numbered requests that reproduce it; the faithful emulator
gives none of these violations, also throttled and under network chaos."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from support.run import leftovers, live_config, run_engine

from contract.config import Config
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
# Only the stateful phase runs: the single-case phases would find some of these too.
_ONLY_STATEFUL: dict[str, int] = {"examples": 1, "stateful_runs": 8, "stateful_steps": 25}


@pytest.mark.parametrize("fault", sorted(MODEL_FAULTS))
def test_fault_is_found_by_its_model_check(fault: str) -> None:
    # Given an emulator with the fault, checked by the stateful phase's checks only
    ran = run_engine(
        Config(
            emulator_faults=(fault,),
            checks=(MODEL_FAULTS[fault],),
            shrink=False,
            **_ONLY_STATEFUL,
        )
    )

    # Then the check made for it reports it, with the requests that reproduce it
    found = [v for v in ran.finished.violations if v.check == MODEL_FAULTS[fault]]
    assert found, ran.finished.summary.by_check
    assert ran.finished.summary.exit_code == 1
    for violation in found:
        assert violation.steps and violation.steps[-1] == violation.reproduction
        assert all(step.startswith("curl ") for step in violation.steps)
        assert "api_emulator_demo" not in " ".join(violation.steps)


def test_faithful_emulator_has_no_model_violation() -> None:
    with EmulatorServer() as server:
        ran = run_engine(live_config(server, **_ONLY_STATEFUL))
        assert (ran.finished.summary.violations, ran.finished.summary.by_check) == (0, {})
        stateful = [c for c in ran.cases if c.phase == "stateful"]
        assert 0 < len(stateful) <= _ONLY_STATEFUL["stateful_runs"]
        assert sum(c.requests for c in stateful) > 50
        assert leftovers(server) == {"custom_object": 0, "lead": 0, "contact": 0}


def test_throttled_emulator_has_no_model_violation() -> None:
    ran = run_engine(Config(emulator_throttle=4, emulator_throttle_reset=0.0, **_ONLY_STATEFUL))
    assert ran.finished.summary.violations == 0, ran.finished.summary.by_check


@pytest.mark.parametrize("chaos_seed", [1, 2])
def test_chaos_makes_cases_inconclusive_never_violations(chaos_seed: int) -> None:
    with EmulatorServer(chaos=0.05, chaos_seed=chaos_seed) as server:
        config = live_config(server, max_inconclusive=1.0, max_retry_sleep=0.01, **_ONLY_STATEFUL)
        ran = run_engine(config)
    assert ran.finished.summary.violations == 0, [
        (v.check, v.title) for v in ran.finished.violations
    ]
