"""JSON shapes of the emulated resources: how they are built and how they are rendered.

Stored documents keep custom values in a `custom` dict keyed by field id; rendering
flattens them into Close's `"custom.cf_…"` keys and applies the response faults.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contract.emulator._faults import FaultSet
from contract.emulator._store import Document, Principal

__all__ = [
    "FIELD_TYPES",
    "MULTI_VALUE_TYPES",
    "WIDENED_CHOICE",
    "field_metadata",
    "offered",
    "new_contact_doc",
    "new_field_doc",
    "new_lead_doc",
    "new_type_doc",
    "render_instance",
    "render_lead",
    "render_type",
    "stamp",
]

#: Custom field types the emulator supports (Close's examples plus `datetime`).
FIELD_TYPES = ("text", "number", "date", "datetime", "choices", "user", "contact", "custom_object")

#: Types that may set `accepts_multiple_values` (INF: Close documents it for choices
#: and user; contact and custom_object references are lists of ids just the same).
MULTI_VALUE_TYPES = ("choices", "user", "contact", "custom_object")

_FIELD_METADATA_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "required",
    "accepts_multiple_values",
    "editable_with_roles",
    "referenced_custom_type_id",
    "back_reference_is_visible",
)


def stamp(principal: Principal, now: str) -> Document:
    """The ownership and timestamp keys every new resource carries."""
    return {
        "organization_id": principal.organization_id,
        "created_by": principal.user_id,
        "updated_by": principal.user_id,
        "date_created": now,
        "date_updated": now,
    }


def new_type_doc(
    type_id: str,
    principal: Principal,
    now: str,
    *,
    name: str,
    name_plural: str,
    description: str | None = None,
    api_create_only: bool = False,
    editable_with_roles: Iterable[str] = (),
) -> Document:
    """A stored custom object type (its fields live in their own table)."""
    return {
        "id": type_id,
        "name": name,
        "name_plural": name_plural,
        "description": description,
        "api_create_only": api_create_only,
        "editable_with_roles": list(editable_with_roles),
        "back_reference_fields": [],
        **stamp(principal, now),
    }


def new_field_doc(
    field_id: str,
    principal: Principal,
    now: str,
    *,
    custom_object_type_id: str,
    name: str,
    type: str,
    description: str | None = None,
    required: bool = False,
    accepts_multiple_values: bool = False,
    choices: Iterable[str] = (),
    referenced_custom_type_id: str | None = None,
    editable_with_roles: Iterable[str] = (),
    back_reference_is_visible: bool | None = None,
) -> Document:
    """A stored custom object custom field, shaped like Close's field resource."""
    doc: Document = {
        "id": field_id,
        "name": name,
        "description": description,
        "type": type,
        "accepts_multiple_values": accepts_multiple_values,
        "required": required,
        "editable_with_roles": list(editable_with_roles),
        "custom_object_type_id": custom_object_type_id,
        "referenced_custom_type_id": referenced_custom_type_id,
        "back_reference_is_visible": back_reference_is_visible,
        **stamp(principal, now),
    }
    if type == "choices":
        doc["choices"] = list(choices)
    return doc


#: The choice every choices field also offers under the `choices_widened` fault.
WIDENED_CHOICE = "Legacy"


def offered(field: Document, faults: FaultSet) -> Document:
    """A field as the API offers it: under `choices_widened`, a choices field lists one
    more choice than it was defined with (and accepts it)."""
    if "choices_widened" not in faults or field.get("type") != "choices":
        return field
    choices = [c for c in field.get("choices", []) if c != WIDENED_CHOICE]
    return {**field, "choices": [*choices, WIDENED_CHOICE]}


def field_metadata(field: Document) -> Document:
    """The abridged field entry embedded in a type's `fields` list."""
    entry = {key: field[key] for key in _FIELD_METADATA_KEYS}
    entry["is_shared"] = False
    if "choices" in field:
        entry["choices"] = list(field["choices"])
    return entry


def render_type(type_doc: Document, fields: Iterable[Document]) -> Document:
    """A custom object type with its field metadata, as GET/POST answer it."""
    return {**type_doc, "fields": [field_metadata(field) for field in fields]}


def new_lead_doc(lead_id: str, principal: Principal, now: str, name: str | None) -> Document:
    """A stored lead; its contacts live in their own table."""
    return {
        "id": lead_id,
        "name": name,
        "display_name": name or "",
        "description": "",
        "url": None,
        "status_label": "Potential",
        "addresses": [],
        "opportunities": [],
        "tasks": [],
        "custom": {},
        **stamp(principal, now),
    }


def new_contact_doc(
    contact_id: str,
    lead_id: str,
    principal: Principal,
    now: str,
    *,
    name: str | None,
    title: str | None,
    emails: list[Document],
    phones: list[Document],
) -> Document:
    """A stored contact of a lead."""
    return {
        "id": contact_id,
        "lead_id": lead_id,
        "name": name,
        "display_name": name or "",
        "title": title,
        "emails": emails,
        "phones": phones,
        "urls": [],
        **stamp(principal, now),
    }


def render_lead(lead: Document, contacts: Iterable[Document]) -> Document:
    """A lead with its contacts embedded, as the legacy lead resource answers it."""
    return {**lead, "contacts": list(contacts)}


def render_instance(
    instance: Document, field_types: Mapping[str, str], faults: FaultSet
) -> Document:
    """A custom object instance as Close answers it: flat `custom.cf_…` keys, no nulls."""
    body: dict[str, Any] = {
        key: value for key, value in instance.items() if key != "custom" and value is not None
    }
    for field_id, value in instance.get("custom", {}).items():
        if value is None:
            continue
        if "number_as_string" in faults and field_types.get(field_id) == "number":
            value = [str(item) for item in value] if isinstance(value, list) else str(value)
        body[f"custom.{field_id}"] = value
    if "naive_timestamps" in faults:
        for key in ("date_created", "date_updated"):
            if key in body:
                # Stored timestamps are always UTC in offset form.
                body[key] = str(body[key]).removesuffix("+00:00")
    if "drop_date_updated" in faults:
        body.pop("date_updated", None)
    return dict(sorted(body.items()))
