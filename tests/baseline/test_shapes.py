"""Response shapes: recognition, the merge laws, and every kind of difference."""

from __future__ import annotations

import json
from functools import reduce
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.examples import DOCUMENTED_EXAMPLES

from contract.baseline import (
    Difference,
    compare,
    fold_field_errors,
    format_of,
    member_path,
    merge,
    shape_of,
    summarize,
    validate_shape,
)

EXAMPLES = DOCUMENTED_EXAMPLES
CF_CHOICES = "custom.cf_UpyNBvr6Rw8UBHh7zRboL3PYhbOVJl3XvwgPm3jg64S"


def kinds(differences: list[Difference]) -> list[tuple[str, str, str]]:
    return [(d.kind, d.path, d.severity) for d in differences]


# -- recognition ---------------------------------------------------------------------------


def test_shape_of_the_documented_instance_recognises_ids_and_offset_datetimes() -> None:
    shape = shape_of(EXAMPLES["create_response"])

    assert shape["type"] == "object"
    assert shape["optional"] == []
    keys = shape["keys"]
    assert keys["id"] == {"type": "string", "format": "id:custobj_"}
    assert keys["lead_id"] == {"type": "string", "format": "id:lead_"}
    assert keys["custom_object_type_id"] == {"type": "string", "format": "id:cotype_"}
    assert keys["created_by"] == {"type": "string", "format": "id:user_"}
    assert keys["organization_id"] == {"type": "string", "format": "id:orga_"}
    assert keys["date_created"] == {"type": "string", "format": "datetime+offset"}
    assert keys["name"] == {"type": "string"}
    # Custom field keys are shaped one by one (a recorder first renames them by field name).
    assert keys[CF_CHOICES] == {"type": "array", "items": {"type": "string"}}
    # A shape is JSON-ready as it is.
    assert json.loads(json.dumps(shape)) == shape


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cont_abcdefghij0123", "id:cont_"),
        ("cf_1nkEQf4yKqGMc2E5mtTnSzTNCNUc2NTNkz7fS33OXOt", "id:cf_"),
        ("custobj_short", None),
        ("custom_object_type", None),
        ("2020-08-04T16:45:35.367000+00:00", "datetime+offset"),
        ("2020-08-04T16:45:35Z", "datetime+offset"),
        ("2020-08-04T16:45:35-05:00", "datetime+offset"),
        ("2020-07-09T15:36:16.795350", "datetime-naive"),
        ("2020-07-09", "date"),
        ("2020-07-09\n", None),
        ("Resource", None),
    ],
)
def test_format_of(text: str, expected: str | None) -> None:
    assert format_of(text) == expected


def test_numbers_booleans_and_nulls() -> None:
    assert shape_of(1) == shape_of(1.0) == {"type": "number"}
    assert shape_of(True) == {"type": "boolean"}
    assert shape_of(None) == {"type": "null"}
    assert shape_of([]) == {"type": "array", "items": None}
    assert merge(shape_of(None), shape_of("x")) == {"type": "string", "nullable": True}
    assert merge(shape_of(1), shape_of("x")) == {"type": ["number", "string"]}


def test_objects_in_arrays_merge_and_mark_keys_seen_sometimes_as_optional() -> None:
    shape = shape_of({"data": [{"id": "lead_abcdefghij01", "n": 1}, {"id": "x"}]})

    item = shape["keys"]["data"]["items"]
    assert item["optional"] == ["n"]
    # Formats that disagree leave a plain string.
    assert item["keys"]["id"] == {"type": "string"}


def test_field_errors_keys_fold_into_one_entry() -> None:
    one = shape_of({"errors": [], "field-errors": {"lead": "This field is required."}})
    other = shape_of({"errors": [], "field-errors": {"custom.cf_x": "Bad.", "name": "Empty."}})

    assert one["keys"]["field-errors"] == {
        "type": "object",
        "keys": {"*": {"type": "string"}},
        "map": True,
    }
    # The request keys differ per case; the shape does not.
    assert one == other
    assert compare(one, other) == []


def test_nested_positional_errors_fold_too() -> None:
    body = {"field-errors": {"contacts": {"errors": {"0": {"field-errors": {"x": "No."}}}}}}
    entry = shape_of(body)["keys"]["field-errors"]["keys"]["*"]

    assert entry["keys"]["errors"]["map"] is True


