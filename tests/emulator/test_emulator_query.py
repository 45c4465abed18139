"""The emulator's query parameters on custom objects: `_fields` selects keys on the list and
on one instance, and no malformed `_skip`, `_limit`, `_fields`, type filter or unknown name
makes it answer anything but 2xx or 400 (never a 5xx)."""

from __future__ import annotations

import httpx
import pytest

from ._support import MISSING, Catalog, Json, asset_payload


def _create(api: httpx.Client, catalog: Catalog, lead: Json) -> Json:
    response = api.post("custom_object/", json=asset_payload(catalog, lead["id"]))
    assert response.status_code == 201, response.text
    body: Json = response.json()
    return body


def test_fields_selects_the_keys_of_a_list_and_of_an_instance(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    # Given an instance on the lead
    created = _create(api, catalog, lead)
    serial = catalog.key("Asset", "Serial Number")

    # When the list and the instance are read with _fields
    listed = api.get(
        "custom_object/", params={"lead_id": lead["id"], "_fields": f"id,name,{serial}"}
    ).json()
    one = api.get(f"custom_object/{created['id']}/", params={"_fields": "id, name"}).json()

    # Then only those keys come back; the envelope of the list is not trimmed
    assert listed == {
        "data": [{"id": created["id"], "name": "Laptop", serial: "SN-1"}],
        "has_more": False,
    }
    assert one == {"id": created["id"], "name": "Laptop"}


@pytest.mark.parametrize("value", ["", "_all", "id,_all", " , "])
def test_fields_empty_or_all_answers_every_key(
    api: httpx.Client, catalog: Catalog, lead: Json, value: str
) -> None:
    created = _create(api, catalog, lead)

    one = api.get(f"custom_object/{created['id']}/", params={"_fields": value})

    assert one.status_code == 200 and one.json() == created


def test_fields_naming_no_key_answers_empty_instances(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    created = _create(api, catalog, lead)

    one = api.get(f"custom_object/{created['id']}/", params={"_fields": "no_such_key"})
    listed = api.get("custom_object/", params={"lead_id": lead["id"], "_fields": "no_such_key"})

    # Close's framework ignores names of no field
    assert one.json() == {}
    assert listed.json() == {"data": [{}], "has_more": False}


MALFORMED = [
    {"_limit": "abc"},
    {"_limit": "1.5"},
    {"_limit": "-1"},
    {"_limit": "0"},
    {"_limit": "9" * 30},
    {"_limit": ""},
    {"_skip": "abc"},
    {"_skip": "-1"},
    {"_skip": "9" * 30},
    {"_skip": ""},
    {"_fields": ""},
    {"_fields": "no_such_key"},
    {"custom_object_type_id": ""},
    {"custom_object_type_id": "not-a-type-id"},
    {"custom_object_type_id": MISSING["cotype_"]},
    {"x_contract_probe": "1"},
]


@pytest.mark.parametrize(
    "params", MALFORMED, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items())
)
def test_malformed_list_parameters_answer_2xx_or_400(
    api: httpx.Client, catalog: Catalog, lead: Json, params: dict[str, str]
) -> None:
    _create(api, catalog, lead)

    response = api.get("custom_object/", params={"lead_id": lead["id"], **params})

    assert response.status_code in (200, 400), response.text
    body = response.json()
    if response.status_code == 400:
        assert isinstance(body["error"], str)
    else:
        assert set(body) == {"data", "has_more"}


def test_a_skip_past_every_row_answers_an_empty_page(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    _create(api, catalog, lead)

    for skip in ("1", "9" * 19, "9" * 30):
        body = api.get("custom_object/", params={"lead_id": lead["id"], "_skip": skip}).json()
        assert body == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    "params", [{"_limit": "-1"}, {"_fields": ""}, {"x_contract_probe": "1"}, {"_skip": "x"}]
)
def test_an_instance_ignores_parameters_it_does_not_use(
    api: httpx.Client, catalog: Catalog, lead: Json, params: dict[str, str]
) -> None:
    created = _create(api, catalog, lead)

    response = api.get(f"custom_object/{created['id']}/", params=params)

    assert (response.status_code, response.json()) == (200, created)
