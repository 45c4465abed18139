"""Everything a run creates is deleted again: after a clean run, after faults, after Ctrl-C;
nothing it did not create is touched."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.run import interrupt_cli, leftovers, live_config, run_engine

from contract.emulator import EmulatorServer

NOTHING_LEFT = {"custom_object": 0, "lead": 0, "contact": 0}


@pytest.mark.parametrize(
    "faults",
    [(), ("lost_writes",), ("delete_noop",), ("auth_not_enforced",), ("crash_on_unknown_field",)],
    ids=lambda faults: "+".join(faults) or "no-fault",
)
def test_run_leaves_nothing_behind(tmp_path: Path, faults: tuple[str, ...]) -> None:
    # Given an emulator on a database file, used as a live target
    with EmulatorServer(faults=faults, db_path=tmp_path / "e.db") as srv:
        # When a run (shrinking, so it creates many instances) is over
        ran = run_engine(live_config(srv, examples=3, shrink=True))

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


def test_a_list_that_ignores_its_filter_deletes_nothing_of_other_leads(tmp_path: Path) -> None:
    with EmulatorServer(faults=("list_ignores_lead",), db_path=tmp_path / "e.db") as srv:
        # Given another lead of the organization with an instance of its own
        with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, "")) as api:
            _, theirs = _lead_with_instance(api, "Customer")

            # When a run meets a list that answers every lead's instances
            ran = run_engine(live_config(srv, examples=3))

            # Then the broken filter is a violation, and cleanup, which must not trust that
            # list, left the customer's instance as it was and removed all of its own
            assert ran.finished.summary.by_check.get("listed_after_create", 0) > 0
            assert api.get(f"custom_object/{theirs['id']}/").json() == theirs
            assert ran.cleanup.leftovers == ()
            assert leftovers(srv) == {"custom_object": 1, "lead": 1, "contact": 1}


def test_run_on_a_given_lead_deletes_only_what_it_created(tmp_path: Path) -> None:
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        # Given the user's own lead with an instance the run knows nothing of
        with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, "")) as api:
            lead, mine = _lead_with_instance(api, "Mine")

            # When a run attaches its instances to that lead
            ran = run_engine(live_config(srv, examples=3, lead_id=lead["id"]))

            # Then the lead and the user's instance are still there, and nothing else is
            assert ran.cleanup.leftovers == ()
            assert api.get(f"lead/{lead['id']}/").status_code == 200
            assert api.get(f"custom_object/{mine['id']}/").status_code == 200
            assert leftovers(srv) == {"custom_object": 1, "lead": 1, "contact": 1}


def _interrupt_run(srv: EmulatorServer, delay: float) -> tuple[int | None, str, str]:
    """``close-contract run`` on ``srv``, Ctrl-C'd ``delay`` s after it found its target."""
    # Enough examples that the run outlasts the longest delay (setup takes ~0.1 s, the
    # valid phase ~5 s on an idle machine; interrupts land in either).
    args = ["run", "--base-url", srv.base_url, "--api-key", srv.api_key, "--examples", "150"]
    return interrupt_cli(args, delay)


# One seeded delay in each third of 0.3..3 s, so the interrupts hit different moments.
_RANDOM = random.Random(20240607)
DELAYS = [round(_RANDOM.uniform(0.3 + 0.9 * i, 1.2 + 0.9 * i), 2) for i in range(3)]


@pytest.mark.parametrize("delay", DELAYS)
def test_ctrl_c_cleans_up(tmp_path: Path, delay: float) -> None:
    # Given an emulator the run treats as a live API
    with EmulatorServer(db_path=tmp_path / "e.db") as srv:
        # When the user presses Ctrl-C somewhere in the middle of the run
        code, stdout, stderr = _interrupt_run(srv, delay)

        # Then it stopped quietly and deleted all it created
        assert "Traceback" not in stdout + stderr, stderr
        assert code == 130, (code, stderr)
        assert "interrupted" in stderr.splitlines()[-1]
        assert leftovers(srv) == NOTHING_LEFT, stderr
