"""Everything a run creates is deleted again: after a clean run, after faults, after Ctrl-C;
nothing it did not create is touched."""

from __future__ import annotations

import random
import signal
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.ctrl_c import CtrlCProxy, nth_request
from support.run import leftovers, live_config, run_engine, type_ids

from contract.emulator import EmulatorServer

NOTHING_LEFT = {"custom_object": 0, "lead": 0, "contact": 0}
# Every phase that writes, each small: one valid lifecycle per type and one short sequence.
SMALL: dict[str, Any] = {"examples": 1, "stateful_runs": 1, "stateful_steps": 10}


@pytest.mark.parametrize(
    "faults",
    [(), ("lost_writes",), ("delete_noop",), ("auth_not_enforced",), ("crash_on_unknown_field",)],
    ids=lambda faults: "+".join(faults) or "no-fault",
)
def test_run_leaves_nothing_behind(tmp_path: Path, faults: tuple[str, ...]) -> None:
    # Given an emulator on a database file, used as a live target
    with EmulatorServer(faults=faults, db_path=tmp_path / "e.db") as srv:
        # When a run on the richest type (shrinking, so it creates many instances) is over
        one_type = (type_ids()["Subscription"],)
        options = {**SMALL, "examples": 3, "custom_object_type_ids": one_type}
        ran = run_engine(live_config(srv, shrink=True, **options))

        # Then it deleted every lead, contact and instance it created
        assert leftovers(srv) == NOTHING_LEFT
        assert ran.cleanup.deleted >= 1
        assert ran.cleanup.leftovers == ()


def _create(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


def _lead_with_instance(api: httpx.Client, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new lead of the organization holding one Asset instance, both made outside a run."""
    lead = _create(api, "lead/", {"name": name, "contacts": [{"name": f"{name} contact"}]})
    (asset,) = (t for t in api.get("custom_object_type/").json()["data"] if t["name"] == "Asset")
    values = {f"custom.{f['id']}": "SN-1" for f in asset["fields"] if f.get("required")}
    body = {"custom_object_type_id": asset["id"], "lead_id": lead["id"], "name": name}
    return lead, _create(api, "custom_object/", {**body, **values})


def test_run_on_a_given_lead_deletes_only_what_it_created(tmp_path: Path) -> None:
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        # Given the user's own lead with an instance the run knows nothing of
        with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, "")) as api:
            lead, mine = _lead_with_instance(api, "Mine")

            # When a run attaches its instances to that lead
            ran = run_engine(live_config(srv, lead_id=lead["id"], **SMALL))

            # Then the lead and the user's instance are still there, and nothing else is
            assert ran.cleanup.leftovers == ()
            assert api.get(f"lead/{lead['id']}/").status_code == 200
            assert api.get(f"custom_object/{mine['id']}/").status_code == 200
            assert leftovers(srv) == {"custom_object": 1, "lead": 1, "contact": 1}


# Ctrl-C at a seeded request in each third of a small run's requests (some 200 of them:
# setup, the single-case phases, the stateful phase), so the interrupts hit different moments.
# Exit codes and messages of an interrupted command: tests/engine/test_endings_signals.py.
_RANDOM = random.Random(20240607)
AFTER = [_RANDOM.randint(1 + 60 * i, 60 * (i + 1)) for i in range(3)]


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signals are delivered to the main thread only",
)
@pytest.mark.parametrize("after", AFTER)
def test_ctrl_c_cleans_up(tmp_path: Path, after: int) -> None:
    # Given an emulator the run treats as a live API
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        # When the user presses Ctrl-C somewhere in the middle of the run
        with CtrlCProxy(srv.base_url, nth_request(after)) as proxy:
            config = live_config(srv, base_url=proxy.base_url, **SMALL)
            with pytest.raises(KeyboardInterrupt):
                run_engine(config)

        # Then it stopped, and deleted all it created
        assert proxy.triggered
        assert leftovers(srv) == NOTHING_LEFT
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
