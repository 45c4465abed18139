"""A read-only view of one per-type create request schema.

Strategies are built from the schema's own properties and ``x-close-field`` annotations
(see ``contract.request_schema_for``), so the same schema drives generation and
validation. Only the schema is read here: nothing about a live target.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Stubs for jsonschema may or may not be installed; either way the import is fine.
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from strategies._formats import FORMAT_CHECKER

__all__ = [
    "TOP_LEVEL",
    "Field",
    "MissingReferenceError",
    "TypeModel",
    "model_of",
]

TOP_LEVEL: tuple[str, ...] = ("custom_object_type_id", "lead_id", "name")
_KNOWN_TYPES = frozenset(
    {"text", "number", "date", "datetime", "choices", "user", "contact", "custom_object"}
)


class MissingReferenceError(ValueError):
    """A valid payload needs ids of existing objects that ``references`` does not hold."""


@dataclass(frozen=True, slots=True)
class Field:
    """One custom field of the type, as its ``x-close-field`` annotation describes it."""

    key: str
    id: str
    name: str | None
    type: str | None
    multi: bool
    required: bool
    reference: str | None
    known_type: bool
    schema: Mapping[str, Any]

    @property
    def scalar_schema(self) -> Mapping[str, Any]:
        """The schema of one value (the items schema for a multi-value field)."""
        items = self.schema.get("items")
        if self.multi and isinstance(items, Mapping):
            return items
        return self.schema

    @property
    def choices(self) -> tuple[Any, ...]:
        """The allowed choices, or ``()`` when the schema does not list them."""
        return tuple(self.scalar_schema.get("enum") or ())

    @property
    def pattern(self) -> str | None:
        """The pattern a (scalar) value must match, if any."""
        pattern = self.scalar_schema.get("pattern")
        return pattern if isinstance(pattern, str) else None

    def label(self) -> str:
        """``custom.cf_… (Name, type)`` for reasons and messages."""
        multi = ", multiple values" if self.multi else ""
        return f"{self.key} ({self.name or self.id}, {self.type}{multi})"


@dataclass(frozen=True, slots=True)
class TypeModel:
    """What strategies need to know about one Custom Object Type's create request."""

    type_id: str
    type_name: str | None
    lead_pattern: str | None
    fields: tuple[Field, ...]
    schema: Mapping[str, Any]
    validator: Draft202012Validator

    def field(self, key: str) -> Field:
        """The custom field stored under ``key`` (``custom.cf_…``)."""
        for field in self.fields:
            if field.key == key:
                return field
        known = ", ".join(f.key for f in self.fields) or "none"
        raise ValueError(f"{key!r} is not a custom field of {self.label()} (known: {known})")

    def label(self) -> str:
        """``Name (cotype_…)`` for reasons and messages."""
        return f"{self.type_name} ({self.type_id})" if self.type_name else self.type_id

    def is_valid(self, payload: Any) -> bool:
        """Whether ``payload`` validates against the request schema."""
        return bool(self.validator.is_valid(payload))


def _field_of(key: str, value_schema: Mapping[str, Any]) -> Field:
    note = value_schema["x-close-field"]
    kind = note.get("type")
    return Field(
        key=key,
        id=str(note.get("id") or key.removeprefix("custom.")),
        name=note.get("name"),
        type=kind,
        multi=bool(note.get("accepts_multiple_values")) and value_schema.get("type") == "array",
        required=bool(note.get("required")),
        reference=note.get("reference"),
        known_type=bool(note.get("known_type", kind in _KNOWN_TYPES)) and kind in _KNOWN_TYPES,
        schema=value_schema,
    )


def model_of(request_schema: Mapping[str, Any]) -> TypeModel:
    """Read a per-type create request schema (as ``contract.request_schema_for`` builds).

    Raises :class:`ValueError` when the schema is not one: it must pin the type id with a
    ``const`` and describe its custom fields with ``x-close-field`` annotations.
    """
    # A run builds one strategy per mutation and target from the same schema; checking the
    # schema against the metaschema each time cost more than everything else it does.
    return _model_of_text(json.dumps(request_schema, sort_keys=True))


@functools.lru_cache(maxsize=64)
def _model_of_text(text: str) -> TypeModel:
    request_schema: dict[str, Any] = json.loads(text)
    properties = request_schema.get("properties")
    if not isinstance(properties, Mapping):
        raise ValueError("a request schema needs 'properties': build it with request_schema_for")
    type_id = (properties.get("custom_object_type_id") or {}).get("const")
    if not isinstance(type_id, str):
        raise ValueError(
            "the request schema does not pin custom_object_type_id with a 'const': strategies "
            "need a per-type schema (contract.request_schema_for(type, fields)), "
            "not the generic one"
        )
    fields = tuple(
        _field_of(key, value)
        for key, value in properties.items()
        if key.startswith("custom.") and isinstance(value, Mapping) and "x-close-field" in value
    )
    lead_pattern = (properties.get("lead_id") or {}).get("pattern")
    note = request_schema.get("x-close-type") or {}
    Draft202012Validator.check_schema(request_schema)
    return TypeModel(
        type_id=type_id,
        type_name=note.get("name"),
        lead_pattern=lead_pattern if isinstance(lead_pattern, str) else None,
        fields=fields,
        schema=request_schema,
        validator=Draft202012Validator(request_schema, format_checker=FORMAT_CHECKER),
    )
