"""Custom object instances: create, retrieve, list, update, delete."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from contract.emulator import EmulatorServer

from ._support import (
    ID_SHAPES,
    MISSING,
    TIMESTAMP,
    Catalog,
    Json,
    asset_payload,
    create,
    new_lead,
    subscription_payload,
)

BASE_KEYS = {
    "id",
    "custom_object_type_id",
    "lead_id",
    "name",
    "organization_id",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
}


def test_create_answers_201_with_the_bare_instance(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    payload = asset_payload(catalog, lead["id"], **{"Purchase Price": 1200.5})

    response = api.post("custom_object/", json=payload)

    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    price, serial = catalog.key("Asset", "Purchase Price"), catalog.key("Asset", "Serial Number")
    assert set(body) == BASE_KEYS | {price, serial}
    assert body[price] == 1200.5
    assert body[serial] == "SN-1"
    assert body["name"] == "Laptop"
    assert body["lead_id"] == lead["id"]
    assert body["custom_object_type_id"] == catalog.type_id("Asset")
    assert body["organization_id"] == catalog.organization_id
    assert body["created_by"] == body["updated_by"] == catalog.user_id


def test_create_ids_and_timestamps_have_close_formats(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    body = create(api, asset_payload(catalog, lead["id"]))

    assert ID_SHAPES["custobj_"].fullmatch(body["id"])
    assert ID_SHAPES["lead_"].fullmatch(body["lead_id"])
    assert ID_SHAPES["cotype_"].fullmatch(body["custom_object_type_id"])
    assert ID_SHAPES["orga_"].fullmatch(body["organization_id"])
    assert ID_SHAPES["user_"].fullmatch(body["created_by"])
    for key in ("date_created", "date_updated"):
        assert TIMESTAMP.fullmatch(body[key]), body[key]
        assert datetime.fromisoformat(body[key]).utcoffset() is not None


def test_keys_without_a_value_are_absent(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    payload = asset_payload(catalog, lead["id"], **{"Purchase Date": None})

    body = create(api, payload)

    assert catalog.key("Asset", "Purchase Date") not in body
    assert catalog.key("Asset", "Purchase Price") not in body


def test_retrieve_answers_what_create_answered(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"], **{"Purchase Price": 3}))

    response = api.get(f"custom_object/{created['id']}/")

    assert response.status_code == 200
    assert response.json() == created


@pytest.mark.parametrize("object_id", [MISSING["custobj_"], "custobj_short", "nonsense"])
def test_unknown_ids_answer_404_json(api: httpx.Client, object_id: str) -> None:
    for method in ("GET", "DELETE"):
        response = api.request(method, f"custom_object/{object_id}/")
        assert response.status_code == 404
        assert isinstance(response.json()["error"], str)
    response = api.put(f"custom_object/{object_id}/", json={"name": "x"})
    assert response.status_code == 404


def test_another_organizations_instance_is_404(
    api: httpx.Client, other_api: httpx.Client, other_catalog: Catalog
) -> None:
    # Given an instance owned by the second organization
    other_lead = new_lead(other_api)
    payload = {
        "custom_object_type_id": other_catalog.type_id("Project"),
        "lead_id": other_lead["id"],
        "name": "Theirs",
    }
    theirs = create(other_api, payload)
    path = f"custom_object/{theirs['id']}/"

    # When the demo organization reads, updates or deletes it, Then it does not exist
    assert api.get(path).status_code == 404
    assert api.put(path, json={"name": "Mine now"}).status_code == 404
    assert api.delete(path).status_code == 404
    # And the owner still sees it unchanged
    assert other_api.get(path).json() == theirs


def test_list_requires_lead_id(api: httpx.Client) -> None:
    for query in ("", "?lead_id=", "?custom_object_type_id=x"):
        response = api.get("custom_object/" + query)
        assert response.status_code == 400
        assert isinstance(response.json()["error"], str)


def test_list_returns_the_leads_instances_oldest_first(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    # Given two assets and one subscription on the lead, and an asset on another lead
    first = create(api, asset_payload(catalog, lead["id"]))
    second = create(api, asset_payload(catalog, lead["id"]))
    subscription = create(api, subscription_payload(catalog, lead["id"]))
    create(api, asset_payload(catalog, new_lead(api)["id"]))

    # When listing by lead, Then exactly the lead's instances come back, in creation order
    body = api.get("custom_object/", params={"lead_id": lead["id"]}).json()
    assert body == {"data": [first, second, subscription], "has_more": False}

    # When filtering by type, Then only that type's instances come back
    body = api.get(
        "custom_object/",
        params={"lead_id": lead["id"], "custom_object_type_id": catalog.type_id("Subscription")},
    ).json()
    assert body == {"data": [subscription], "has_more": False}


def test_list_of_an_unknown_lead_is_empty(api: httpx.Client) -> None:
    response = api.get("custom_object/", params={"lead_id": MISSING["lead_"]})

    assert response.status_code == 200
    assert response.json() == {"data": [], "has_more": False}


def test_list_pages_with_skip_and_limit(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    ids = [create(api, asset_payload(catalog, lead["id"]))["id"] for _ in range(5)]

    def page(skip: int, limit: int) -> tuple[list[str], bool]:
        params = {"lead_id": lead["id"], "_skip": str(skip), "_limit": str(limit)}
        body = api.get("custom_object/", params=params).json()
        return [item["id"] for item in body["data"]], body["has_more"]

    assert page(0, 2) == (ids[:2], True)
    assert page(2, 2) == (ids[2:4], True)
    assert page(4, 2) == (ids[4:], False)
    assert page(3, 2) == (ids[3:], False)
    assert page(5, 100) == ([], False)


def test_list_default_and_maximum_limit_is_100(
    emulator: EmulatorServer, api: httpx.Client, catalog: Catalog
) -> None:
    lead = new_lead(api)
    for _ in range(101):
        create(api, asset_payload(catalog, lead["id"]))

    body = api.get("custom_object/", params={"lead_id": lead["id"]}).json()
    assert (len(body["data"]), body["has_more"]) == (100, True)

    response = api.get("custom_object/", params={"lead_id": lead["id"], "_limit": "101"})
    assert response.status_code == 400
    assert "max_limit = 100" in response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [{"_limit": "abc"}, {"_skip": "x"}, {"_limit": "1.5"}, {"_skip": "-1"}, {"_limit": "0"}],
)
def test_list_rejects_bad_paging_parameters(
    api: httpx.Client, lead: Json, params: dict[str, str]
) -> None:
    response = api.get("custom_object/", params={"lead_id": lead["id"], **params})

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


def test_update_is_partial(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    created = create(api, asset_payload(catalog, lead["id"], **{"Purchase Price": 10}))

    response = api.put(f"custom_object/{created['id']}/", json={"name": "Renamed"})

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Renamed"
    assert body[catalog.key("Asset", "Purchase Price")] == 10
    assert body[catalog.key("Asset", "Serial Number")] == "SN-1"
    assert body["date_created"] == created["date_created"]
    assert body["date_updated"] > created["date_updated"]
    assert api.get(f"custom_object/{created['id']}/").json() == body


def test_update_changes_and_removes_custom_values(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"], **{"Purchase Price": 10}))
    price, date = catalog.key("Asset", "Purchase Price"), catalog.key("Asset", "Purchase Date")

    body = api.put(f"custom_object/{created['id']}/", json={price: None, date: "2024-03-01"}).json()

    assert price not in body
    assert body[date] == "2024-03-01"
    assert api.get(f"custom_object/{created['id']}/").json() == body


def test_update_ignores_lead_type_and_read_only_keys(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    other_lead = new_lead(api)
    change = {
        "lead_id": other_lead["id"],
        "custom_object_type_id": catalog.type_id("Subscription"),
        "id": MISSING["custobj_"],
        "organization_id": MISSING["orga_"],
        "date_created": "2001-01-01T00:00:00.000000+00:00",
        "created_by": MISSING["user_"],
        "unknown_top_level_key": 1,
    }

    response = api.put(f"custom_object/{created['id']}/", json=change)

    assert response.status_code == 200
    body = response.json()
    for key in ("id", "lead_id", "custom_object_type_id", "organization_id", "date_created"):
        assert body[key] == created[key]
    assert body["created_by"] == created["created_by"]


def test_update_rejects_null_for_a_required_field_and_keeps_the_instance(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    serial = catalog.key("Asset", "Serial Number")

    response = api.put(f"custom_object/{created['id']}/", json={serial: None, "name": "New"})

    assert response.status_code == 400
    assert response.json() == {"errors": [], "field-errors": {serial: "This field is required."}}
    assert api.get(f"custom_object/{created['id']}/").json() == created


@pytest.mark.parametrize(
    ("change", "bad_key"),
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"name": 5}, "name"),
        ({"custom.cf_unknown": "x"}, "custom.cf_unknown"),
    ],
)
def test_update_validates_like_create(
    api: httpx.Client, catalog: Catalog, lead: Json, change: Json, bad_key: str
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))

    response = api.put(f"custom_object/{created['id']}/", json=change)

    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [bad_key]


def test_update_validates_values(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    price = catalog.key("Asset", "Purchase Price")

    response = api.put(f"custom_object/{created['id']}/", json={price: "12"})

    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [price]


def test_update_rejects_a_field_of_another_type(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    seats = catalog.key("Subscription", "Seats")

    response = api.put(f"custom_object/{created['id']}/", json={seats: 3})

    assert response.status_code == 400
    cf_id = seats.removeprefix("custom.")
    assert response.json()["field-errors"] == {seats: f'The Custom Field "{cf_id}" does not exist.'}


def test_delete_answers_204_with_an_empty_body_then_404(
    emulator: EmulatorServer, api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = create(api, asset_payload(catalog, lead["id"]))
    rows = emulator.count_rows("custom_object")

    response = api.delete(f"custom_object/{created['id']}/")

    assert response.status_code == 204
    assert response.content == b""
    assert emulator.count_rows("custom_object") == rows - 1
    assert api.get(f"custom_object/{created['id']}/").status_code == 404
    assert api.delete(f"custom_object/{created['id']}/").status_code == 404
    listed = api.get("custom_object/", params={"lead_id": lead["id"]}).json()
    assert listed == {"data": [], "has_more": False}
