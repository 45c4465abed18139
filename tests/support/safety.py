"""Customer data planted in an emulator database, and full snapshots to compare runs with."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contract.emulator import EmulatorServer

__all__ = ["Planted", "Snapshot", "changed", "copy_of", "plant", "snapshot", "unaccounted"]

#: table -> rowid -> the whole row (column -> value), as SQLite stores it.
Snapshot = dict[str, dict[int, dict[str, Any]]]


@dataclass(frozen=True)
class Planted:
    """The template database, the customer's lead in the demo organization and the lead
    planted in the other organization (a run may name it, as --other-lead-id)."""

    db: Path
    lead_id: str
    other_lead_id: str = ""


def snapshot(db: Path) -> Snapshot:
    """Every row of every table, read through a read-only connection."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        tables = [
            str(row["name"])
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            table: {
                int(row["rowid"]): dict(row)
                for row in conn.execute(f'SELECT rowid AS rowid, * FROM "{table}"')
            }
            for table in tables
        }


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


def _fields(api: httpx.Client, type_name: str) -> tuple[str, dict[str, str]]:
    """A type's id and its field ids by name."""
    (found,) = (t for t in api.get("custom_object_type/").json()["data"] if t["name"] == type_name)
    return found["id"], {f["name"]: f["id"] for f in found["fields"]}


def _plant_customer(api: httpx.Client) -> str:
    """A lead with a contact, an Asset and a Subscription that refers to both."""
    contact = {"name": "Cleo Customer", "emails": [{"email": "cleo@customer.test"}]}
    lead = _post(api, "lead/", {"name": "Customer Ltd", "contacts": [contact]})
    asset_type, asset = _fields(api, "Asset")
    made = _post(
        api,
        "custom_object/",
        {
            "custom_object_type_id": asset_type,
            "lead_id": lead["id"],
            "name": "Customer laptop",
            f"custom.{asset['Serial Number']}": "CUST-001",
            f"custom.{asset['Purchase Price']}": 1234.5,
        },
    )
    sub_type, sub = _fields(api, "Subscription")
    _post(
        api,
        "custom_object/",
        {
            "custom_object_type_id": sub_type,
            "lead_id": lead["id"],
            "name": "Customer plan",
            f"custom.{sub['Contract Reference']}": "CUST-REF",
            f"custom.{sub['Plan']}": "Pro",
            f"custom.{sub['Seats']}": 12,
            f"custom.{sub['Billing Contact']}": lead["contacts"][0]["id"],
            f"custom.{sub['Asset']}": made["id"],
        },
    )
    return str(lead["id"])


def _plant_other_organization(api: httpx.Client) -> str:
    lead = _post(api, "lead/", {"name": "Other's customer", "contacts": [{"name": "Otto"}]})
    project_type, project = _fields(api, "Project")
    _post(
        api,
        "custom_object/",
        {
            "custom_object_type_id": project_type,
            "lead_id": lead["id"],
            "name": "Other's project",
            f"custom.{project['Code']}": "P-1",
        },
    )
    return str(lead["id"])


def plant(directory: Path) -> Planted:
    """Customer data in both organizations, planted into a template file in ``directory``."""
    db = directory / "customer.db"
    with EmulatorServer(db_path=db) as srv:
        with httpx.Client(base_url=srv.base_url + "/", auth=(srv.api_key, "")) as api:
            lead_id = _plant_customer(api)
        with httpx.Client(base_url=srv.base_url + "/", auth=(srv.other_api_key, "")) as other:
            other_lead_id = _plant_other_organization(other)
    # Stopping closed the last connection, which folds the WAL into the file itself.
    return Planted(db, lead_id, other_lead_id)


def copy_of(planted: Planted, directory: Path) -> Path:
    """A private copy of the planted database for one test."""
    db = directory / "e.db"
    shutil.copyfile(planted.db, db)
    return db


def unaccounted(before: Snapshot, after: Snapshot, leftovers: str) -> list[str]:
    """Rows the run created and left, unless its leftovers name them (or their lead)."""
    named = leftovers
    out = []
    for table, rows in after.items():
        for rowid, row in rows.items():
            if rowid in before.get(table, {}):
                continue
            ids = [str(row[key]) for key in ("id", "lead_id") if row.get(key)]
            if not any(object_id in named for object_id in ids):
                out.append(f"{table}: {row!r}")
    return out


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    """Rows that existed before and are now gone or different."""
    out = []
    for table, rows in before.items():
        for rowid, row in rows.items():
            now = after.get(table, {}).get(rowid)
            if now != row:
                out.append(f"{table}: {row!r} -> {now!r}")
    return out
