"""Validation of custom object create (POST) and update (PUT) payloads.

Every rule below carries its evidence level from docs/close-api.md: DOC (Close's docs),
OAS (Close's OpenAPI and its examples), CODE-C (Close-owned code: closeio-api,
cleancat, flask-mongorest), 3P (third-party observation), INF (inference).

Shape of a rejection
  - 400 `{"errors": [...], "field-errors": {"<raw request key>": "<message>"}}` (CODE-C
    closeio-api ValidationError, cleancat; 3P taylorbrooks/closeio#64 for raw keys).
  - All errors of a payload are collected before answering (CODE-C cleancat validates
    every field and raises once).

Top-level keys on create
  - `custom_object_type_id`, `lead_id`, `name` are required; missing or null gives
    "This field is required." (DOC create page; message CODE-C cleancat).
  - Each must be a string (INF); ids must carry their prefix and 43/22 base62
    characters (INF from OAS examples); a well-formed id that does not exist in the
    key's organization gives "Object does not exist." with status 400, not 404 (INF:
    404 is for ids in the path; cleancat's reference field message).
  - `name` empty or whitespace-only is rejected (INF: a display name is required).
  - Unknown top-level keys and read-only keys (`id`, `date_created`, ...) are
    ignored (3P closeio-api#38; CODE-C clone_organization.py posts whole objects).

Custom values (`custom.<cf_id>` keys; DOC create page)
  - A key whose field does not exist or belongs to another type gives
    `The Custom Field "<cf_id>" does not exist.` (3P message from taylorbrooks/closeio#64).
  - text: a JSON string (INF).
  - number: a JSON number, int or float, not a bool and not a numeric string (INF;
    OAS examples send numbers).
  - date: "YYYY-MM-DD" naming a real calendar date (INF).
  - datetime: an ISO 8601 string that `datetime.fromisoformat` parses; naive values
    are accepted and echoed as sent (INF; type seen only in 3P code).
  - choices: one of the field's `choices` (INF from DOC "only valid values").
  - user / contact / custom_object: the id of a user / contact / instance of the
    referenced type in this organization (OAS examples show plain id strings; INF
    for the existence check).
  - accepts_multiple_values: a JSON list of distinct valid values; a scalar is
    rejected (DOC changelog 2019-04-25 shows lists; INF for the rejection). An empty
    list means "no value" (INF).
  - null means "no value": absent on create, removed on update (DOC/OAS update
    example, where the key set to null disappears from the response).
  - A `required: true` field without a value on create, or set to null on update,
    gives "This field is required." (DOC custom object fields: "whether the Field
    will be required to save the object").

Update (PUT, "every PUT behaves as a PATCH", DOC fields overview)
  - Only `name` and custom values change; `lead_id` and `custom_object_type_id` are
    ignored (INF: no documented way to move an instance).

Blank text (`refuse_blank_text`, off by default; a variant, not a fault)
  - Close does not document whether blank or whitespace-padded text is accepted (INF
    either way). By default the emulator refuses only a blank `name` (above) and keeps
    every text value as sent. With `refuse_blank_text` it also refuses a `name` with
    leading or trailing whitespace, and in the values of required text fields (create
    and update) the empty string ("This field is required.", as a value that is not
    there), whitespace only ("This field cannot be blank.") and leading or
    trailing whitespace as `str.strip` sees it (a server that would strip it refuses it
    instead). Each is a 400 with the validation body above.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contract.emulator._documents import offered
from contract.emulator._faults import FaultSet
from contract.emulator._http import validation_error
from contract.emulator._ids import looks_like_id
from contract.emulator._lossy import stored_number, stored_text, stored_values
from contract.emulator._store import Document, Principal, Store

__all__ = [
    "CreateRequest",
    "SimulatedCrash",
    "UpdateRequest",
    "validate_create",
    "validate_update",
]

REQUIRED = "This field is required."
BLANK = "This field cannot be blank."
PADDED = "Value cannot start or end with whitespace."
MISSING_OBJECT = "Object does not exist."
_CUSTOM_PREFIX = "custom."
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# The longest text value `text_values_capped` accepts (a limit a release may add).
_TEXT_CAP = 16384


class SimulatedCrash(Exception):
    """Raised under the `crash_on_unknown_field` and `crash_on_huge_number` faults; the
    endpoint answers 500."""


class _Invalid(Exception):
    """One value broke one rule; the message goes into `field-errors`."""


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A valid create payload, normalised."""

    custom_object_type_id: str
    lead_id: str
    name: str
    custom: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpdateRequest:
    """A valid update payload: the new name (if any), values to set and to remove."""

    name: str | None = None
    set_values: dict[str, Any] = field(default_factory=dict)
    removed: tuple[str, ...] = ()