def test_fold_keys_is_pluggable() -> None:
    def fold_meta(path: str) -> str | None:
        return "*" if path == "$.meta" else None

    body = {"meta": {"a": 1, "b": 2}, "field-errors": {"k": "v"}}
    shape = shape_of(body, fold_keys=fold_meta)

    assert shape["keys"]["meta"] == {
        "type": "object",
        "keys": {"*": {"type": "number"}},
        "map": True,
    }
    assert shape["keys"]["field-errors"]["keys"] == {"k": {"type": "string"}}
    assert fold_field_errors('$["field-errors"]') == "*"
    assert shape_of({"a": {}}, fold_keys=None)["keys"]["a"]["keys"] == {}


def test_member_paths() -> None:
    assert member_path("$", "lead_id") == "$.lead_id"
    assert member_path("$", "custom.cf_x") == '$["custom.cf_x"]'
    assert member_path("$.data[*]", "field-errors") == '$.data[*]["field-errors"]'
    assert member_path('$["field-errors"]', "*") == '$["field-errors"].*'


def test_summarize() -> None:
    assert summarize({"type": "string", "format": "id:user_", "nullable": True}) == (
        "string[id:user_] | null"
    )
    assert summarize(shape_of({"field-errors": {}})["keys"]["field-errors"]) == "map"


# -- merge laws ----------------------------------------------------------------------------

SAMPLE_STRINGS = [
    "custobj_5J7mimiIKB1tQ3gVduP0c4UhXbNj5ptMLteAWRJu7Sf",
    "lead_hwnL36A2iEMSLIlmGhsdrcmOJzTUzqEHwr66wrA1K2T",
    "2020-08-04T16:45:35.367000+00:00",
    "2020-07-09T15:36:16.795350",
    "2020-07-09",
    "Resource",
]
scalars = st.none() | st.booleans() | st.integers() | st.sampled_from(SAMPLE_STRINGS)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "field-errors"]), children, max_size=3)
    ),
    max_leaves=8,
)
shapes = json_values.map(shape_of)


@given(shapes, shapes)
def test_merge_is_commutative(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert merge(a, b) == merge(b, a)


@given(shapes, shapes, shapes)
def test_merge_is_associative(a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]) -> None:
    assert merge(merge(a, b), c) == merge(a, merge(b, c))


@given(shapes)
def test_merge_is_idempotent_and_shapes_validate(a: dict[str, Any]) -> None:
    assert merge(a, a) == a
    validate_shape(a)
    assert compare(a, a) == []


@given(st.lists(json_values, min_size=1, max_size=4))
def test_an_arrays_items_are_the_merge_of_its_elements(values: list[Any]) -> None:
    assert shape_of(values)["items"] == reduce(merge, map(shape_of, values))


