"""Helpers shared by the emulator tests: clients, the seeded catalog, payload builders."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx

from contract.emulator import EmulatorServer

RATE_LIMIT = re.compile(r"limit=(\d+), remaining=(\d+), reset=(\d+)")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00")
ID_SHAPES = {
    "orga_": re.compile(r"orga_[0-9A-Za-z]{43}"),
    "user_": re.compile(r"user_[0-9A-Za-z]{43}"),
    "lead_": re.compile(r"lead_[0-9A-Za-z]{43}"),
    "cont_": re.compile(r"cont_[0-9A-Za-z]{43}"),
    "custobj_": re.compile(r"custobj_[0-9A-Za-z]{43}"),
    "cf_": re.compile(r"cf_[0-9A-Za-z]{43}"),
    "cotype_": re.compile(r"cotype_[0-9A-Za-z]{22}"),
}
#: Well-formed ids that no emulator hands out (all zeros).
MISSING = {prefix: prefix + "0" * (22 if prefix == "cotype_" else 43) for prefix in ID_SHAPES}

Json = dict[str, Any]


def client_for(server: EmulatorServer, api_key: str | None = None) -> httpx.Client:
    """An httpx client on the API root, authenticated like Close's docs (key as username)."""
    key = server.api_key if api_key is None else api_key
    return httpx.Client(base_url=server.base_url + "/", auth=(key, ""), timeout=10.0)


@dataclass(frozen=True)
class Catalog:
    """The seeded types and fields of one organization, found by name."""

    types: dict[str, Json]
    fields: dict[tuple[str, str], Json]
    user_id: str
    organization_id: str

    def type_id(self, type_name: str) -> str:
        return str(self.types[type_name]["id"])

    def key(self, type_name: str, field_name: str) -> str:
        """The request key of a custom field, `custom.cf_…`."""
        return "custom." + str(self.fields[type_name, field_name]["id"])


def load_catalog(client: httpx.Client) -> Catalog:
    """Read `me/` and `custom_object_type/` through the API."""
    me = client.get("me/").json()
    types = {t["name"]: t for t in client.get("custom_object_type/").json()["data"]}
    fields = {(name, f["name"]): f for name, t in types.items() for f in t["fields"]}
    return Catalog(types, fields, me["id"], me["organizations"][0]["id"])


def new_lead(client: httpx.Client, name: str = "Lead") -> Json:
    """Create a lead with one contact; Close answers 200 for this legacy resource."""
    response = client.post(
        "lead/",
        json={"name": name, "contacts": [{"name": "Ann", "emails": [{"email": "ann@x.test"}]}]},
    )
    assert response.status_code == 200, response.text
    lead: Json = response.json()
    return lead


def asset_payload(catalog: Catalog, lead_id: str, **custom: Any) -> Json:
    """A valid Asset create payload; `custom` maps field names to values."""
    payload: Json = {
        "custom_object_type_id": catalog.type_id("Asset"),
        "lead_id": lead_id,
        "name": "Laptop",
        catalog.key("Asset", "Serial Number"): "SN-1",
    }
    payload.update({catalog.key("Asset", name): value for name, value in custom.items()})
    return payload


def subscription_payload(catalog: Catalog, lead_id: str, **custom: Any) -> Json:
    """A valid Subscription create payload; `custom` maps field names to values."""
    payload: Json = {
        "custom_object_type_id": catalog.type_id("Subscription"),
        "lead_id": lead_id,
        "name": "Yearly plan",
        catalog.key("Subscription", "Contract Reference"): "REF-1",
    }
    payload.update({catalog.key("Subscription", name): value for name, value in custom.items()})
    return payload


def create(client: httpx.Client, payload: Json) -> Json:
    """POST custom_object/ and insist on 201."""
    response = client.post("custom_object/", json=payload)
    assert response.status_code == 201, response.text
    instance: Json = response.json()
    return instance
