"""The OpenAPI document schemathesis is given: the project's document, specialised with a
type's schemas, the run's real lead and reference ids, and explicit links."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from contract.discovery import TypeContract
from contract.schemas import load_schema, openapi_document

__all__ = [
    "SURE_TEXT_PATTERN",
    "document_for",
    "lenient",
    "positive_document",
    "specialise_for_schemathesis",
    "valid_creates_possible",
]

Document = dict[str, Any]

_LIST_PATH: Final = "/custom_object/"
_BODIES: Final = ("CustomObjectCreateRequest", "CustomObjectUpdateRequest")

# Text every server surely keeps as sent (close-api.md documents nothing about blank or
# padded text, §1.3 and §2.3: INF). Not empty; no whitespace at either end (a server may
# strip it, or refuse it rather than change it; Python's str.strip also counts U+001C..U+001F
# as whitespace, which \s does not, and ECMA's \s counts U+FEFF); no control character or
# line separator anywhere (a server may refuse or normalise them). strategies/_text.py
# draws only such text as valid too. The regex reads alike in ECMA 262, Rust and Python.
_EDGE: Final = r"[^\s\x00-\x1f\x7f-\x9f\ufeff]"
_INSIDE: Final = r"[^\x00-\x1f\x7f-\x9f\u2028\u2029]"
SURE_TEXT_PATTERN: Final = f"^{_EDGE}(?:{_INSIDE}*{_EDGE})?$"
"""What text the positive document holds surely valid (see :func:`positive_document`)."""
# Patterns the sure-text pattern implies (the name's own "\S", common.schema.json), so
# they are replaced rather than intersected (an intersection costs every draw a filter).
_IMPLIED: Final = frozenset({r"\S"})


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


def _is_text(key: str, value: Any) -> bool:
    # The instance's name and the values of text fields: display text, whose blank and
    # padded forms Close leaves undocumented.
    return key == "name" or _note(value).get("type") == "text"


def _strings(value: Any) -> list[dict[str, Any]]:
    """The string-typed parts of a value schema: itself, its anyOf branches, list items."""
    if not isinstance(value, dict):
        return []
    found = [part for branch in value.get("anyOf", []) for part in _strings(branch)]
    if value.get("type") == "array":
        found += _strings(value.get("items"))
    elif value.get("type") == "string":
        found.append(value)
    return found


def _sure(schema: dict[str, Any]) -> None:
    schema["minLength"] = max(1, schema.get("minLength", 0))
    pattern = schema.get("pattern")
    if pattern is None or pattern in _IMPLIED:
        schema["pattern"] = SURE_TEXT_PATTERN
    else:  # keep both: a JSON schema holds one pattern per object
        schema["allOf"] = [*schema.get("allOf", []), {"pattern": SURE_TEXT_PATTERN}]


def _unpinned(value: Any) -> bool:
    """A reference field that :func:`specialise_for_schemathesis` found no ids for."""
    return bool(_note(value).get("reference")) and not _pinned(value)


def _pinned(value: Any) -> bool:
    """Whether a value schema, a list's items or an anyOf branch is an enum of ids."""
    if not isinstance(value, dict):
        return False
    parts = [*value.get("anyOf", []), value.get("items")]
    return "enum" in value or any(_pinned(part) for part in parts)


def valid_creates_possible(document: Mapping[str, Any]) -> bool:
    """Whether a create of ``document`` (a specialised one) can be valid on the target: it
    names a real type, and each required reference field has ids of real objects."""
    create = document["components"]["schemas"]["CustomObjectCreateRequest"]
    properties = create.get("properties", {})
    if "const" not in properties.get("custom_object_type_id", {}):
        return False
    return not any(_unpinned(properties.get(key)) for key in create.get("required", []))


def positive_document(document: Mapping[str, Any]) -> Document:
    """A copy of ``document`` (a specialised one) whose valid requests carry only text
    every server surely keeps as sent: the name and each text field's values (also in a
    list, also in the update) are not empty and match :data:`SURE_TEXT_PATTERN`. An
    optional reference field without ids (its type is not in the run) is left out, as the
    run's own valid payloads leave it out: a made-up id names nothing, and the answer to
    it is a 400 (or 404) the documentation does not settle.

    Close documents nothing about empty, whitespace-only or whitespace-padded text in a
    name or a required text field (INF: a server may refuse it, strip it or keep it), so
    schemathesis's positive data (whose acceptance ``positive_data_acceptance`` asserts)
    holds none. Text the positive document leaves out is no documented error either
    (:func:`lenient` allows it): a server may accept or refuse it, so data that breaks
    only the positive document is judged by neither answer. (The phase draws its single
    negative cases from ``document`` itself, so that none is spent on such text.)
    """
    positive: Document = copy.deepcopy(dict(document))
    schemas = positive["components"]["schemas"]
    for name in _BODIES:
        body = schemas[name]
        properties = body.get("properties", {})
        for key, value in list(properties.items()):
            if _is_text(key, value):
                for part in _strings(value):
                    _sure(part)
            elif _unpinned(value) and key not in body.get("required", []):
                # Gone from valid data: the body allows no key it does not name.
                del properties[key]
    return positive


def lenient(body: Document, *, create: bool) -> Document:
    """``body`` (a strict request schema) with every undocumented restriction lifted.

    The per-type schemas and the strict document reject more than Close documents: extra
    top-level keys (ignored or rejected? undocumented), null for an optional custom field
    on create (the generic contract types it as "scalar, list or null"), an empty list or
    repeated values in a multi-value field (the docs say only "a list"), and empty,
    whitespace-only or whitespace-padded text in the name or a text field (whether Close
    accepts blank text is not documented, close-api.md §1.3, §2.3: INF).
    """
    lenient = copy.deepcopy(body)
    lenient.pop("additionalProperties", None)
    for key, value in lenient.get("properties", {}).items():
        if _is_text(key, value):
            for part in _strings(value):
                for keyword in ("minLength", "pattern", "allOf"):
                    part.pop(keyword, None)
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
