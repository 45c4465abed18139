"""Supporting endpoints: me/, custom object types and fields, leads."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contract.emulator import EmulatorServer

from ._support import (
    ID_SHAPES,
    MISSING,
    Catalog,
    Json,
    asset_payload,
    create,
    new_lead,
    subscription_payload,
)

TYPE_KEYS = {
    "id",
    "name",
    "name_plural",
    "description",
    "api_create_only",
    "editable_with_roles",
    "fields",
    "back_reference_fields",
    "organization_id",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
}
TYPE_FIELD_KEYS = {
    "id",
    "name",
    "description",
    "type",
    "required",
    "accepts_multiple_values",
    "editable_with_roles",
    "referenced_custom_type_id",
    "back_reference_is_visible",
    "is_shared",
}
FIELD_KEYS = {
    "id",
    "name",
    "description",
    "type",
    "accepts_multiple_values",
    "required",
    "editable_with_roles",
    "custom_object_type_id",
    "referenced_custom_type_id",
    "back_reference_is_visible",
    "organization_id",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
}


def test_me_names_the_user_and_organization(api: httpx.Client) -> None:
    body = api.get("me/").json()

    assert ID_SHAPES["user_"].fullmatch(body["id"])
    assert {"email", "first_name", "last_name"} <= set(body)
    [organization] = body["organizations"]
    assert ID_SHAPES["orga_"].fullmatch(organization["id"])
    assert organization["name"]


def test_the_two_organizations_differ(api: httpx.Client, other_api: httpx.Client) -> None:
    mine, theirs = api.get("me/").json(), other_api.get("me/").json()

    assert mine["id"] != theirs["id"]
    assert mine["organizations"][0]["id"] != theirs["organizations"][0]["id"]


def test_types_list_and_shape(api: httpx.Client) -> None:
    body = api.get("custom_object_type/").json()

    assert body["has_more"] is False
    assert [t["name"] for t in body["data"]][:2] == ["Asset", "Subscription"]
    for type_doc in body["data"]:
        assert set(type_doc) == TYPE_KEYS
        assert ID_SHAPES["cotype_"].fullmatch(type_doc["id"])
        assert type_doc["back_reference_fields"] == []
        for field in type_doc["fields"]:
            expected = TYPE_FIELD_KEYS | ({"choices"} if field["type"] == "choices" else set())
            assert set(field) == expected
            assert field["is_shared"] is False


def test_seeded_fields_cover_every_type(catalog: Catalog) -> None:
    subscription = catalog.types["Subscription"]["fields"]
    types = {field["type"] for field in subscription}
    assert types == {
        "text", "number", "date", "datetime", "choices", "user", "contact", "custom_object"
    }  # fmt: skip
    assert any(f["type"] == "choices" and f["accepts_multiple_values"] for f in subscription)
    assert any(f["type"] == "choices" and not f["accepts_multiple_values"] for f in subscription)
    assert any(f["type"] == "text" and f["required"] for f in subscription)
    [reference] = [f for f in subscription if f["type"] == "custom_object"]
    assert reference["referenced_custom_type_id"] == catalog.type_id("Asset")
    assert any(f["required"] for f in catalog.types["Asset"]["fields"])


def test_get_type(api: httpx.Client, catalog: Catalog) -> None:
    response = api.get(f"custom_object_type/{catalog.type_id('Asset')}/")

    assert response.status_code == 200
    assert response.json() == catalog.types["Asset"]


def test_types_of_another_organization_are_invisible(
    api: httpx.Client, other_catalog: Catalog
) -> None:
    names = [t["name"] for t in api.get("custom_object_type/").json()["data"]]

    assert "Project" not in names
    assert api.get(f"custom_object_type/{other_catalog.type_id('Project')}/").status_code == 404
    assert api.get(f"custom_object_type/{MISSING['cotype_']}/").status_code == 404


def test_create_type(api: httpx.Client) -> None:
    response = api.post(
        "custom_object_type/",
        json={"name": "Device", "name_plural": "Devices", "editable_with_roles": ["admin"]},
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == TYPE_KEYS
    assert (body["name"], body["name_plural"], body["fields"]) == ("Device", "Devices", [])
    assert body["api_create_only"] is False
    assert body["editable_with_roles"] == ["admin"]
    assert api.get(f"custom_object_type/{body['id']}/").json() == body


@pytest.mark.parametrize(
    ("payload", "bad_keys"),
    [
        ({}, {"name", "name_plural"}),
        ({"name": "", "name_plural": 3}, {"name", "name_plural"}),
        ({"name": "A", "name_plural": "As", "api_create_only": "yes"}, {"api_create_only"}),
        (
            {"name": "A", "name_plural": "As", "editable_with_roles": "admin"},
            {"editable_with_roles"},
        ),
    ],
)
def test_create_type_validation(api: httpx.Client, payload: Json, bad_keys: set[str]) -> None:
    response = api.post("custom_object_type/", json=payload)

    assert response.status_code == 400
    assert set(response.json()["field-errors"]) == bad_keys


def test_fields_list_and_get(api: httpx.Client, catalog: Catalog) -> None:
    body = api.get("custom_field/custom_object_type/").json()

    assert body["has_more"] is False
    ids = {field["id"] for field in body["data"]}
    assert ids == {field["id"] for field in catalog.fields.values()}
    for field in body["data"]:
        assert set(field) == FIELD_KEYS | ({"choices"} if field["type"] == "choices" else set())
        assert ID_SHAPES["cf_"].fullmatch(field["id"])
        if field["type"] != "custom_object":
            assert field["referenced_custom_type_id"] is None
        response = api.get(f"custom_field/custom_object_type/{field['id']}/")
        assert response.json() == field


def test_fields_of_another_organization_are_invisible(
    api: httpx.Client, other_catalog: Catalog
) -> None:
    field_id = other_catalog.key("Project", "Code").removeprefix("custom.")

    assert api.get(f"custom_field/custom_object_type/{field_id}/").status_code == 404
    assert api.get(f"custom_field/custom_object_type/{MISSING['cf_']}/").status_code == 404


@pytest.mark.parametrize(
    "extra",
    [
        {"type": "text", "required": True, "description": "Why"},
        {"type": "number"},
        {"type": "date"},
        {"type": "datetime"},
        {"type": "choices", "choices": ["a", "b"], "accepts_multiple_values": True},
        {"type": "user"},
        {"type": "contact"},
        {"type": "custom_object", "referenced_custom_type_id": "<Asset>"},
    ],
)
def test_create_field(api: httpx.Client, catalog: Catalog, extra: dict[str, Any]) -> None:
    # Given a fresh type, so new fields do not disturb other tests' payloads
    type_id = api.post("custom_object_type/", json={"name": "T", "name_plural": "Ts"}).json()["id"]
    if extra.get("referenced_custom_type_id") == "<Asset>":
        extra = {**extra, "referenced_custom_type_id": catalog.type_id("Asset")}

    response = api.post(
        "custom_field/custom_object_type/",
        json={"custom_object_type_id": type_id, "name": "F", **extra},
    )

    assert response.status_code == 201, response.text
    field = response.json()
    for key, value in extra.items():
        assert field[key] == value
    assert field["custom_object_type_id"] == type_id
    [listed] = api.get(f"custom_object_type/{type_id}/").json()["fields"]
    assert listed["id"] == field["id"]


def test_a_new_field_is_usable_at_once(api: httpx.Client, lead: Json) -> None:
    type_id = api.post("custom_object_type/", json={"name": "T", "name_plural": "Ts"}).json()["id"]
    field = api.post(
        "custom_field/custom_object_type/",
        json={"custom_object_type_id": type_id, "name": "Size", "type": "number"},
    ).json()

    body = create(
        api,
        {
            "custom_object_type_id": type_id,
            "lead_id": lead["id"],
            "name": "x",
            f"custom.{field['id']}": 7,
        },
    )

    assert body[f"custom.{field['id']}"] == 7


@pytest.mark.parametrize(
    ("payload", "bad_keys"),
    [
        ({}, {"custom_object_type_id", "name", "type"}),
        ({"custom_object_type_id": MISSING["cotype_"], "name": "F", "type": "text"}, None),
        ({"name": "F", "type": "colour", "custom_object_type_id": "<T>"}, {"type"}),
        ({"name": "F", "type": "choices", "custom_object_type_id": "<T>"}, {"choices"}),
        ({"name": "F", "type": "custom_object", "custom_object_type_id": "<T>"}, None),
        (
            {
                "name": "F",
                "type": "text",
                "accepts_multiple_values": True,
                "custom_object_type_id": "<T>",
            },
            {"accepts_multiple_values"},
        ),
    ],
)
def test_create_field_validation(
    api: httpx.Client, payload: Json, bad_keys: set[str] | None
) -> None:
    type_id = api.post("custom_object_type/", json={"name": "T", "name_plural": "Ts"}).json()["id"]
    if payload.get("custom_object_type_id") == "<T>":
        payload = {**payload, "custom_object_type_id": type_id}

    response = api.post("custom_field/custom_object_type/", json=payload)

    assert response.status_code == 400
    errors = response.json()["field-errors"]
    if bad_keys is None:  # the one key that makes the payload invalid
        assert len(errors) == 1
    else:
        assert set(errors) == bad_keys


def test_create_lead_answers_200_with_contacts(api: httpx.Client, catalog: Catalog) -> None:
    response = api.post(
        "lead/",
        json={"name": "Acme", "contacts": [{"name": "Ann", "emails": [{"email": "a@acme.test"}]}]},
    )

    assert response.status_code == 200
    lead = response.json()
    assert ID_SHAPES["lead_"].fullmatch(lead["id"])
    assert (lead["name"], lead["display_name"]) == ("Acme", "Acme")
    assert lead["organization_id"] == catalog.organization_id
    [contact] = lead["contacts"]
    assert ID_SHAPES["cont_"].fullmatch(contact["id"])
    assert contact["lead_id"] == lead["id"]
    assert contact["emails"][0]["email"] == "a@acme.test"
    assert api.get(f"lead/{lead['id']}/").json() == lead


@pytest.mark.parametrize(
    "payload",
    [{"name": 5}, {"contacts": "Ann"}, {"contacts": [{"emails": [{"email": 5}]}]}],
)
def test_create_lead_validation(api: httpx.Client, payload: Json) -> None:
    response = api.post("lead/", json=payload)

    assert response.status_code == 400
    assert response.json()["field-errors"]


def test_delete_lead_removes_contacts_and_instances(
    emulator: EmulatorServer, api: httpx.Client, catalog: Catalog
) -> None:
    # Given a lead with a contact, an asset and a subscription referring to both
    lead = new_lead(api)
    asset = create(api, asset_payload(catalog, lead["id"]))
    contact_id = lead["contacts"][0]["id"]
    subscription = create(
        api,
        subscription_payload(
            catalog, lead["id"], **{"Asset": asset["id"], "Billing Contact": contact_id}
        ),
    )
    counts = {t: emulator.count_rows(t) for t in ("lead", "contact", "custom_object")}

    # When the lead is deleted
    response = api.delete(f"lead/{lead['id']}/")

    # Then it answers 200 {} and takes its contacts and instances along
    assert (response.status_code, response.json()) == (200, {})
    assert api.get(f"lead/{lead['id']}/").status_code == 404
    for instance in (asset, subscription):
        assert api.get(f"custom_object/{instance['id']}/").status_code == 404
    assert {t: emulator.count_rows(t) for t in counts} == {
        "lead": counts["lead"] - 1,
        "contact": counts["contact"] - 1,
        "custom_object": counts["custom_object"] - 2,
    }
    # And the contact can no longer be referenced
    other_lead = new_lead(api)
    payload = subscription_payload(catalog, other_lead["id"], **{"Billing Contact": contact_id})
    assert api.post("custom_object/", json=payload).status_code == 400


def test_leads_of_another_organization_are_invisible(
    api: httpx.Client, other_api: httpx.Client
) -> None:
    theirs = new_lead(other_api)

    assert api.get(f"lead/{theirs['id']}/").status_code == 404
    assert api.delete(f"lead/{theirs['id']}/").status_code == 404
    assert other_api.get(f"lead/{theirs['id']}/").status_code == 200
    listed = api.get("custom_object/", params={"lead_id": theirs["id"]}).json()
    assert listed == {"data": [], "has_more": False}