@dataclass(slots=True)
class _Context:
    store: Store
    principal: Principal
    faults: FaultSet
    refuse_blank_text: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def validate_create(
    payload: Mapping[str, Any],
    store: Store,
    principal: Principal,
    faults: FaultSet,
    *,
    refuse_blank_text: bool = False,
) -> CreateRequest:
    """Check a create payload; raise a 400 `ApiError` listing every problem.

    `refuse_blank_text` also refuses blank and whitespace-padded text in `name` and in
    required text fields (see the module's docstring).
    """
    ctx = _Context(store, principal, faults, refuse_blank_text)
    org = principal.organization_id
    type_id = _top_level_id(ctx, payload, "custom_object_type_id", "cotype_")
    if type_id is not None and store.get("custom_object_type", type_id, org) is None:
        ctx.errors["custom_object_type_id"] = MISSING_OBJECT
        type_id = None
    lead_id = _top_level_id(ctx, payload, "lead_id", "lead_")
    # Under cross_org_lead_reference the lookup forgets the organization.
    lead_org = {} if "cross_org_lead_reference" in faults else {"organization_id": org}
    if lead_id is not None and not store.exists("lead", lead_id, **lead_org):
        ctx.errors["lead_id"] = MISSING_OBJECT
        lead_id = None
    name = _name(ctx, payload.get("name"), required=True)

    fields = None if type_id is None else _fields_of(store, org, type_id)
    values: dict[str, Any] = {}
    for key, value in payload.items():
        if not key.startswith(_CUSTOM_PREFIX):
            continue
        field_id = key[len(_CUSTOM_PREFIX) :]
        definition = fields.get(field_id) if fields is not None else None
        if definition is None:
            # With an unusable type id, only keys unknown to the whole organization
            # can be reported; the rest cannot be judged.
            if fields is None and store.exists("custom_field", field_id, organization_id=org):
                continue
            if "crash_on_unknown_field" in faults:
                raise SimulatedCrash(key)
            ctx.errors[key] = f'The Custom Field "{field_id}" does not exist.'
            continue
        checked = _value(ctx, key, definition, value)
        if checked is not None:
            values[field_id] = checked
    for field_id, definition in (fields or {}).items():
        key = _CUSTOM_PREFIX + field_id
        if definition["required"] and field_id not in values and key not in ctx.errors:
            ctx.errors[key] = REQUIRED

    if ctx.errors or type_id is None or lead_id is None or name is None:
        raise validation_error(ctx.errors)
    return CreateRequest(type_id, lead_id, name, values)


def validate_update(
    payload: Mapping[str, Any],
    instance: Document,
    store: Store,
    principal: Principal,
    faults: FaultSet,
    *,
    refuse_blank_text: bool = False,
) -> UpdateRequest:
    """Check an update payload against the instance's type; raise a 400 `ApiError`
    (`refuse_blank_text`: as for :func:`validate_create`)."""
    ctx = _Context(store, principal, faults, refuse_blank_text)
    name = _name(ctx, payload["name"], required=True) if "name" in payload else None
    fields = _fields_of(store, principal.organization_id, instance["custom_object_type_id"])
    set_values: dict[str, Any] = {}
    removed: list[str] = []
    for key, value in payload.items():
        if not key.startswith(_CUSTOM_PREFIX):
            continue
        field_id = key[len(_CUSTOM_PREFIX) :]
        definition = fields.get(field_id)
        if definition is None:
            ctx.errors[key] = f'The Custom Field "{field_id}" does not exist.'
            continue
        checked = _value(ctx, key, definition, value)
        if key in ctx.errors:
            continue
        if checked is None:
            if definition["required"]:
                ctx.errors[key] = REQUIRED
            else:
                removed.append(field_id)
        else:
            set_values[field_id] = checked
    if ctx.errors:
        raise validation_error(ctx.errors)
    return UpdateRequest(name, set_values, tuple(removed))


