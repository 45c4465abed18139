"""Mutations of custom field values (``custom.cf_…`` keys)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import strategies as st

from strategies._model import Field, TypeModel
from strategies._mutation import (
    BAD_REQUEST,
    BAD_REQUEST_OR_NOT_FOUND,
    Mutation,
    Variant,
    no_target,
    shown,
)
from strategies._top_level import malformed_ids
from strategies._values import ids

__all__ = ["CUSTOM_MUTATIONS"]

# Values of another JSON type, per field type. Only types a lenient server cannot coerce
# into the field's type: no numeric strings for numbers, no numbers for text, and no
# empty strings (which a server may read as "clear the value").
_WRONG: dict[str, tuple[Any, ...]] = {
    "text": ({"value": "text"}, True, False, {}),
    "number": ("twelve", "not a number", "12 apples", True, False, {"value": 1}),
    "date": (20240101, 0, 1.5, True, {"date": "2024-01-01"}),
    "datetime": (1700000000, 0, 1.5, True, {"datetime": "2024-01-01T00:00:00Z"}),
    "choices": (1, 0, 2.5, True, {"choice": "value"}),
    "user": (12345, True, {"id": "user_x"}),
    "contact": (12345, True, {"id": "cont_x"}),
    "custom_object": (12345, True, {"id": "custobj_x"}),
}
_YEARS = st.integers(min_value=1900, max_value=2100)
# Only values no date parser can read as a date: impossible calendar days and prose. A
# day-first form such as 31/12/2024 is left out, since Close documents no accepted formats
# and a lenient server may read it.
_BAD_DATES = st.one_of(
    st.builds("{:04d}-02-{}".format, _YEARS, st.sampled_from([30, 31])),
    st.builds("{:04d}-{:02d}-32".format, _YEARS, st.integers(min_value=1, max_value=12)),
    st.builds("{:04d}-13-01".format, _YEARS),
    st.sampled_from(["not a date", "2023-02-30", "2024-00-10"]),
)
_BAD_DATETIMES = st.one_of(
    st.builds("{:04d}-02-30T10:00:00+00:00".format, _YEARS),
    st.builds("{:04d}-06-01T25:00:00Z".format, _YEARS),
    st.builds("{:04d}-06-01T10:60:00.000+02:00".format, _YEARS),
    st.builds("{:04d}-13-01T00:00:00Z".format, _YEARS),
    st.sampled_from(["not a datetime", "2024-12-31T24:30:00Z"]),
)
_NOT_CHOICES = ("Not a choice", "__not_a_choice__", "Ŋot ą ćhoice", "none of these")


def _key(target: str | None) -> str:
    if target is None:
        raise ValueError("this mutation needs a custom field key as its target")
    return target


def _with_item(base: dict[str, Any], key: str, bad: Any) -> list[Any]:
    # A multi-value field gets its valid values plus one bad one: only the bad item differs.
    kept = base.get(key)
    return [*(kept if isinstance(kept, list) else []), bad]


def _set(base: dict[str, Any], field: Field, value: Any, what: str) -> Variant:
    base[field.key] = value
    return Variant(payload=base, detail=f"{field.label()} is {shown(value)} ({what})")


def _known(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.known_type)


def _dated(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.known_type and f.type in ("date", "datetime"))


def _referencing(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.known_type and f.reference is not None)


def _with_choices(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.type == "choices" and f.choices)


def _required(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.required)


def _wrong_type(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(_key(target))
    wrong = _WRONG[str(field.type)]
    if not field.multi:
        return _set(base, field, draw(st.sampled_from(wrong)), "a wrong JSON type")
    value = draw(
        st.one_of(
            st.sampled_from([{"values": []}, True, False]),
            st.sampled_from(wrong).map(lambda item: [item]),
        )
    )
    return _set(base, field, value, "neither a list of valid values nor a valid value")


def _bad_format(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(_key(target))
    bad = draw(_BAD_DATES if field.type == "date" else _BAD_DATETIMES)
    value = _with_item(base, field.key, bad) if field.multi else bad
    return _set(base, field, value, f"not an ISO 8601 {field.type}")


def _prefix(field: Field) -> str:
    found = re.match(r"\^([A-Za-z]+_)", field.pattern or "")
    return found.group(1) if found else f"{field.type}_"


def _reference_malformed(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(_key(target))
    prefix = _prefix(field)
    bad = draw(malformed_ids(prefix, 43))
    value = _with_item(base, field.key, bad) if field.multi else bad
    return _set(base, field, value, f"not a {prefix}… id")


def _choice_not_allowed(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(_key(target))
    allowed = set(map(str, field.choices))
    derived = [f"{choice} (not a choice)" for choice in field.choices[:3]]
    candidates = [c for c in (*_NOT_CHOICES, *derived) if c not in allowed]
    bad = draw(st.sampled_from(candidates))
    value = _with_item(base, field.key, bad) if field.multi else bad
    return _set(base, field, value, f"not one of {shown(list(field.choices), 40)}")


def _required_custom_missing(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(_key(target))
    base.pop(field.key, None)
    return Variant(payload=base, detail=f"the required field {field.label()} is missing")


def _unknown_field(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    taken = {f.key for f in model.fields}
    key = draw(ids("custom.cf_", 43).filter(lambda k: k not in taken))
    base[key] = draw(st.sampled_from(["value", "Basic", "2024-01-01"]))
    return Variant(payload=base, detail=f"{key} is not a field of {model.label()}")


CUSTOM_MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        name="unknown_custom_field",
        reason="a custom key must name a field of the type: 400 or 404 (Close documents neither)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=False,
        targets=no_target,
        build=_unknown_field,
    ),
    Mutation(
        name="custom_wrong_type",
        reason="a custom value must have its field type's JSON type, so the create must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_known,
        build=_wrong_type,
    ),
    Mutation(
        name="custom_bad_format",
        reason="a date or datetime value must be a real ISO 8601 date, so the create must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_dated,
        build=_bad_format,
    ),
    Mutation(
        name="custom_reference_malformed",
        reason="a reference value must be an id of the referenced kind: 400 or 404 (undocumented)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=False,
        targets=_referencing,
        build=_reference_malformed,
    ),
    Mutation(
        name="choice_not_allowed",
        reason="a choices value must be one of the field's choices, so the create must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_with_choices,
        build=_choice_not_allowed,
    ),
    Mutation(
        name="required_custom_missing",
        reason="a required custom field must be set on create (DOC), so the create must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_required,
        build=_required_custom_missing,
    ),
)
