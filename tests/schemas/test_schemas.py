"""The static contract schemas: well-formed, and true to Close's documented examples."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from support.examples import DOCUMENTED_EXAMPLES

from contract import load_schema, validator_for
from contract.errors import SchemaError
from contract.schemas import SCHEMA_NAMES

EXAMPLES: dict[str, Any] = DOCUMENTED_EXAMPLES

DOCUMENTED = [
    ("custom_object_create_request", "create_request"),
    ("custom_object", "create_response"),
    ("custom_object", "update_response"),
    ("custom_object_list", "list_response"),
    ("custom_object_update_request", "update_request"),
    ("custom_field", "custom_field_created"),
    ("custom_field", "custom_field_choices"),
    ("custom_field", "custom_field_reference"),
    ("error_validation", "error_validation"),
    ("error_simple", "error_simple"),
]


def errors(schema_name: str, instance: Any) -> list[str]:
    return [e.message for e in validator_for(load_schema(schema_name)).iter_errors(instance)]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_is_valid_2020_12(name: str) -> None:
    Draft202012Validator.check_schema(load_schema(name))


@pytest.mark.parametrize("name", [n for n in SCHEMA_NAMES if n != "common"])
def test_loaded_schemas_are_self_contained(name: str) -> None:
    assert "$ref" not in json.dumps(load_schema(name))


@pytest.mark.parametrize(("schema_name", "example"), DOCUMENTED)
def test_documented_example_validates(schema_name: str, example: str) -> None:
    assert errors(schema_name, EXAMPLES[example]) == []


def test_unknown_schema_name_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="unknown schema 'nope'"):
        load_schema("nope")


def test_load_schema_returns_a_fresh_copy() -> None:
    load_schema("custom_object")["required"].clear()
    assert "id" in load_schema("custom_object")["required"]


@pytest.mark.parametrize("key", ["custom_object_type_id", "lead_id", "name"])
def test_request_without_a_required_field_is_rejected(key: str) -> None:
    request = copy.deepcopy(EXAMPLES["create_request"])
    del request[key]
    assert errors("custom_object_create_request", request) == [f"'{key}' is a required property"]


@pytest.mark.parametrize("name", ["", "   ", 7, None])
def test_request_with_an_empty_or_non_string_name_is_rejected(name: object) -> None:
    request = {**EXAMPLES["create_request"], "name": name}
    assert errors("custom_object_create_request", request)


def test_request_with_a_custom_key_by_name_is_rejected() -> None:
    request = {**EXAMPLES["create_request"], "custom.LinkedIn": "x"}
    assert errors("custom_object_create_request", request)


def test_request_extra_top_level_keys_are_left_open() -> None:
    # Close documents nothing about them: the schema must not pretend it does.
    assert errors("custom_object_create_request", {**EXAMPLES["create_request"], "x": 1}) == []


@pytest.mark.parametrize(
    ("key", "broken"),
    [
        ("id", "cobj_5J7mimiIKB1tQ3gVduP0c4UhXbNj5ptMLteAWRJu7Sf"),
        ("custom_object_type_id", "type_1h5m6uHM9BZOpwVhyRJb4Y"),
        ("lead_id", "lea_hwnL36A2iEMSLIlmGhsdrcmOJzTUzqEHwr66wrA1K2T"),
        ("organization_id", "org_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH"),
        ("created_by", "usr_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk"),
        ("updated_by", "user_Ova4-RGFG7"),
        ("date_created", "2020-08-04T16:45:35.367000"),
        ("date_updated", "2020-08-04 17:37"),
        ("date_updated", "2020-02-30T17:37:56+00:00"),
        ("name", 42),
    ],
)
def test_response_with_a_broken_value_is_rejected(key: str, broken: object) -> None:
    response = {**EXAMPLES["create_response"], key: broken}
    assert errors("custom_object", response)


@pytest.mark.parametrize("key", load_schema("custom_object")["required"])
def test_response_without_a_documented_key_is_rejected(key: str) -> None:
    response = copy.deepcopy(EXAMPLES["create_response"])
    del response[key]
    assert errors("custom_object", response) == [f"'{key}' is a required property"]


def test_response_extra_keys_are_allowed() -> None:
    # An added key is an additive change: the baseline's business, not a violation.
    response = {**EXAMPLES["create_response"], "created_by_name": "Jane"}
    assert errors("custom_object", response) == []


def test_list_body_needs_data_and_has_more() -> None:
    assert errors("custom_object_list", {"data": []}) == ["'has_more' is a required property"]
    assert errors("custom_object_list", {"data": [{"id": 1}], "has_more": False})
