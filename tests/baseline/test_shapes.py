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
    MAX_VALUES,
    Difference,
    Shape,
    ShapeScope,
    compare,
    fold_field_errors,
    format_of,
    member_path,
    merge,
    normalize_shape,
    shape_of,
    summarize,
    validate_shape,
)
from contract.baseline._shapes import steady_chance

EXAMPLES = DOCUMENTED_EXAMPLES
CF_CHOICES = "custom.cf_UpyNBvr6Rw8UBHh7zRboL3PYhbOVJl3XvwgPm3jg64S"


def kinds(differences: list[Difference]) -> list[tuple[str, str, str]]:
    return [(d.kind, d.path, d.severity) for d in differences]


def bare(shape: Any) -> Any:
    """``shape`` without what it counted or kept of values: its structure only."""
    if not isinstance(shape, dict):
        return shape
    result = {k: v for k, v in shape.items() if k not in ("count", "values", "many", "integer")}
    if isinstance(shape.get("items"), dict):
        result["items"] = bare(shape["items"])
    if isinstance(shape.get("keys"), dict):
        result["keys"] = {k: bare(v) for k, v in shape["keys"].items()}
    return result


def seen(value: Any, times: int = 5) -> Shape:
    """The shape of ``value`` answered ``times`` times (enough to judge presence)."""
    return reduce(merge, [shape_of(value)] * times)


# -- recognition ---------------------------------------------------------------------------


def test_shape_of_the_documented_instance_recognises_ids_and_offset_datetimes() -> None:
    shape = shape_of(EXAMPLES["create_response"])

    assert shape["type"] == "object"
    assert shape["optional"] == []
    keys = bare(shape)["keys"]
    assert keys["id"] == {"type": "string", "format": "id:custobj_"}
    assert keys["lead_id"] == {"type": "string", "format": "id:lead_"}
    assert keys["custom_object_type_id"] == {"type": "string", "format": "id:cotype_"}
    assert keys["created_by"] == {"type": "string", "format": "id:user_"}
    assert keys["organization_id"] == {"type": "string", "format": "id:orga_"}
    assert keys["date_created"] == {"type": "string", "format": "datetime+offset"}
    assert keys["name"] == {"type": "string"}
    # Custom field keys are shaped one by one (a recorder first renames them by field name).
    assert keys[CF_CHOICES] == {"type": "array", "items": {"type": "string"}}
    # Each node counts its values; a string without a format keeps them, a number its kind.
    assert shape["count"] == shape["keys"]["name"]["count"] == 1
    assert shape["keys"]["name"]["values"] == ["Resource"]
    assert shape["keys"][CF_CHOICES]["items"]["count"] == 2
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
    assert shape_of(1) == shape_of(1.0) == {"type": "number", "count": 1, "integer": True}
    assert shape_of(2.5) == {"type": "number", "count": 1, "integer": False}
    assert shape_of(10**400)["integer"] is True
    assert shape_of(True) == {"type": "boolean", "count": 1}
    assert shape_of(None) == {"type": "null", "count": 1}
    assert shape_of([]) == {"type": "array", "count": 1, "items": None}
    assert merge(shape_of(None), shape_of("x")) == {
        "type": "string",
        "count": 2,
        "nullable": True,
        "values": ["x"],
    }
    assert bare(merge(shape_of(1), shape_of("x"))) == {"type": ["number", "string"]}


