"""The OpenAPI document schemathesis is given: the project's document, specialised with a
type's schemas, the run's real lead and reference ids, and explicit links."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from contract.discovery import TypeContract
from contract.schemas import load_schema, openapi_document

__all__ = ["document_for", "lenient", "specialise_for_schemathesis"]

Document = dict[str, Any]

_LIST_PATH: Final = "/custom_object/"


def _pin(schema: Any, ids: list[str]) -> Any:
    """Replace the id-typed parts of a reference field's value schema by an enum of ids."""
    if not isinstance(schema, dict):
        return schema
    if "anyOf" in schema:
        return {**schema, "anyOf": [_pin(branch, ids) for branch in schema["anyOf"]]}
    if schema.get("type") == "null":
        return schema
    if schema.get("type") == "array":
        return {**schema, "items": _pin(schema.get("items"), ids)}
    pinned = {k: v for k, v in schema.items() if k.startswith("x-")}
    pinned["enum"] = ids
    return pinned


def _note(schema: Any) -> dict[str, Any]:
    note = schema.get("x-close-field") if isinstance(schema, dict) else None
    return note if isinstance(note, dict) else {}


def _pin_references(schema: Document, references: Mapping[str, list[str]]) -> None:
    for key, value in schema.get("properties", {}).items():
        reference = _note(value).get("reference")
        ids = references.get(reference, []) if isinstance(reference, str) else []
        if ids:
            schema["properties"][key] = _pin(value, ids)


def lenient(body: Document, *, create: bool) -> Document:
    """``body`` (a strict request schema) with every undocumented restriction lifted.

    The per-type schemas and the strict document reject more than Close documents: extra
    top-level keys (ignored or rejected? undocumented), null for an optional custom field
    on create (the generic contract types it as "scalar, list or null"), an empty list or
    repeated values in a multi-value field (the docs say only "a list").
    """
    lenient = copy.deepcopy(body)
    lenient.pop("additionalProperties", None)
    for key, value in lenient.get("properties", {}).items():
        note = _note(value)
        if not note:
            continue
        branches = value.get("anyOf", [value])
        for branch in branches:
            if isinstance(branch, dict) and branch.get("type") == "array":
                branch.pop("minItems", None)
                branch.pop("uniqueItems", None)
        if create and not note.get("required") and "anyOf" not in value:
            branch = {k: v for k, v in value.items() if k != "x-close-field"}
            lenient["properties"][key] = {"anyOf": [branch, {"type": "null"}]}
    return lenient


def _any_type_listing(special: Document, type_id: str) -> None:
    # A lead's list holds instances of every type unless the type filter is sent, so only
    # the listed instances of this type are held to this type's instance schema.
    schemas = special["components"]["schemas"]
    generic = load_schema("custom_object")
    generic.pop("$schema", None)
    generic.pop("$id", None)
    schemas["AnyCustomObject"] = generic
    schemas["CustomObjectList"]["properties"]["data"]["items"] = {
        "if": {
            "properties": {"custom_object_type_id": {"const": type_id}},
            "required": ["custom_object_type_id"],
        },
        "then": {"$ref": "#/components/schemas/CustomObject"},
        "else": {"$ref": "#/components/schemas/AnyCustomObject"},
    }


def _links() -> dict[str, Any]:
    # Explicit links let the stateful phase chain create → get/update/delete on the instance
    # just created (schemathesis's own link inference is switched off, see _config_dict).
    target = {"id": "$response.body#/id"}
    return {
        "GetCreatedCustomObject": {"operationId": "getCustomObject", "parameters": target},
        "UpdateCreatedCustomObject": {"operationId": "updateCustomObject", "parameters": target},
        "DeleteCreatedCustomObject": {"operationId": "deleteCustomObject", "parameters": target},
    }


def specialise_for_schemathesis(
    document: Mapping[str, Any],
    lead_id: str,
    references: Mapping[str, Sequence[str]] | None = None,
) -> Document:
    """A copy of ``document`` whose valid requests can succeed on the target.

    - ``lead_id`` (create body, list query) becomes the run's lead; reference custom fields
      (``x-close-field.reference``: ``user``, ``contact``, ``custom_object:<cotype_id>``)
      draw from the ids in ``references``. A field without ids keeps its id pattern.
    - When the create body pins ``custom_object_type_id`` (a per-type document), the list's
      optional type filter is pinned to it, and listed instances are held to this type's
      schema only when they are of this type (a lead's list holds every type).
    - Request bodies get ``additionalProperties: false``: whether Close ignores or rejects
      undocumented top-level keys is not documented, so valid requests carry none. (A
      request the strict schema rejects but the docs allow is not held against a server
      that accepts it: the run drops such negative_data_rejection failures.)
    - The create response links to get/update/delete, for the stateful phase.

    ``document`` itself is not changed.
    """
    special: Document = copy.deepcopy(dict(document))
    refs = {k: list(v) for k, v in (references or {}).items() if v}
    schemas = special["components"]["schemas"]
    create, update = schemas["CustomObjectCreateRequest"], schemas["CustomObjectUpdateRequest"]
    for body in (create, update):
        body["additionalProperties"] = False
        _pin_references(body, refs)
    create["properties"]["lead_id"] = {"const": lead_id}
    type_id = create["properties"].get("custom_object_type_id", {}).get("const")
    for parameter in special["paths"][_LIST_PATH]["get"]["parameters"]:
        if parameter["name"] == "lead_id":
            parameter["schema"] = {"const": lead_id}
        elif parameter["name"] == "custom_object_type_id" and isinstance(type_id, str):
            parameter["schema"] = {"const": type_id}
    if isinstance(type_id, str):
        _any_type_listing(special, type_id)
    special["paths"][_LIST_PATH]["post"]["responses"]["201"]["links"] = _links()
    return special


def document_for(
    base_url: str, type_contract: TypeContract | None, document: Mapping[str, Any] | None
) -> Document:
    if document is not None:
        special = copy.deepcopy(dict(document))
        special["servers"] = [{"url": base_url}]
        return special
    if type_contract is None:
        return openapi_document(server_url=base_url)
    return openapi_document(
        request_schema=type_contract.request_schema,
        update_schema=type_contract.update_schema,
        instance_schema=type_contract.response_schema,
        server_url=base_url,
    )
