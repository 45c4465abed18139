"""Create validation: required keys, ids, custom values per field type, request bodies."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ._support import MISSING, Catalog, Json, asset_payload, create, new_lead, subscription_payload

REQUIRED = "This field is required."


def reject(api: httpx.Client, payload: Json) -> dict[str, str]:
    """POST an invalid payload; return its field errors after checking the 400 shape."""
    response = api.post("custom_object/", json=payload)
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"errors", "field-errors"}
    assert body["errors"] == []
    field_errors: dict[str, str] = body["field-errors"]
    return field_errors


@pytest.mark.parametrize("key", ["custom_object_type_id", "lead_id", "name"])
@pytest.mark.parametrize("how", ["missing", "null"])
def test_each_required_key(
    api: httpx.Client, catalog: Catalog, lead: Json, key: str, how: str
) -> None:
    payload = asset_payload(catalog, lead["id"])
    if how == "missing":
        del payload[key]
    else:
        payload[key] = None

    assert reject(api, payload) == {key: REQUIRED}


@pytest.mark.parametrize("key", ["custom_object_type_id", "lead_id", "name"])
@pytest.mark.parametrize("value", [123, 1.5, True, ["x"], {"a": 1}])
def test_required_keys_must_be_strings(
    api: httpx.Client, catalog: Catalog, lead: Json, key: str, value: Any
) -> None:
    payload = {**asset_payload(catalog, lead["id"]), key: value}

    assert list(reject(api, payload)) == [key]


def test_all_missing_required_keys_are_reported_at_once(api: httpx.Client) -> None:
    assert reject(api, {}) == dict.fromkeys(("custom_object_type_id", "lead_id", "name"), REQUIRED)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_blank_name_is_rejected(api: httpx.Client, catalog: Catalog, lead: Json, name: str) -> None:
    assert list(reject(api, {**asset_payload(catalog, lead["id"]), "name": name})) == ["name"]


def test_unicode_name_is_accepted(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    body = create(api, {**asset_payload(catalog, lead["id"]), "name": "Café ☕ 東京"})

    assert body["name"] == "Café ☕ 東京"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("lead_id", "cont_" + "0" * 43),
        ("lead_id", "lead_tooshort"),
        ("lead_id", "lead_" + "!" * 43),
        ("custom_object_type_id", "cotype_" + "0" * 43),
        ("custom_object_type_id", "type_" + "0" * 22),
    ],
)
def test_malformed_ids_are_rejected(
    api: httpx.Client, catalog: Catalog, lead: Json, key: str, value: str
) -> None:
    assert list(reject(api, {**asset_payload(catalog, lead["id"]), key: value})) == [key]


def test_nonexistent_lead_and_type_are_400_field_errors(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    payload = {
        **asset_payload(catalog, lead["id"]),
        "lead_id": MISSING["lead_"],
        "custom_object_type_id": MISSING["cotype_"],
    }

    assert reject(api, payload) == {
        "lead_id": "Object does not exist.",
        "custom_object_type_id": "Object does not exist.",
    }


def test_another_organizations_lead_and_type_do_not_exist(
    api: httpx.Client, other_api: httpx.Client, other_catalog: Catalog, catalog: Catalog
) -> None:
    their_lead = new_lead(other_api)
    payload = {
        "custom_object_type_id": other_catalog.type_id("Project"),
        "lead_id": their_lead["id"],
        "name": "Sneaky",
    }

    errors = reject(api, payload)

    assert errors == {
        "lead_id": "Object does not exist.",
        "custom_object_type_id": "Object does not exist.",
    }


def test_every_problem_is_reported_at_once(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    seats, plan = catalog.key("Subscription", "Seats"), catalog.key("Subscription", "Plan")
    features = catalog.key("Subscription", "Features")
    reference = catalog.key("Subscription", "Contract Reference")
    payload = subscription_payload(catalog, lead["id"])
    del payload[reference]
    payload.update({"name": " ", seats: "3", plan: "Gold", features: "SSO", "custom.cf_unknown": 1})

    errors = reject(api, payload)

    assert set(errors) == {"name", seats, plan, features, "custom.cf_unknown", reference}
    assert errors[reference] == REQUIRED
    assert errors["custom.cf_unknown"] == 'The Custom Field "cf_unknown" does not exist.'


def test_unknown_custom_keys_are_reported_even_without_a_valid_type(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    payload = {**asset_payload(catalog, lead["id"]), "custom_object_type_id": MISSING["cotype_"]}
    payload["custom.cf_unknown"] = "x"

    errors = reject(api, payload)

    assert set(errors) == {"custom_object_type_id", "custom.cf_unknown"}


def test_a_field_of_another_type_does_not_exist(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    seats = catalog.key("Subscription", "Seats")
    payload = {**asset_payload(catalog, lead["id"]), seats: 3}

    assert reject(api, payload) == {
        seats: f'The Custom Field "{seats.removeprefix("custom.")}" does not exist.'
    }


def test_a_field_of_another_organization_does_not_exist(
    api: httpx.Client, other_catalog: Catalog, catalog: Catalog, lead: Json
) -> None:
    code = other_catalog.key("Project", "Code")

    assert list(reject(api, {**asset_payload(catalog, lead["id"]), code: "X"})) == [code]


def test_required_custom_field_missing_or_null(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    serial = catalog.key("Asset", "Serial Number")
    payload = asset_payload(catalog, lead["id"])

    assert reject(api, {k: v for k, v in payload.items() if k != serial}) == {serial: REQUIRED}
    assert reject(api, {**payload, serial: None}) == {serial: REQUIRED}


def test_unknown_and_read_only_top_level_keys_are_ignored(
    api: httpx.Client, catalog: Catalog, lead: Json
) -> None:
    payload = {
        **asset_payload(catalog, lead["id"]),
        "id": MISSING["custobj_"],
        "date_created": "2001-01-01T00:00:00+00:00",
        "organization_id": MISSING["orga_"],
        "created_by": MISSING["user_"],
        "color": "blue",
        "custom": {"anything": 1},
    }

    body = create(api, payload)

    assert body["id"] != MISSING["custobj_"]
    assert body["organization_id"] == catalog.organization_id
    assert body["created_by"] == catalog.user_id
    assert not body["date_created"].startswith("2001")
    assert "color" not in body and "custom" not in body


# -- custom values, one rule per field type ------------------------------------------------

# Placeholders resolved per test: ids that exist only at run time.
USER, OTHER_USER = "<user>", "<other user>"
CONTACT, OTHER_CONTACT = "<contact>", "<other contact>"
ASSET, SUBSCRIPTION, OTHER_INSTANCE = "<asset>", "<subscription>", "<other instance>"

ACCEPTED: list[tuple[str, Any]] = [
    ("Notes", "hello"),
    ("Notes", ""),
    ("Notes", "ünïcødé ✓"),
    ("Seats", 3),
    ("Seats", 2.5),
    ("Seats", -1),
    ("Seats", 0),
    ("Start Date", "2024-02-29"),
    ("Renews At", "2024-01-05T10:00:00+02:00"),
    ("Renews At", "2024-01-05T10:00:00.123456+00:00"),
    ("Renews At", "2024-01-05T10:00:00Z"),
    ("Renews At", "2024-01-05T10:00:00"),
    ("Plan", "Pro"),
    ("Features", ["SSO"]),
    ("Features", ["SSO", "API Access"]),
    ("Account Manager", USER),
    ("Billing Contact", CONTACT),
    ("Asset", ASSET),
]

REJECTED: list[tuple[str, Any]] = [
    ("Notes", 5),
    ("Notes", ["a"]),
    ("Notes", True),
    ("Notes", {"a": 1}),
    ("Seats", "3"),
    ("Seats", "2.5"),
    ("Seats", True),
    ("Seats", [3]),
    ("Start Date", "2023-02-29"),
    ("Start Date", "2024-1-5"),
    ("Start Date", "2024-01-05T00:00:00"),
    ("Start Date", "05/01/2024"),
    ("Start Date", 20240105),
    ("Renews At", "yesterday"),
    ("Renews At", "2024-13-01T00:00:00"),
    ("Renews At", 1704448800),
    ("Plan", "Gold"),
    ("Plan", "pro"),
    ("Plan", ["Pro"]),
    ("Plan", 1),
    ("Features", "SSO"),
    ("Features", ["SSO", "SSO"]),
    ("Features", ["Teleportation"]),
    ("Features", [1]),
    ("Account Manager", OTHER_USER),
    ("Account Manager", MISSING["user_"]),
    ("Account Manager", "user_short"),
    ("Account Manager", 7),
    ("Account Manager", [USER]),
    ("Billing Contact", OTHER_CONTACT),
    ("Billing Contact", MISSING["cont_"]),
    ("Billing Contact", MISSING["lead_"]),
    ("Asset", SUBSCRIPTION),
    ("Asset", OTHER_INSTANCE),
    ("Asset", MISSING["custobj_"]),
    ("Asset", "cotype_" + "0" * 22),
]


@pytest.fixture(scope="module")
def references(
    api: httpx.Client, other_api: httpx.Client, catalog: Catalog, other_catalog: Catalog
) -> dict[str, str]:
    """Real ids for the placeholders: this org's and the other org's."""
    lead = new_lead(api)
    their_lead = new_lead(other_api)
    their_instance = create(
        other_api,
        {
            "custom_object_type_id": other_catalog.type_id("Project"),
            "lead_id": their_lead["id"],
            "name": "Theirs",
        },
    )
    return {
        USER: catalog.user_id,
        OTHER_USER: other_catalog.user_id,
        CONTACT: lead["contacts"][0]["id"],
        OTHER_CONTACT: their_lead["contacts"][0]["id"],
        ASSET: create(api, asset_payload(catalog, lead["id"]))["id"],
        SUBSCRIPTION: create(api, subscription_payload(catalog, lead["id"]))["id"],
        OTHER_INSTANCE: their_instance["id"],
    }


def resolve(value: Any, references: dict[str, str]) -> Any:
    if isinstance(value, list):
        return [resolve(item, references) for item in value]
    return references.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(("field", "value"), ACCEPTED)
def test_valid_values_are_stored_and_echoed(
    api: httpx.Client,
    catalog: Catalog,
    lead: Json,
    references: dict[str, str],
    field: str,
    value: Any,
) -> None:
    value = resolve(value, references)
    key = catalog.key("Subscription", field)

    body = create(api, subscription_payload(catalog, lead["id"], **{field: value}))

    assert body[key] == value
    assert api.get(f"custom_object/{body['id']}/").json()[key] == value


@pytest.mark.parametrize(("field", "value"), REJECTED)
def test_invalid_values_are_rejected(
    api: httpx.Client,
    catalog: Catalog,
    lead: Json,
    references: dict[str, str],
    field: str,
    value: Any,
) -> None:
    payload = subscription_payload(catalog, lead["id"], **{field: resolve(value, references)})

    errors = reject(api, payload)

    assert list(errors) == [catalog.key("Subscription", field)]
    assert isinstance(errors[catalog.key("Subscription", field)], str)


def test_every_field_type_is_exercised(catalog: Catalog) -> None:
    exercised = {catalog.fields["Subscription", name]["type"] for name, _ in ACCEPTED + REJECTED}

    assert exercised == {
        "text", "number", "date", "datetime", "choices", "user", "contact", "custom_object"
    }  # fmt: skip


def test_an_empty_list_means_no_value(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    body = create(api, subscription_payload(catalog, lead["id"], Features=[]))

    assert catalog.key("Subscription", "Features") not in body


# -- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"name": }', b"NaN", b'{"a": NaN}', b""])
def test_malformed_json_is_400(api: httpx.Client, raw: bytes) -> None:
    response = api.post("custom_object/", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_400(api: httpx.Client, raw: bytes) -> None:
    response = api.post("custom_object/", content=raw, headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json() == {
        "errors": ["Invalid request: JSON dictionary expected."],
        "field-errors": {},
    }


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/x-www-form-urlencoded", "application/xml", "json"],
)
def test_non_json_content_type_is_415(
    api: httpx.Client, catalog: Catalog, lead: Json, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    raw = httpx.Request("POST", "http://x", json=asset_payload(catalog, lead["id"])).content

    response = api.post("custom_object/", content=raw, headers=headers)

    assert response.status_code == 415
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_content_types_are_accepted(
    api: httpx.Client, catalog: Catalog, lead: Json, content_type: str
) -> None:
    raw = httpx.Request("POST", "http://x", json=asset_payload(catalog, lead["id"])).content

    response = api.post("custom_object/", content=raw, headers={"content-type": content_type})

    assert response.status_code == 201


def test_put_checks_the_body_too(api: httpx.Client, catalog: Catalog, lead: Json) -> None:
    path = f"custom_object/{create(api, asset_payload(catalog, lead['id']))['id']}/"

    assert api.put(path, content=b"{}", headers={"content-type": "text/plain"}).status_code == 415
    assert (
        api.put(path, content=b"{", headers={"content-type": "application/json"}).status_code == 400
    )
    response = api.put(path, content=b"[]", headers={"content-type": "application/json"})
    assert response.json()["errors"] == ["Invalid request: JSON dictionary expected."]
