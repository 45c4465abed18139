"""Data safety: whatever fault the server has, a run leaves every row that existed before it
byte for byte as it was, and leaves none of its own behind unless it says so.

Each case plants customer data through the HTTP API of a fault-free emulator (a fault
such as `lost_writes` would otherwise keep it from being stored), reopens the same
database with the fault, and compares full snapshots of the SQLite file taken before and
after one small run: the richest type only and one valid payload. On the customer's lead
the run also has one short sequence of the stateful phase: with ``lead_id`` its sequences
update, delete and list on that very lead, next to the customer's instances (on its own
lead they run on leads of their own, which hold no customer data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.run import live_config, run_engine, type_ids
from support.safety import Planted, changed, copy_of, plant, snapshot, unaccounted

from contract.emulator import FAULTS, EmulatorServer

NO_FAULT = "no-fault"


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    """Customer data in both organizations, planted once per worker."""
    return plant(tmp_path_factory.mktemp("planted"))


@pytest.fixture
def customer_db(planted: Planted, tmp_path: Path) -> Path:
    """A private copy of the planted database for one test."""
    return copy_of(planted, tmp_path)


def _cases() -> list[Any]:
    cases = []
    for fault in (NO_FAULT, *sorted(FAULTS)):
        for on_customer_lead in (False, True):
            where = "customer-lead" if on_customer_lead else "own-lead"
            cases.append(pytest.param(fault, on_customer_lead, id=f"{fault}-{where}"))
    return cases


@pytest.mark.parametrize(("fault", "on_customer_lead"), _cases())
def test_a_run_leaves_existing_data_untouched(
    planted: Planted, customer_db: Path, fault: str, on_customer_lead: bool
) -> None:
    faults = () if fault == NO_FAULT else (fault,)
    # Given customer data on a server with the fault
    with EmulatorServer(faults=faults, db_path=customer_db) as srv:
        before = snapshot(customer_db)
        assert [len(before[t]) for t in ("lead", "contact", "custom_object")] == [2, 2, 3]

        # When one small run goes through it, on its own lead or on the customer's
        options: dict[str, Any] = {
            "examples": 1,
            "custom_object_type_ids": (type_ids()["Subscription"],),
            "stateful_runs": 0,
        }
        if on_customer_lead:
            options |= {"lead_id": planted.lead_id, "stateful_runs": 1, "stateful_steps": 10}
        ran = run_engine(live_config(srv, **options))
        after = snapshot(customer_db)

    # Then every row that was there is still there, byte for byte
    assert changed(before, after) == []
    # and every row the run made is gone, or named among the run's leftovers
    assert unaccounted(before, after, " ".join(ran.cleanup.leftovers)) == [], ran.cleanup.leftovers
