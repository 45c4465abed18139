"""Concrete schemas for one Custom Object Type, built from its custom field definitions.

Field definitions are those Close returns from ``GET custom_field/custom_object_type/``
(or the ``fields[]`` summary of a type, which may lack ``choices``). Each field becomes a
``custom.<cf_id>`` property typed by its field type; the property carries an
``x-close-field`` annotation (id, name, type, multi, required, reference) so generators and
reports can read the field without a second source.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from contract.errors import ContractWarning, SchemaError
from contract.schemas._files import load_schema

__all__ = [
    "FIELD_TYPES",
    "FieldType",
    "FieldTypes",
    "fields_of",
    "list_schema_for",
    "request_schema_for",
    "response_schema_for",
    "update_schema_for",
]

Schema = dict[str, Any]
_ID = "[0-9A-Za-z]+"

# Types seen in Close's own examples (OAS): text, number, date, choices, user, contact,
# custom_object. "datetime" is seen in third-party code only, so it is typed but its
# accepted input formats stay the narrow, unambiguous ISO 8601 form with an offset.
_REFERENCE_PREFIX = {"user": "user_", "contact": "cont_", "custom_object": "custobj_"}
FIELD_TYPES: frozenset[str] = frozenset(
    {"text", "number", "date", "datetime", "choices", *_REFERENCE_PREFIX}
)

# Values echoed in responses are typed as loosely as the docs leave them: a datetime may
# come back with or without an offset; the instance's own timestamps are stricter.
_LOOSE_DATETIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"


def _reference(field: Mapping[str, Any]) -> str | None:
    kind = field.get("type")
    if kind == "custom_object":
        target = field.get("referenced_custom_type_id")
        return f"custom_object:{target}" if target else "custom_object"
    return kind if kind in ("user", "contact") else None


def _scalar_schema(field: Mapping[str, Any], *, response: bool) -> Schema:
    kind = field.get("type")
    if kind == "text":
        return {"type": "string"}
    if kind == "number":
        return {"type": "number"}
    if kind == "date":
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if kind == "datetime":
        if response:
            return {"type": "string", "pattern": _LOOSE_DATETIME}
        return {"type": "string", "format": "date-time"}
    if kind == "choices":
        choices = field.get("choices")
        if isinstance(choices, list) and choices:
            return {"enum": list(choices)}
        warnings.warn(
            f"custom field {field.get('id')} is a choices field without its choices "
            "(the type summary omits them; pass the full definitions from "
            "custom_field/custom_object_type/): any string is accepted",
            ContractWarning,
            stacklevel=4,
        )
        return {"type": "string"}
    if isinstance(kind, str) and kind in _REFERENCE_PREFIX:
        return {"type": "string", "pattern": f"^{_REFERENCE_PREFIX[kind]}{_ID}$"}
    warnings.warn(
        f"custom field {field.get('id')} has the unknown type {kind!r}: any value is accepted "
        f"(known types: {', '.join(sorted(FIELD_TYPES))})",
        ContractWarning,
        stacklevel=4,
    )
    return {}


def _value_schema(field: Mapping[str, Any], *, response: bool) -> Schema:
    scalar = _scalar_schema(field, response=response)
    if field.get("accepts_multiple_values") and field.get("type") in FIELD_TYPES:
        value: Schema = {"type": "array", "items": scalar, "minItems": 1}
        if not response:
            value["uniqueItems"] = True
        else:
            # Close's own examples contradict each other: the create page shows a list,
            # while a field its type example declares multi-valued comes back as one bare
            # value in every instance example (close-api.md §1.3, §11). An answer in
            # either form keeps the documented contract; the baseline pins the form a
            # target uses. Requests keep sending the list, the form documented for input.
            value = {"anyOf": [value, copy.deepcopy(scalar)]}
    else:
        value = scalar
    value["x-close-field"] = {
        "id": field["id"],
        "name": field.get("name"),
        "type": field.get("type"),
        "accepts_multiple_values": bool(field.get("accepts_multiple_values")),
        "required": bool(field.get("required")),
        "reference": _reference(field),
        "known_type": field.get("type") in FIELD_TYPES,
    }
    return value


class FieldType(str):
    """A field type's name (``"choices"``) that also says whether the field holds several
    values, so whoever receives it as a plain type name can compare values right."""

    multiple: bool

    def __new__(cls, name: str, *, multiple: bool = False) -> FieldType:
        self = super().__new__(cls, name)
        self.multiple = multiple
        return self


class FieldTypes(dict[str, str]):
    """``custom.cf_…`` key → field type, and which of those keys hold multi-value fields.

    A plain mapping of types to whoever reads it as one; :attr:`multiple` (and each value's
    :attr:`FieldType.multiple`) is what a value comparison needs to accept a multi-value
    field's bare value (see :func:`response_schema_for`).
    """

    multiple: frozenset[str]

    def __init__(
        self, types: Mapping[str, str] | None = None, multiple: Iterable[str] = ()
    ) -> None:
        super().__init__(types or {})
        self.multiple = frozenset(multiple)

    @classmethod
    def of(cls, fields: Iterable[Mapping[str, Any]]) -> FieldTypes:
        """The types of ``fields`` (custom field definitions), by ``custom.cf_…`` key."""
        types = {
            f"custom.{f['id']}": FieldType(
                str(f.get("type")),
                multiple=bool(f.get("accepts_multiple_values")) and f.get("type") in FIELD_TYPES,
            )
            for f in fields
        }
        return cls(types, (key for key, kind in types.items() if kind.multiple))


def fields_of(
    type_definition: Mapping[str, Any], fields: Iterable[Mapping[str, Any]] | None
) -> list[Mapping[str, Any]]:
    """The type's own fields: full definitions first, the type's own summary for the rest."""
    type_id = type_definition.get("id")
    if not isinstance(type_id, str) or not type_id.startswith("cotype_"):
        raise SchemaError(
            f"a Custom Object Type definition needs an id starting with 'cotype_', got {type_id!r}"
        )
    chosen: dict[str, Mapping[str, Any]] = {}
    for field in fields or ():
        if field.get("custom_object_type_id") in (None, type_id):
            chosen[_field_id(field)] = field
    for field in type_definition.get("fields") or ():
        chosen.setdefault(_field_id(field), field)
    return sorted(chosen.values(), key=_field_id)


def _field_id(field: Mapping[str, Any]) -> str:
    field_id = field.get("id")
    if not isinstance(field_id, str) or not field_id.startswith("cf_"):
        raise SchemaError(
            f"a custom field definition needs an id starting with 'cf_', got {field_id!r}"
        )
    return field_id


def _annotate(schema: Schema, type_definition: Mapping[str, Any], kind: str, title: str) -> Schema:
    type_id = type_definition["id"]
    schema["$id"] = f"urn:close-contract:{kind}:{type_id}"
    schema["title"] = title.format(type_definition.get("name") or type_id)
    schema["x-close-type"] = {"id": type_id, "name": type_definition.get("name")}
    return schema


def _custom_keys_only(keys: list[str]) -> Schema:
    # Unknown custom.* keys are not part of the type: a request naming one is invalid.
    return {"if": {"pattern": r"^custom\."}, "then": {"enum": keys} if keys else False}


def request_schema_for(
    type_definition: Mapping[str, Any], fields: Iterable[Mapping[str, Any]] | None = None
) -> Schema:
    """The create request schema for one Custom Object Type.

    ``type_definition`` is a type as ``GET custom_object_type/{id}/`` returns it; ``fields``
    the full custom field definitions (fields of other types are skipped). Required custom
    fields become required keys; unknown ``custom.*`` keys are not allowed. A field of an
    unknown type accepts any value and emits a :class:`~contract.errors.ContractWarning`.
    """
    schema = load_schema("custom_object_create_request")
    schema.pop("patternProperties", None)
    schema["properties"]["custom_object_type_id"] = {"const": type_definition.get("id")}
    schema["properties"]["lead_id"]["x-close-reference"] = "lead"
    custom = fields_of(type_definition, fields)
    for field in custom:
        schema["properties"][f"custom.{field['id']}"] = _value_schema(field, response=False)
    schema["required"] += [f"custom.{f['id']}" for f in custom if f.get("required")]
    schema["propertyNames"] = _custom_keys_only([f"custom.{f['id']}" for f in custom])
    return _annotate(
        schema, type_definition, "custom_object_create_request", "Create a {} instance"
    )


def update_schema_for(
    type_definition: Mapping[str, Any], fields: Iterable[Mapping[str, Any]] | None = None
) -> Schema:
    """The update (PUT) request schema: every key optional, ``null`` removes a value.

    A required custom field cannot be removed, so it is not nullable.
    """
    schema = load_schema("custom_object_update_request")
    schema.pop("patternProperties", None)
    custom = fields_of(type_definition, fields)
    for field in custom:
        value = _value_schema(field, response=False)
        if not field.get("required"):
            annotation = value.pop("x-close-field")
            value = {"anyOf": [value, {"type": "null"}], "x-close-field": annotation}
        schema["properties"][f"custom.{field['id']}"] = value
    schema["propertyNames"] = _custom_keys_only([f"custom.{f['id']}" for f in custom])
    return _annotate(
        schema, type_definition, "custom_object_update_request", "Update a {} instance"
    )


def response_schema_for(
    type_definition: Mapping[str, Any], fields: Iterable[Mapping[str, Any]] | None = None
) -> Schema:
    """The instance schema for one type, as returned by create, retrieve and update.

    Extra keys stay allowed: they are additive changes, pinned by baselines, not violations.
    A multi-value field's value may be a list or one bare value, since Close's examples
    show both (the baseline pins the form a target uses).
    """
    schema = load_schema("custom_object")
    schema["properties"]["custom_object_type_id"] = {"const": type_definition.get("id")}
    for field in fields_of(type_definition, fields):
        schema["properties"][f"custom.{field['id']}"] = _value_schema(field, response=True)
    return _annotate(schema, type_definition, "custom_object", "A {} instance")


def list_schema_for(instance_schema: Schema) -> Schema:
    """The list body whose items are ``instance_schema`` (typically a per-type one)."""
    schema = load_schema("custom_object_list")
    schema["properties"]["data"]["items"] = copy.deepcopy(instance_schema)
    return schema
