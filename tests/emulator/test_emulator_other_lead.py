"""Asked for it, the emulator's second organization holds a lead with a contact and an
instance: ids a client of the first organization may name but never reach."""

from __future__ import annotations

from pathlib import Path

from contract.emulator import EmulatorServer

from ._support import client_for


def test_the_second_organization_holds_a_lead_only_its_key_reads(tmp_path: Path) -> None:
    # Given an emulator started with the second organization's lead, on a database file
    db = tmp_path / "e.db"
    with EmulatorServer(db_path=db, other_lead=True) as server:
        lead_id = server.other_lead_id
        assert lead_id is not None and lead_id.startswith("lead_")
        path = f"lead/{lead_id}/"
        with client_for(server, server.other_api_key) as other, client_for(server) as api:
            # Then its key reads the lead, its contact and its instance...
            lead = other.get(path).json()
            (contact,) = lead["contacts"]
            listed = other.get("custom_object/", params={"lead_id": lead_id}).json()["data"]
            assert contact["id"].startswith("cont_") and len(listed) == 1
            # ...and the first organization's key finds none of them
            assert api.get(path).status_code == 404
            assert api.get(f"custom_object/{listed[0]['id']}/").status_code == 404
            assert api.get("lead/").json()["total_results"] == 0

    # When the same database is opened again, the lead is the same one, not a second
    with EmulatorServer(db_path=db, other_lead=True) as again:
        assert again.other_lead_id == lead_id
        assert again.count_rows("lead") == 1


def test_without_being_asked_no_lead_is_planted() -> None:
    with EmulatorServer() as server:
        assert server.other_lead_id is None
        assert server.count_rows("lead") == 0
