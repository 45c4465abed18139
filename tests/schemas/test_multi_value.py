"""Multi-value fields in both forms: Close's examples show a list in one place and one bare
value in another, so responses may carry either; values compare equal across the two forms
for multi-value fields only; a baseline pins the form a target uses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from close_samples import FIELDS, FULL, TYPE, cf

from contract import request_schema_for, response_schema_for, validator_for
from contract.baseline import Baseline, BaselineRecorder, compare_run
from contract.checks import CheckContext, run_checks
from contract.checks._equality import multi_valued, same_value
from contract.client import Exchange
from contract.discovery import contract_for
from contract.schemas import FieldType, FieldTypes

MULTI = f"custom.{cf('chan')}"
SINGLE = f"custom.{cf('plan')}"
INSTANCE = {
    **FULL,
    "id": "custobj_5J7mimiIKB1tQ3gVduP0c4UhXbNj5ptMLteAWRJu7Sf",
    "organization_id": "orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH",
    "created_by": "user_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk",
    "updated_by": None,
    "date_created": "2020-08-04T16:45:35.367000+00:00",
    "date_updated": "2020-08-04T16:45:35.367000+00:00",
}


def test_the_response_schema_accepts_a_multi_value_field_in_both_forms() -> None:
    validator = validator_for(response_schema_for(TYPE, FIELDS))
    assert validator.is_valid({**INSTANCE, MULTI: ["Email", "Phone"]})
    assert validator.is_valid({**INSTANCE, MULTI: ["Email"]})
    assert validator.is_valid({**INSTANCE, MULTI: "Email"})
    # The bare value is still held to the field's type, and the list to its items
    assert not validator.is_valid({**INSTANCE, MULTI: "Fax"})
    assert not validator.is_valid({**INSTANCE, MULTI: 5})
    assert not validator.is_valid({**INSTANCE, MULTI: ["Email", "Fax"]})
    assert not validator.is_valid({**INSTANCE, MULTI: []})
    # A single-value field does not take a list
    assert not validator.is_valid({**INSTANCE, SINGLE: ["Pro"]})


def test_requests_keep_the_documented_list_form() -> None:
    validator = validator_for(request_schema_for(TYPE, FIELDS))
    assert validator.is_valid({**FULL, MULTI: ["Email"]})
    assert not validator.is_valid({**FULL, MULTI: "Email"})


def test_field_types_name_the_multi_value_fields() -> None:
    types = FieldTypes.of(FIELDS)
    assert types[MULTI] == "choices" and types[SINGLE] == "choices"
    assert types.multiple == {MULTI}
    assert multi_valued(types, MULTI) and not multi_valued(types, SINGLE)
    # A plain mapping says nothing about multiplicity
    assert not multi_valued(dict(types), MULTI)


@pytest.mark.parametrize(
    ("sent", "got"),
    [(["x"], "x"), ("x", ["x"]), (["x"], ["x"]), ([5], 5.0), (["b", "a"], ["a", "b"])],
)
def test_a_bare_value_equals_its_one_element_list_for_a_multi_value_field(
    sent: Any, got: Any
) -> None:
    assert same_value(sent, got, "choices", multiple=True)


@pytest.mark.parametrize(
    ("sent", "got"),
    [(["x", "y"], "x"), ("x", ["x", "y"]), (["x"], "y"), (["x"], ["x", "x"]), (["x"], None)],
)
def test_nothing_looser_for_a_multi_value_field(sent: Any, got: Any) -> None:
    assert not same_value(sent, got, "choices", multiple=True)


@pytest.mark.parametrize(("sent", "got"), [(["x"], "x"), ("x", ["x"])])
def test_the_two_forms_differ_for_any_other_field(sent: Any, got: Any) -> None:
    assert not same_value(sent, got, "choices")
    assert not same_value(sent, got, "choices", multiple=False)


def answer(body: dict[str, Any]) -> Exchange:
    return Exchange(
        method="POST",
        url="https://api.close.example/api/v1/custom_object/",
        path="custom_object/",
        params=(),
        request_headers=(),
        request_body=None,
        status=201,
        response_headers=(("Content-Type", "application/json"),),
        response_body=json.dumps(body).encode(),
        elapsed=0.01,
        attempts=1,
        auth="basic",
    )


@pytest.mark.parametrize("key", [MULTI, SINGLE])
def test_an_echo_in_the_bare_form_passes_only_for_a_multi_value_field(key: str) -> None:
    sent = {**FULL, key: ["Email"] if key == MULTI else "Pro"}
    bare = {**INSTANCE, **sent, key: "Email" if key == MULTI else ["Pro"]}
    ctx = CheckContext(
        answer(bare), "create", frozenset({201}), sent=sent, field_types=FieldTypes.of(FIELDS)
    )
    found = [v.check for v in run_checks(["echo_conformance"], ctx)]
    assert found == ([] if key == MULTI else ["echo_conformance"])


def test_a_type_contract_carries_the_multi_value_fields() -> None:
    # What every check context of a run gets as its field types
    types = contract_for(TYPE, FIELDS).field_types
    assert isinstance(types, FieldTypes) and types.multiple == {MULTI}


# --- the baseline pins the form --------------------------------------------------------------

CREATE = "POST custom_object/"


def shapes_of(*values: Any) -> BaselineRecorder:
    recorder = BaselineRecorder()
    for value in values:
        recorder.observe(CREATE, 201, {**INSTANCE, MULTI: value})
    return recorder


@pytest.mark.parametrize(
    ("before", "after", "old", "new"),
    [
        ((["Email"], ["Email", "Phone"]), ("Email",), "array", ["array", "string"]),
        (("Email", "Phone"), (["Email"],), "string", ["array", "string"]),
    ],
    ids=["list-then-bare", "bare-then-list"],
)
def test_a_switch_of_form_is_a_breaking_type_change(
    before: tuple[Any, ...], after: tuple[Any, ...], old: str, new: Any
) -> None:
    baseline: Baseline = shapes_of(*before).build("https://api.close.example/api/v1")
    # The same form again is no regression
    assert compare_run(baseline, shapes_of(*before)) == []
    # The other form is, as a breaking type change of that key
    (found,) = compare_run(baseline, shapes_of(*before, *after))
    assert (found.kind, found.severity, found.check) == (
        "type_change",
        "breaking",
        "shape_regression",
    )
    assert found.path.endswith(f'["{MULTI}"]') and (found.old, found.new) == (old, new)


def test_a_field_type_alone_says_the_field_is_multi_valued() -> None:
    # A caller that passes only the type, as ctx.field_types.get(key) gives it
    types = FieldTypes.of(FIELDS)
    assert isinstance(types[MULTI], FieldType) and types[MULTI] == "choices"
    assert same_value(["Email"], "Email", types[MULTI])
    assert same_value(["Email", "Phone"], ["Phone", "Email"], types[MULTI])
    assert not same_value(["Email", "Phone"], "Email", types[MULTI])
    assert not same_value(["Pro"], "Pro", types[SINGLE])
    assert json.dumps(types) == json.dumps(dict(types))
