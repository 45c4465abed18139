"""The contract schema files, loaded with every ``$ref`` inlined, and their validators."""

from __future__ import annotations

import copy
import json
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contract.errors import SchemaError
from strategies import FORMAT_CHECKER

__all__ = [
    "FORMAT_CHECKER",
    "SCHEMA_NAMES",
    "load_schema",
    "validator_for",
]

Schema = dict[str, Any]

SCHEMA_NAMES: tuple[str, ...] = (
    "common",
    "custom_object_create_request",
    "custom_object_update_request",
    "custom_object",
    "custom_object_list",
    "custom_field",
    "error_validation",
    "error_simple",
)
_URN = "urn:close-contract:"


@cache
def _raw(name: str) -> Schema:
    if name not in SCHEMA_NAMES:
        raise SchemaError(f"unknown schema {name!r}: expected one of {', '.join(SCHEMA_NAMES)}")
    text = resources.files("contract.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    loaded: Schema = json.loads(text)
    return loaded


@cache
def _registry() -> Registry[Any]:
    return Registry().with_resources(
        (f"{_URN}{name}", Resource.from_contents(_raw(name), default_specification=DRAFT202012))
        for name in SCHEMA_NAMES
    )


def _inline(node: Any, base: str) -> Any:
    """Replace every ``$ref`` below ``node`` by a copy of what it points to."""
    if isinstance(node, list):
        return [_inline(item, base) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        target = f"{base}{ref}" if ref.startswith("#") else ref
        resolved = _registry().resolver().lookup(target)
        document, _, _ = target.partition("#")
        inlined = _inline(copy.deepcopy(resolved.contents), document)
        if isinstance(inlined, dict):
            # An embedded document must not re-base the schema it now lives in.
            inlined = {k: v for k, v in inlined.items() if k not in ("$id", "$schema")}
        siblings = {k: _inline(v, base) for k, v in node.items() if k != "$ref"}
        return {**inlined, **siblings} if isinstance(inlined, dict) else inlined
    return {key: _inline(value, base) for key, value in node.items() if key != "$defs"}


def load_schema(name: str) -> Schema:
    """Return the named contract schema, self-contained (all ``$ref`` inlined).

    ``name`` is one of :data:`SCHEMA_NAMES`, e.g. ``"custom_object"`` for the instance
    returned by create, retrieve and update. The result is a fresh copy: change it freely.
    """
    raw = _raw(name)
    if name == "common":
        return copy.deepcopy(raw)
    inlined: Schema = _inline(raw, f"{_URN}{name}")
    inlined["$schema"] = raw["$schema"]
    return inlined


@lru_cache(maxsize=256)
def _check_schema(text: str) -> None:
    """Check a schema (given as canonical JSON text) against the 2020-12 meta-schema once:
    each run builds the same schemas again from the same definitions."""
    try:
        Draft202012Validator.check_schema(json.loads(text))
    except Exception as exc:  # jsonschema.SchemaError; re-raised in the tool's family
        raise SchemaError(f"not a valid JSON Schema 2020-12: {exc}") from exc


def validator_for(schema: Schema) -> Draft202012Validator:
    """A Draft 2020-12 validator for ``schema`` that also checks ``date``/``date-time``."""
    _check_schema(json.dumps(schema, sort_keys=True, default=str))
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER, registry=_registry())