def _top_level_id(ctx: _Context, payload: Mapping[str, Any], key: str, prefix: str) -> str | None:
    value = payload.get(key)
    if value is None:
        ctx.errors[key] = REQUIRED
    elif not isinstance(value, str):
        ctx.errors[key] = "Value must be a string."
    elif not looks_like_id(value, prefix):
        ctx.errors[key] = f'Invalid id: expected "{prefix}" followed by base62 characters.'
    else:
        return value
    return None


def _name(ctx: _Context, value: Any, *, required: bool) -> str | None:
    if value is None:
        if required:
            ctx.errors["name"] = REQUIRED
    elif not isinstance(value, str):
        ctx.errors["name"] = "Value must be a string."
    elif not value.strip():
        ctx.errors["name"] = BLANK
    elif ctx.refuse_blank_text and value != value.strip():
        ctx.errors["name"] = PADDED
    elif "reject_unicode_name" in ctx.faults and not value.isascii():
        ctx.errors["name"] = "Name contains invalid characters."
    else:
        return stored_text(value, ctx.faults)
    return None


def _fields_of(store: Store, organization_id: str, type_id: str) -> dict[str, Document]:
    found = store.find(
        "custom_field", organization_id=organization_id, custom_object_type_id=type_id
    )
    return {doc["id"]: doc for doc in found}


def _value(ctx: _Context, key: str, definition: Document, value: Any) -> Any:
    """The normalised value, or None for "no value"; records an error on failure."""
    if value is None:
        return None
    try:
        if definition["accepts_multiple_values"]:
            if not isinstance(value, list):
                raise _Invalid("Value must be a list.")
            items = [_scalar(ctx, definition, item) for item in value]
            if len({json.dumps(item) for item in items}) != len(items):
                raise _Invalid("Values must be distinct.")
            return stored_values(items, ctx.faults) or None
        return _scalar(ctx, definition, value)
    except _Invalid as exc:
        ctx.errors[key] = str(exc)
        return None


def _scalar(ctx: _Context, definition: Document, value: Any) -> Any:
    kind = definition["type"]
    org = ctx.principal.organization_id
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Invalid("Value must be a number.")
        if not math.isfinite(value):
            raise _Invalid("Value must be a finite number.")
        if "crash_on_huge_number" in ctx.faults and abs(value) > 2**53:
            raise SimulatedCrash("a number past 2**53")  # an overflowing integer column
        if "echo_rounds_numbers" in ctx.faults:
            return round(value)
        return stored_number(value, ctx.faults)
    if not isinstance(value, str):
        raise _Invalid("Value must be a string.")
    if kind == "text":
        if ctx.refuse_blank_text and definition["required"]:
            _refuse_blank(value)
        if "text_values_capped" in ctx.faults and len(value) > _TEXT_CAP:
            raise _Invalid(f"Ensure this value has at most {_TEXT_CAP} characters.")
        return stored_text(value, ctx.faults)
    if kind == "date":
        if not _DATE.fullmatch(value) or not _parses(date.fromisoformat, value):
            raise _Invalid("Invalid date: expected a calendar date as YYYY-MM-DD.")
        return value
    if kind == "datetime":
        if not _parses(datetime.fromisoformat, value):
            raise _Invalid("Invalid ISO 8601 datetime.")
        return value
    if kind == "choices":
        choices = offered(definition, ctx.faults)["choices"]
        if value not in choices and "accept_invalid_choice" not in ctx.faults:
            raise _Invalid(f"Not a valid choice: {value!r}.")
        return value
    prefix, table, where = {
        "user": ("user_", "user", {}),
        "contact": ("cont_", "contact", {}),
        "custom_object": (
            "custobj_",
            "custom_object",
            {"custom_object_type_id": definition["referenced_custom_type_id"]},
        ),
    }[kind]
    if not looks_like_id(value, prefix):
        raise _Invalid(f'Invalid id: expected "{prefix}" followed by base62 characters.')
    if kind != "user" or "cross_org_user_reference" not in ctx.faults:
        where = {"organization_id": org, **where}
    if not ctx.store.exists(table, value, **where):
        raise _Invalid(MISSING_OBJECT)
    return value


def _refuse_blank(value: str) -> None:
    """Refuse empty, whitespace-only and whitespace-padded text (`refuse_blank_text`)."""
    if not value:
        raise _Invalid(REQUIRED)
    if not value.strip():
        raise _Invalid(BLANK)
    if value != value.strip():
        raise _Invalid(PADDED)


def _parses(parse: Callable[[str], object], value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True
