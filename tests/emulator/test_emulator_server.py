"""`EmulatorServer` and `create_app`: lifecycle, persistence, determinism, isolation."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from contract.emulator import (
    DEFAULT_API_KEY,
    FAULTS,
    OTHER_API_KEY,
    EmulatorServer,
    create_app,
    serve_command,
)
from contract.emulator import __all__ as public_names

from ._support import asset_payload, client_for, create, load_catalog, new_lead


def test_public_surface() -> None:
    assert sorted(public_names) == sorted(
        [
            "EmulatorServer",
            "FAULTS",
            "DEFAULT_API_KEY",
            "OTHER_API_KEY",
            "create_app",
            "serve_command",
        ]
    )
    assert DEFAULT_API_KEY != OTHER_API_KEY
    assert serve_command.name == "serve"
    assert len(FAULTS) >= 21 and "multi_value_as_string" in FAULTS


def test_server_listens_on_loopback_and_stops() -> None:
    server = EmulatorServer()
    assert server.db_path is None

    server.start()
    try:
        assert server.running
        assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"
        assert server.port > 0
        with client_for(server) as client:
            assert client.get("me/").status_code == 200
    finally:
        server.stop()

    assert not server.running
    server.stop()  # idempotent
    with pytest.raises(httpx.ConnectError), httpx.Client() as client:
        client.get(server.base_url + "/me/")
    with pytest.raises(RuntimeError):
        server.count_rows("lead")


def test_server_can_run_from_another_thread() -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            with EmulatorServer() as server, client_for(server) as client:
                outcome["status"] = client.get("me/").status_code
        except BaseException as exc:  # handed to the main thread below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)

    assert outcome == {"status": 200}


def test_fixed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with EmulatorServer(port=port) as server:
        assert server.base_url == f"http://127.0.0.1:{port}/api/v1"
        # A second server cannot take the same port.
        with pytest.raises(OSError):
            EmulatorServer(port=port).start()


def test_api_key_override() -> None:
    with EmulatorServer(api_key="api_custom_key") as server:
        assert server.api_key == "api_custom_key"
        with client_for(server) as client:
            assert client.get("me/").status_code == 200
        with client_for(server, DEFAULT_API_KEY) as client:
            assert client.get("me/").status_code == 401
        with client_for(server, server.other_api_key) as client:
            assert client.get("me/").status_code == 200


def test_count_rows_counts_every_organization() -> None:
    with (
        EmulatorServer() as server,
        client_for(server) as demo,
        client_for(server, server.other_api_key) as other,
    ):
        assert server.count_rows("custom_object_type") == 3
        assert server.count_rows("custom_field") == 14
        assert server.count_rows("lead") == 0
        new_lead(demo)
        new_lead(other)
        assert server.count_rows("lead") == 2
        assert server.count_rows("contact") == 2
        with pytest.raises(ValueError, match="unknown table"):
            server.count_rows("lead; DROP TABLE lead")


@pytest.mark.parametrize("kwargs", [{"throttle": 0}, {"throttle_reset": -1.0}])
def test_bad_options_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EmulatorServer(**kwargs)  # type: ignore[arg-type]


def ids_of_a_fresh_run(seed: int) -> list[str]:
    """Every id a scripted session sees, in order."""
    with EmulatorServer(seed=seed) as server, client_for(server) as client:
        catalog = load_catalog(client)
        ids = [catalog.organization_id, catalog.user_id]
        ids += [t["id"] for t in catalog.types.values()]
        ids += [f["id"] for f in catalog.fields.values()]
        lead = new_lead(client)
        ids += [lead["id"], lead["contacts"][0]["id"]]
        ids += [create(client, asset_payload(catalog, lead["id"]))["id"] for _ in range(3)]
        return ids


def test_ids_are_deterministic_for_a_seed() -> None:
    first, second = ids_of_a_fresh_run(7), ids_of_a_fresh_run(7)

    assert first == second
    assert len(set(first)) == len(first)
    assert ids_of_a_fresh_run(8)[0] != first[0]


def test_db_file_persists_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "emulator.sqlite3"

    # Given a first run that creates a lead and an instance in a database file
    with EmulatorServer(db_path=db) as server, client_for(server) as client:
        assert server.db_path == db
        catalog = load_catalog(client)
        lead = new_lead(client)
        instance = create(client, asset_payload(catalog, lead["id"]))

    # When a second emulator opens the same file
    with EmulatorServer(db_path=db) as server, client_for(server) as client:
        # Then the seeded objects and the created ones are still there, unchanged
        assert load_catalog(client) == catalog
        assert client.get(f"custom_object/{instance['id']}/").json() == instance
        assert client.get(f"lead/{lead['id']}/").json() == lead
        assert server.count_rows("organization") == 2
        # And new ids do not repeat the first run's
        second = create(client, asset_payload(catalog, lead["id"]))
        assert second["id"] != instance["id"]
        listed = client.get("custom_object/", params={"lead_id": lead["id"]}).json()
        assert [item["id"] for item in listed["data"]] == [instance["id"], second["id"]]


def test_organizations_are_isolated() -> None:
    with (
        EmulatorServer() as server,
        client_for(server) as demo,
        client_for(server, server.other_api_key) as other,
    ):
        mine, theirs = load_catalog(demo), load_catalog(other)
        assert set(mine.types) == {"Asset", "Subscription"}
        assert set(theirs.types) == {"Project"}
        their_fields = other.get("custom_field/custom_object_type/").json()["data"]
        assert [f["name"] for f in their_fields] == ["Code"]

        # An instance created by one organization is invisible to the other
        lead = new_lead(demo)
        instance = create(demo, asset_payload(mine, lead["id"]))
        assert other.get(f"custom_object/{instance['id']}/").status_code == 404
        listed = other.get("custom_object/", params={"lead_id": lead["id"]}).json()
        assert listed["data"] == []
        # And the other organization cannot attach instances to it
        payload = {
            "custom_object_type_id": theirs.type_id("Project"),
            "lead_id": lead["id"],
            "name": "x",
        }
        assert other.post("custom_object/", json=payload).status_code == 400


async def lifespan_cycle(app: Starlette) -> list[str]:
    """Run the ASGI lifespan protocol once: startup, then shutdown."""
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive() -> dict[str, str]:
        return next(messages)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    return sent


def test_create_app_serves_in_process_and_closes_on_shutdown() -> None:
    app = create_app(faults=("create_returns_200",), seed=3)
    assert isinstance(app, Starlette)

    async def scenario() -> tuple[int, int, list[str]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1/api/v1/", auth=(DEFAULT_API_KEY, "")
        ) as client:
            me = await client.get("me/")
            lead = (await client.post("lead/", json={"name": "L"})).json()
            asset = (await client.get("custom_object_type/")).json()["data"][0]
            serial = next(f for f in asset["fields"] if f["required"])
            payload = {
                "custom_object_type_id": asset["id"],
                "lead_id": lead["id"],
                "name": "x",
                f"custom.{serial['id']}": "SN",
            }
            created = await client.post("custom_object/", json=payload)
        return me.status_code, created.status_code, await lifespan_cycle(app)

    me, created, lifespan = asyncio.run(scenario())

    assert (me, created) == (200, 200)
    assert lifespan == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    with pytest.raises(sqlite3.ProgrammingError):
        app.state.emulator.store.count_rows("lead")


def test_create_app_refuses_unknown_faults() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        create_app(faults=("nope",))
