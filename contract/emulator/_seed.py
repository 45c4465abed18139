"""The state a fresh emulator starts with.

Organization A (the demo organization, reached with `DEFAULT_API_KEY`) holds two
custom object types whose fields cover every supported field type: "Subscription"
has one field of each type plus a required text field, and its `custom_object` field
references "Asset", which has a few simple fields and a required one. Organization B
(reached with `OTHER_API_KEY`) has one type of its own, so isolation can be tested.
Leads are not seeded: clients create them. Only when asked (`plant_other_lead`), the
second organization also holds a lead with one contact and one instance, whose ids a
client of the first organization may try to name.
"""

from __future__ import annotations

from typing import Any

from contract.emulator._documents import (
    new_contact_doc,
    new_field_doc,
    new_lead_doc,
    new_type_doc,
    stamp,
)
from contract.emulator._ids import Clock, IdGenerator
from contract.emulator._store import Principal, Store

__all__ = [
    "DEFAULT_API_KEY",
    "DEMO",
    "OTHER",
    "OTHER_API_KEY",
    "OTHER_LEAD_NAME",
    "plant_other_lead",
    "seed_store",
]

#: API key of the demo organization's user (override with `--api-key`).
DEFAULT_API_KEY = "api_emulator_demo_organization_key"
#: API key of the second organization's user.
OTHER_API_KEY = "api_emulator_other_organization_key"

#: Key slots in the `api_key` table.
DEMO = "demo"
OTHER = "other"

#: The name of the second organization's lead that `plant_other_lead` keeps.
OTHER_LEAD_NAME = "Other organization's lead"

_ASSET_FIELDS: list[dict[str, Any]] = [
    {"name": "Serial Number", "type": "text", "required": True},
    {"name": "Purchase Date", "type": "date"},
    {"name": "Purchase Price", "type": "number"},
]

_SUBSCRIPTION_FIELDS: list[dict[str, Any]] = [
    {"name": "Contract Reference", "type": "text", "required": True},
    {"name": "Notes", "type": "text", "description": "Free-form notes."},
    {"name": "Seats", "type": "number"},
    {"name": "Start Date", "type": "date"},
    {"name": "Renews At", "type": "datetime"},
    {"name": "Plan", "type": "choices", "choices": ["Basic", "Pro", "Enterprise"]},
    {
        "name": "Features",
        "type": "choices",
        "accepts_multiple_values": True,
        "choices": ["SSO", "Audit Log", "API Access", "Priority Support"],
    },
    {"name": "Account Manager", "type": "user"},
    {"name": "Billing Contact", "type": "contact"},
    {"name": "Asset", "type": "custom_object", "references": "Asset"},
]


def seed_store(store: Store, ids: IdGenerator, clock: Clock, api_key: str | None) -> None:
    """Create the two organizations, users, keys, types and fields once per database.

    A database file that was seeded by an earlier run keeps its objects; only the
    demo key is rebound, so `--api-key` also works on an existing file.
    """
    if store.get_meta("seeded") is None:
        _seed(store, ids, clock)
        store.set_meta("seeded", "1")
    demo = store.principal_for_label(DEMO)
    store.set_api_key(DEMO, api_key or DEFAULT_API_KEY, demo.user_id, demo.organization_id)


def _seed(store: Store, ids: IdGenerator, clock: Clock) -> None:
    now = clock.now_text()
    demo = _organization(store, ids, now, "Emulated Demo Inc.", ("Dana", "Demo"), DEMO)
    other = _organization(store, ids, now, "Emulated Other LLC", ("Olli", "Other"), OTHER)

    asset = _type(store, ids, demo, now, "Asset", "Assets", "Hardware lent to a customer.")
    subscription = _type(store, ids, demo, now, "Subscription", "Subscriptions", None)
    type_ids = {"Asset": asset, "Subscription": subscription}
    for type_id, specs in ((asset, _ASSET_FIELDS), (subscription, _SUBSCRIPTION_FIELDS)):
        for spec in specs:
            _field(store, ids, demo, now, type_id, spec, type_ids)

    project = _type(store, ids, other, now, "Project", "Projects", None)
    _field(store, ids, other, now, project, {"name": "Code", "type": "text"}, {})


def plant_other_lead(store: Store, ids: IdGenerator, clock: Clock) -> str:
    """The id of the second organization's lead, with one contact and one instance of its
    first type; planted the first time a database is asked for it."""
    other = store.principal_for_label(OTHER)
    for lead in store.find("lead", organization_id=other.organization_id):
        if lead.get("name") == OTHER_LEAD_NAME:
            return str(lead["id"])
    now = clock.now_text()
    lead = new_lead_doc(ids.new("lead_"), other, now, OTHER_LEAD_NAME)
    store.insert("lead", lead)
    contact = new_contact_doc(
        ids.new("cont_"),
        lead["id"],
        other,
        now,
        name="Olli Other",
        title=None,
        emails=[],
        phones=[],
    )
    store.insert("contact", contact)
    types = store.find("custom_object_type", organization_id=other.organization_id)
    if types:
        instance = {
            "id": ids.new("custobj_"),
            "custom_object_type_id": types[0]["id"],
            "lead_id": lead["id"],
            "name": "Other organization's instance",
            **stamp(other, now),
            "custom": {},
        }
        store.insert("custom_object", instance)
    return str(lead["id"])


def _organization(
    store: Store, ids: IdGenerator, now: str, name: str, user: tuple[str, str], label: str
) -> Principal:
    organization_id = ids.new("orga_")
    user_id = ids.new("user_")
    first, last = user
    email = f"{first}.{last}@{label}.example".lower()
    store.insert("organization", {"id": organization_id, "name": name, "date_created": now})
    store.insert(
        "user",
        {
            "id": user_id,
            "organization_id": organization_id,
            "email": email,
            "first_name": first,
            "last_name": last,
            "date_created": now,
        },
    )
    key = DEFAULT_API_KEY if label == DEMO else OTHER_API_KEY
    store.set_api_key(label, key, user_id, organization_id)
    return Principal(key, user_id, organization_id)


def _type(
    store: Store,
    ids: IdGenerator,
    principal: Principal,
    now: str,
    name: str,
    plural: str,
    description: str | None,
) -> str:
    type_id = ids.new("cotype_")
    store.insert(
        "custom_object_type",
        new_type_doc(
            type_id, principal, now, name=name, name_plural=plural, description=description
        ),
    )
    return type_id


def _field(
    store: Store,
    ids: IdGenerator,
    principal: Principal,
    now: str,
    type_id: str,
    spec: dict[str, Any],
    type_ids: dict[str, str],
) -> None:
    references = spec.get("references")
    doc = new_field_doc(
        ids.new("cf_"),
        principal,
        now,
        custom_object_type_id=type_id,
        name=spec["name"],
        type=spec["type"],
        description=spec.get("description"),
        required=spec.get("required", False),
        accepts_multiple_values=spec.get("accepts_multiple_values", False),
        choices=spec.get("choices", ()),
        referenced_custom_type_id=None if references is None else type_ids[references],
        back_reference_is_visible=None if references is None else True,
    )
    store.insert("custom_field", doc)
