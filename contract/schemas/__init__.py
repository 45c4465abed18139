"""The contract as data: JSON Schema 2020-12 files for the Custom Object endpoints.

The ``*.schema.json`` files beside this module are the source of truth. They share
definitions through ``urn:close-contract:common``; :func:`load_schema` returns them with
every ``$ref`` inlined, so a schema handed to a strategy or a front door is self-contained.
"""

from __future__ import annotations

from contract.schemas._files import FORMAT_CHECKER, SCHEMA_NAMES, load_schema, validator_for
from contract.schemas._openapi import load_openapi, openapi_document
from contract.schemas._per_type import (
    FIELD_TYPES,
    FieldType,
    FieldTypes,
    fields_of,
    list_schema_for,
    request_schema_for,
    response_schema_for,
    update_schema_for,
)

__all__ = [
    "FIELD_TYPES",
    "FORMAT_CHECKER",
    "SCHEMA_NAMES",
    "FieldType",
    "FieldTypes",
    "fields_of",
    "list_schema_for",
    "load_openapi",
    "load_schema",
    "openapi_document",
    "request_schema_for",
    "response_schema_for",
    "update_schema_for",
    "validator_for",
]