@given(shapes, shapes)
def test_a_subset_of_observations_is_never_a_regression(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    assert compare(merge(a, b), a, partial=True) == []


# -- differences ---------------------------------------------------------------------------

BASE = EXAMPLES["create_response"]


def changed(**updates: Any) -> dict[str, Any]:
    return {**BASE, **updates}


def test_identical_shapes_have_no_differences() -> None:
    assert compare(shape_of(BASE), shape_of(dict(BASE))) == []


def test_removed_key_is_breaking() -> None:
    new = {k: v for k, v in BASE.items() if k != "date_updated"}
    [difference] = compare(shape_of(BASE), shape_of(new))

    assert difference.kind == "removed_key"
    assert difference.path == "$.date_updated"
    assert difference.severity == "breaking"
    assert difference.old == {"type": "string", "format": "datetime+offset"}
    assert difference.new is None


def test_added_key_is_additive() -> None:
    diffs = compare(shape_of(BASE), shape_of(changed(description="x")))

    assert kinds(diffs) == [("added_key", "$.description", "additive")]
    assert diffs[0].new == {"type": "string"}


def test_int_to_string_is_a_breaking_type_change() -> None:
    old = shape_of({"count": 3})
    diffs = compare(old, shape_of({"count": "3"}))

    assert kinds(diffs) == [("type_change", "$.count", "breaking")]
    assert (diffs[0].old, diffs[0].new) == ("number", "string")


def test_offset_to_naive_datetime_is_a_breaking_format_change() -> None:
    diffs = compare(shape_of(BASE), shape_of(changed(date_created="2020-08-04T16:45:35.367")))

    assert kinds(diffs) == [("format_change", "$.date_created", "breaking")]
    assert (diffs[0].old, diffs[0].new) == ("datetime+offset", "datetime-naive")


def test_id_prefix_change_is_a_breaking_format_change() -> None:
    diffs = compare(shape_of(BASE), shape_of(changed(id="co_5J7mimiIKB1tQ3gVduP0c4UhXbNj5ptMLte")))

    assert kinds(diffs) == [("format_change", "$.id", "breaking")]
    assert (diffs[0].old, diffs[0].new) == ("id:custobj_", "id:co_")


def test_losing_a_format_is_breaking_but_gaining_one_is_not() -> None:
    dated, plain = shape_of({"d": "2020-07-09"}), shape_of({"d": "soon"})

    assert kinds(compare(dated, plain)) == [("format_change", "$.d", "breaking")]
    assert compare(plain, dated) == []


def test_becoming_nullable_is_breaking_and_narrowing_is_not() -> None:
    nullable = merge(shape_of({"x": "a"}), shape_of({"x": None}))
    plain = shape_of({"x": "a"})

    diffs = compare(plain, nullable)
    assert kinds(diffs) == [("nullability_change", "$.x", "breaking")]
    assert (diffs[0].old, diffs[0].new) == ("non-nullable", "nullable")
    assert compare(plain, shape_of({"x": None})) == diffs
    assert compare(nullable, plain) == []


def test_became_optional_is_breaking_and_became_required_is_additive() -> None:
    always = merge(shape_of({"x": 1}), shape_of({"x": 2}))
    sometimes = merge(shape_of({"x": 1}), shape_of({}))

    assert kinds(compare(always, sometimes)) == [("became_optional", "$.x", "breaking")]
    assert kinds(compare(sometimes, always)) == [("became_required", "$.x", "additive")]
    # A run with fewer examples may simply have seen the key every time.
    assert compare(sometimes, always, partial=True) == []
    # An optional key that never came up is no evidence of removal.
    assert compare(sometimes, shape_of({})) == []


def test_nested_arrays_report_wildcard_paths() -> None:
    old = shape_of(EXAMPLES["list_response"])
    item = {**EXAMPLES["list_response"]["data"][0], "name": 7}
    diffs = compare(old, shape_of({**EXAMPLES["list_response"], "data": [item]}))

    assert kinds(diffs) == [("type_change", "$.data[*].name", "breaking")]


def test_custom_field_keys_use_bracket_paths() -> None:
    new = changed(**{CF_CHOICES: "Conference"})
    diffs = compare(shape_of(BASE), shape_of(new))

    assert kinds(diffs) == [("type_change", f'$["{CF_CHOICES}"]', "breaking")]


def test_changes_inside_a_map_use_the_wildcard_path() -> None:
    old = shape_of({"field-errors": {"lead": "required"}})
    new = shape_of({"field-errors": {"name": ["required"]}})

    assert kinds(compare(old, new)) == [("type_change", '$["field-errors"].*', "breaking")]


def test_whole_body_changes() -> None:
    empty, non_json = {"type": "empty"}, {"type": "non-json"}

    assert kinds(compare(empty, non_json)) == [("type_change", "$", "breaking")]
    assert compare(shape_of({"a": []}), shape_of({"a": [1]})) == []


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ([], "must be an object"),
        ({"type": "integer"}, "unknown type 'integer'"),
        ({"type": []}, "'type' must be"),
        ({"type": "object", "keys": {"a": {"type": 1}}}, "$.a: 'type' must be"),
        ({"type": "array", "items": {"type": "string", "format": 3}}, "$[*]: 'format'"),
        ({"type": "object", "optional": "a"}, "'optional'"),
        ({"type": "string", "nullable": "yes"}, "'nullable'"),
    ],
)
def test_validate_shape_names_the_bad_place(bad: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        validate_shape(bad)
    assert fragment in str(caught.value)
