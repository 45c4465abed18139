"""The official Python client (`closeio`, import `closeio_api`) works against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import closeio_api
import pytest

from contract.emulator import EmulatorServer


@pytest.fixture
def close_api(emulator: EmulatorServer) -> Iterator[Any]:
    # The client joins base_url and endpoint without a separator: the root needs its "/".
    api = closeio_api.API(emulator.base_url + "/", api_key=emulator.api_key, max_retries=1)
    try:
        yield api
    finally:
        api.session.close()


def test_client_round_trip(close_api: Any) -> None:
    # Given a lead and the seeded Asset type
    lead = close_api.post("lead", {"name": "Client Lead", "contacts": [{"name": "Cleo"}]})
    types = close_api.get("custom_object_type")["data"]
    asset = next(t for t in types if t["name"] == "Asset")
    fields = {f["name"]: f["id"] for f in asset["fields"]}
    serial, price = f"custom.{fields['Serial Number']}", f"custom.{fields['Purchase Price']}"

    # When an instance is created, read, listed, updated and deleted through the client
    created = close_api.post(
        "custom_object",
        {
            "custom_object_type_id": asset["id"],
            "lead_id": lead["id"],
            "name": "Monitor",
            serial: "SN-9",
            price: 199.99,
        },
    )
    fetched = close_api.get(f"custom_object/{created['id']}")
    listed = close_api.get("custom_object", params={"lead_id": lead["id"]})
    updated = close_api.put(f"custom_object/{created['id']}", {"name": "Monitor 2", price: None})
    deleted = close_api.delete(f"custom_object/{created['id']}")

    # Then each step answers what Close documents
    assert created["id"].startswith("custobj_")
    assert created[serial] == "SN-9" and created[price] == 199.99
    assert fetched == created
    assert listed == {"data": [created], "has_more": False}
    assert updated["name"] == "Monitor 2" and price not in updated
    assert deleted == ""  # the client's answer to a 204
    with pytest.raises(closeio_api.APIError) as missing:
        close_api.get(f"custom_object/{created['id']}")
    assert missing.value.response.status_code == 404

    # And the lead goes away the legacy way (200 {})
    assert close_api.delete(f"lead/{lead['id']}") == {}


def test_client_sees_validation_errors(close_api: Any) -> None:
    types = close_api.get("custom_object_type")["data"]
    asset = next(t for t in types if t["name"] == "Asset")

    with pytest.raises(closeio_api.ValidationError) as error:
        close_api.post("custom_object", {"custom_object_type_id": asset["id"], "name": ""})

    assert error.value.errors == []
    assert set(error.value.field_errors) >= {"lead_id", "name"}
    assert error.value.field_errors["lead_id"] == "This field is required."


def test_client_with_a_wrong_key_gets_api_error(emulator: EmulatorServer) -> None:
    api = closeio_api.API(emulator.base_url + "/", api_key="api_wrong", max_retries=1)
    try:
        with pytest.raises(closeio_api.APIError) as error:
            api.get("me")
    finally:
        api.session.close()

    assert error.value.response.status_code == 401


def test_client_retries_after_429() -> None:
    with EmulatorServer(throttle=2, throttle_reset=0) as server:
        api = closeio_api.API(server.base_url + "/", api_key=server.api_key, max_retries=3)
        try:
            # Every second request is throttled; the client reads RateLimit and retries.
            answers = [api.get("me")["id"] for _ in range(3)]
        finally:
            api.session.close()

    assert len(set(answers)) == 1