def test_counts_add_up_and_value_sets_union_until_there_are_too_many() -> None:
    letters = [shape_of(chr(ord("a") + n)) for n in range(MAX_VALUES + 1)]

    assert reduce(merge, letters[:MAX_VALUES]) == {
        "type": "string",
        "count": MAX_VALUES,
        "values": ["a", "b", "c", "d", "e"],
    }
    # One value more and it is data, not a set; "many" absorbs whatever merges with it.
    assert reduce(merge, letters) == {"type": "string", "count": MAX_VALUES + 1, "many": True}
    assert merge(reduce(merge, letters), shape_of("a"))["many"] is True
    # A long text is never a member of a set; a string with a format keeps none.
    assert shape_of("x" * 65) == {"type": "string", "count": 1, "many": True}
    assert "values" not in merge(shape_of("a"), shape_of("2020-07-09"))
    # A number stays "integer" only while every value was one.
    assert merge(shape_of(1), shape_of(2))["integer"] is True
    assert merge(shape_of(1), shape_of(2.5))["integer"] is False
    # A side without counts or annotations (an edited baseline) leaves the result without.
    assert merge({"type": "number"}, shape_of(2)) == {"type": "number"}


def test_objects_in_arrays_merge_and_mark_keys_seen_sometimes_as_optional() -> None:
    shape = shape_of({"data": [{"id": "lead_abcdefghij01", "n": 1}, {"id": "x"}]})

    item = shape["keys"]["data"]["items"]
    assert item["optional"] == ["n"]
    assert (item["count"], item["keys"]["n"]["count"]) == (2, 1)
    # Formats that disagree leave a plain string.
    assert bare(item["keys"]["id"]) == {"type": "string"}


def test_field_errors_keys_fold_into_one_entry() -> None:
    one = shape_of({"errors": [], "field-errors": {"lead": "This field is required."}})
    other = shape_of({"errors": [], "field-errors": {"custom.cf_x": "Bad.", "name": "Empty."}})

    assert bare(one["keys"]["field-errors"]) == {
        "type": "object",
        "keys": {"*": {"type": "string"}},
        "map": True,
    }
    # The request keys differ per case; the shape does not.
    assert bare(one) == bare(other)
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

    assert bare(shape["keys"]["meta"]) == {
        "type": "object",
        "keys": {"*": {"type": "number"}},
        "map": True,
    }
    assert shape["keys"]["field-errors"]["keys"] == {
        "k": {"type": "string", "count": 1, "values": ["v"]}
    }
    # A map's entries are data: what their values were is not kept.
    assert shape["keys"]["meta"]["keys"]["*"] == {"type": "number", "count": 2}
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
def test_merge_keeps_the_structure_of_equal_shapes_and_shapes_validate(a: dict[str, Any]) -> None:
    # Counts add up (merge is not idempotent), the structure does not change.
    assert bare(merge(a, a)) == bare(a)
    assert merge(a, a)["count"] == 2 * a["count"]
    validate_shape(a)
    assert compare(a, a) == []
    assert compare(merge(a, a), a) == compare(a, merge(a, a)) == []


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
    [difference] = compare(seen(BASE), seen(new))

    assert difference.kind == "removed_key"
    assert difference.path == "$.date_updated"
    assert difference.severity == "breaking"
    assert difference.old == {"type": "string", "format": "datetime+offset", "count": 5}
    assert difference.new is None
    # One answer on either side cannot tell a removal from a key that is there most times.
    assert compare(shape_of(BASE), seen(new)) == compare(seen(BASE), shape_of(new)) == []
    # An edited baseline without counts is taken at its word.
    assert kinds(compare(bare(seen(BASE)), bare(seen(new)))) == [
        ("removed_key", "$.date_updated", "breaking")
    ]


def test_added_key_is_additive() -> None:
    diffs = compare(seen(BASE), seen(changed(description="x")))

    assert kinds(diffs) == [("added_key", "$.description", "additive")]
    assert bare(diffs[0].new) == {"type": "string"}


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
    always = seen({"x": 1}, 10)
    sometimes = merge(seen({"x": 1}), seen({}))

    assert kinds(compare(always, sometimes)) == [("became_optional", "$.x", "breaking")]
    assert kinds(compare(sometimes, always)) == [("became_required", "$.x", "additive")]
    # A run with fewer examples may simply have seen the key every time.
    assert compare(sometimes, always, partial=True) == []
    # One absence in ten is no evidence: a key there nine times in ten shows that often.
    assert compare(always, merge(seen({"x": 1}, 9), shape_of({}))) == []


