"""Data safety on the customer's own lead: whatever fault that steers what a run sees the
server has, a run given the customer's lead leaves every row that existed before it byte for
byte as it was, and leaves none of its own behind unless it says so.

Each case serves a private copy of a database with customer data planted in both
organizations (tests/support/safety.py), and compares full snapshots of the SQLite file
taken before and after one small run: the richest type only, one valid payload, and one
short sequence of the stateful phase. With ``lead_id`` its sequences update, delete and
list on that very lead, next to the customer's instances. The runs on a lead of the run's
own are the fault matrix's (tests/engine/test_engine_faults.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.run import live_config, run_engine, type_ids
from support.safety import Planted, changed, snapshot, unaccounted

from contract.emulator import FAULTS, EmulatorServer

NO_FAULT = "no-fault"
# Faults that change only how a value, a timestamp, a header or an error body is written: the
# answers still name the instances they should, lists hold what they should and writes store
# where they should, so on the customer's lead they steer nothing a run writes or deletes.
# (The fault matrix, tests/engine/test_engine_faults.py, runs every fault against planted
# customer data all the same.) Every other fault, and any fault added later, is swept here.
REPRESENTATION_ONLY = frozenset(
    {
        "accept_invalid_choice",
        "choices_widened",
        "drop_date_updated",
        "drop_rate_limit_header",
        "echo_rounds_numbers",
        "error_not_json",
        "float32_numbers",
        "fractional_rate_reset",
        "json_as_text_plain",
        "mangles_astral_text",
        "multi_value_as_string",
        "multi_value_truncated",
        "naive_timestamps",
        "number_as_string",
        "reject_unicode_name",
        "truncates_long_text",
        "no_allow_header",
        "stack_trace_in_errors",
        "no_www_authenticate",
        "malformed_id_500",
        "id_suffix_ignored",
        "put_not_idempotent",
        # A 5xx to an oversized number or a duplicated key, a 400 to a long text value, text
        # cut at 4,096 characters or stripped of zero-width characters: what is answered,
        # not where it is stored.
        "crash_on_huge_number",
        "duplicate_keys_500",
        "strips_zero_width_silently",
        "text_values_capped",
        "truncates_at_4096",
        # Timestamps written otherwise, keys not selected, a 5xx or 422 to a malformed
        # query, a 403 for another organization's read, another organization's user accepted
        # in a value: what is answered, not which instance a write goes to.
        "bad_query_422",
        "create_timestamp_local_time",
        "cross_org_user_reference",
        "existence_leak_403",
        "fields_ignored",
        "limit_negative_500",
        "timestamps_in_future",
        "update_keeps_date_updated",
    }
)


@pytest.mark.parametrize("fault", [NO_FAULT, *sorted(set(FAULTS) - REPRESENTATION_ONLY)])
def test_a_run_on_the_customers_lead_leaves_existing_data_untouched(
    planted: Planted, customer_db: Path, fault: str
) -> None:
    faults = () if fault == NO_FAULT else (fault,)
    # Given customer data on a server with the fault
    with EmulatorServer(faults=faults, db_path=customer_db) as srv:
        before = snapshot(customer_db)
        assert [len(before[t]) for t in ("lead", "contact", "custom_object")] == [2, 2, 3]

        # When one small run goes through it, on the customer's lead
        options: dict[str, Any] = {
            "examples": 1,
            "custom_object_type_ids": (type_ids()["Subscription"],),
            "lead_id": planted.lead_id,
            "stateful_runs": 1,
            "stateful_steps": 10,
        }
        ran = run_engine(live_config(srv, **options))
        after = snapshot(customer_db)

    # Then every row that was there is still there, byte for byte
    assert changed(before, after) == []
    # and every row the run made is gone, or named among the run's leftovers
    assert unaccounted(before, after, " ".join(ran.cleanup.leftovers)) == [], ran.cleanup.leftovers


def test_the_faults_left_out_of_the_sweep_are_faults() -> None:
    assert REPRESENTATION_ONLY <= set(FAULTS)
