"""Per-type schemas built from custom field definitions."""

from __future__ import annotations

from typing import Any

import pytest
from close_samples import BASE, FIELDS, FULL, OTHER_TYPE, TYPE, TYPE_ID, cf

from contract import (
    ContractWarning,
    request_schema_for,
    response_schema_for,
    update_schema_for,
    validator_for,
)
from contract.errors import SchemaError


def request_errors(payload: dict[str, Any]) -> list[str]:
    schema = request_schema_for(TYPE, FIELDS)
    return [e.message for e in validator_for(schema).iter_errors(payload)]


def test_every_field_type_accepts_a_good_payload() -> None:
    assert request_errors(FULL) == []
    assert request_errors(BASE) == []


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("text", 5),
        ("num", "12"),
        ("num", True),
        ("date", "2023-02-29"),
        ("date", "2024-02-29T10:00:00+00:00"),
        ("dt", "2024-02-29"),
        ("dt", "2024-02-29T10:11:12"),
        ("plan", "Enterprise"),
        ("plan", ["Pro"]),
        ("chan", "Email"),
        ("chan", []),
        ("chan", ["Email", "Email"]),
        ("chan", ["Fax"]),
        ("user", "cont_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk"),
        ("cont", 1),
        ("asset", "lead_hwnL36A2iEMSLIlmGhsdrcmOJzTUzqEHwr66wrA1K2T"),
    ],
)
def test_each_field_type_rejects_a_bad_value(field: str, bad: object) -> None:
    assert request_errors({**FULL, f"custom.{cf(field)}": bad})


def test_required_custom_field_is_required() -> None:
    payload = dict(BASE)
    del payload[f"custom.{cf('num')}"]
    assert request_errors(payload) == [f"'custom.{cf('num')}' is a required property"]


def test_unknown_custom_key_is_rejected_and_other_keys_are_not() -> None:
    assert request_errors({**BASE, f"custom.{cf('zzz')}": "x"})
    assert request_errors({**BASE, "status": "whatever"}) == []


def test_the_type_id_is_pinned() -> None:
    assert request_errors({**BASE, "custom_object_type_id": OTHER_TYPE})


def test_fields_of_other_types_are_skipped() -> None:
    foreign = {
        "id": cf("foreign"),
        "name": "X",
        "type": "text",
        "custom_object_type_id": OTHER_TYPE,
    }
    schema = request_schema_for(TYPE, [*FIELDS, foreign])
    assert f"custom.{cf('foreign')}" not in schema["properties"]


def test_type_summary_fields_complete_the_definitions() -> None:
    summary = {**TYPE, "fields": [{"id": cf("extra"), "name": "Extra", "type": "number"}]}
    schema = request_schema_for(summary, FIELDS)
    assert schema["properties"][f"custom.{cf('extra')}"]["type"] == "number"


def test_fields_carry_their_annotation() -> None:
    prop = request_schema_for(TYPE, FIELDS)["properties"][f"custom.{cf('asset')}"]
    assert prop["x-close-field"]["reference"] == f"custom_object:{OTHER_TYPE}"
    assert prop["x-close-field"]["type"] == "custom_object"


def test_unknown_field_type_is_permissive_with_a_warning() -> None:
    odd = {"id": cf("odd"), "name": "Odd", "type": "hologram", "custom_object_type_id": TYPE_ID}
    with pytest.warns(ContractWarning, match="unknown type 'hologram'"):
        schema = request_schema_for(TYPE, [*FIELDS, odd])
    validator = validator_for(schema)
    for value in ("x", 1, [1], {"a": 1}):
        assert validator.is_valid({**BASE, f"custom.{cf('odd')}": value})


def test_choices_without_choices_is_permissive_with_a_warning() -> None:
    bare = {"id": cf("bare"), "name": "Bare", "type": "choices", "custom_object_type_id": TYPE_ID}
    with pytest.warns(ContractWarning, match="without its choices"):
        schema = request_schema_for(TYPE, [bare])
    plain = {k: v for k, v in BASE.items() if not k.startswith("custom.")}
    assert validator_for(schema).is_valid({**plain, f"custom.{cf('bare')}": "anything"})


@pytest.mark.parametrize("bad_type", [{}, {"id": "type_x"}, {"id": None}])
def test_a_type_without_a_cotype_id_is_a_schema_error(bad_type: dict[str, Any]) -> None:
    with pytest.raises(SchemaError, match="cotype_"):
        request_schema_for(bad_type, FIELDS)


def test_a_field_without_a_cf_id_is_a_schema_error() -> None:
    with pytest.raises(SchemaError, match="'cf_'"):
        request_schema_for(TYPE, [{"id": "lcf_1", "type": "text"}])


def test_a_type_without_fields_forbids_every_custom_key() -> None:
    schema = request_schema_for({"id": TYPE_ID, "name": "Plain"}, [])
    validator = validator_for(schema)
    plain = {k: v for k, v in BASE.items() if not k.startswith("custom.")}
    assert validator.is_valid(plain)
    assert not validator.is_valid({**plain, f"custom.{cf('num')}": 1})


def test_update_schema_is_partial_and_null_removes_optional_values() -> None:
    validator = validator_for(update_schema_for(TYPE, FIELDS))
    assert validator.is_valid({})
    assert validator.is_valid({"name": "Renamed", f"custom.{cf('text')}": None})
    assert not validator.is_valid({f"custom.{cf('num')}": None})
    assert not validator.is_valid({"name": ""})


def test_response_schema_types_custom_values_and_allows_extra_keys() -> None:
    validator = validator_for(response_schema_for(TYPE, FIELDS))
    instance = {
        **FULL,
        "id": "custobj_5J7mimiIKB1tQ3gVduP0c4UhXbNj5ptMLteAWRJu7Sf",
        "organization_id": "orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH",
        "created_by": "user_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk",
        "updated_by": None,
        "date_created": "2020-08-04T16:45:35.367000+00:00",
        "date_updated": "2020-08-04T16:45:35.367000+00:00",
        "created_by_name": "Jane",
    }
    assert validator.is_valid(instance)
    assert not validator.is_valid({**instance, f"custom.{cf('num')}": "12"})
    assert not validator.is_valid({**instance, "custom_object_type_id": OTHER_TYPE})