def test_an_optional_key_is_removed_only_where_it_would_have_come_up() -> None:
    sometimes = merge(seen({"x": 1}), seen({}))

    # Present in half of ten answers, absent from five: it may simply not have come up.
    assert compare(sometimes, seen({})) == []
    # Absent from twenty, where ten would have shown it: removed (WARN in the rule table).
    assert kinds(compare(sometimes, seen({}, 20))) == [("optional_key_removed", "$.x", "breaking")]
    # An edited baseline's "sometimes" without counts is never a removal.
    assert compare(bare(sometimes), bare(seen({}, 20))) == []


@pytest.mark.parametrize(
    ("counts", "low"),
    [
        ((9, 9, 0, 4), True),  # in all of 9, in none of 4: gone
        ((9, 9, 0, 1), False),  # in none of 1: a key there 90% of the time does that
        ((4, 4, 0, 4), True),
        ((9, 9, 8, 9), False),  # one absence in nine
        ((5, 10, 0, 10), True),
        ((1, 10, 0, 10), False),
        ((0, 10, 3, 10), False),
        ((50, 100, 50, 100), False),  # the same rate
    ],
)
def test_steady_chance(counts: tuple[int, int, int, int], low: bool) -> None:
    assert (steady_chance(*counts) < 0.01) is low


def test_a_value_set_that_widens_and_an_integer_that_takes_a_fraction() -> None:
    old = reduce(merge, [shape_of({"state": s, "n": 3}) for s in ("open", "closed")] * 15)
    new = merge(shape_of({"state": "archived", "n": 2.5}), shape_of({"state": "open", "n": 1}))

    diffs = compare(old, new)
    assert kinds(diffs) == [
        ("became_non_integer", "$.n", "breaking"),
        ("value_added", "$.state", "breaking"),
    ]
    assert (diffs[1].old, diffs[1].new) == (["closed", "open"], ["archived"])
    # More values than a set holds is a widening too; fewer is not.
    many = reduce(merge, [shape_of({"state": f"s{n}", "n": 1}) for n in range(MAX_VALUES + 1)])
    assert [(d.kind, d.new) for d in compare(old, many)] == [("value_added", "many")]
    assert compare(old, shape_of({"state": "open", "n": 1})) == []


def test_choices_and_data_keys_follow_the_field_definitions() -> None:
    old, new = seen({"c": "A", "d": 1}), merge(seen({"c": "Z"}), seen({"c": "Z"}))
    scope = ShapeScope(data_paths=frozenset({"$.c", "$.d"}), choices={"$.c": frozenset({"A"})})

    # A key whose presence is data is never removed; a choices value is held to its choices.
    diffs = compare(old, new, scope=scope)
    assert [(d.kind, d.path, d.old, d.new) for d in diffs] == [("value_added", "$.c", ["A"], ["Z"])]
    assert kinds(compare(old, new)) == [
        ("value_added", "$.c", "breaking"),
        ("removed_key", "$.d", "breaking"),
    ]


def test_an_edited_integer_type_reads_as_a_number_that_held_integers() -> None:
    edited = {"type": "object", "keys": {"n": {"type": ["integer", "null"]}}}

    assert normalize_shape(edited)["keys"]["n"] == {
        "type": "number",
        "integer": True,
    } | {"type": ["null", "number"]}
    validate_shape(normalize_shape(edited))
    assert summarize(normalize_shape({"type": "integer"})) == "integer"


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
        ({"type": "string", "count": -1}, "'count' must be a whole number"),
        ({"type": "string", "values": [1]}, "'values' must be a list of strings"),
        ({"type": "number", "integer": "yes"}, "'integer' must be true or false"),
    ],
)
def test_validate_shape_names_the_bad_place(bad: Any, fragment: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        validate_shape(bad)
    assert fragment in str(caught.value)
