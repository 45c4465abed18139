"""Mutations of the documented top-level keys: custom_object_type_id, lead_id, name."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies._model import TOP_LEVEL, TypeModel
from strategies._mutation import (
    ACCEPTED_OR_400,
    BAD_REQUEST,
    BAD_REQUEST_OR_NOT_FOUND,
    Builder,
    Mutation,
    Targets,
    Variant,
    no_target,
    shown,
)
from strategies._values import BASE62, ids

__all__ = ["TOP_LEVEL_MUTATIONS", "malformed_ids"]

_REQUIRED = "custom_object_type_id, lead_id and name are required (DOC)"
_PREFIXES = ("lead_", "cont_", "user_", "custobj_", "cotype_", "orga_", "cf_")


def _required(model: TypeModel) -> tuple[str | None, ...]:
    return TOP_LEVEL


def _only(key: str) -> Targets:
    def targets(model: TypeModel) -> tuple[str | None, ...]:
        return (key,)

    return targets


def _key(target: str | None) -> str:
    if target is None:
        raise ValueError("this mutation needs a target key")
    return target


def _missing(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    del base[_key(target)]
    return Variant(payload=base, detail=f"{target} is missing")


def _null(draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]) -> Variant:
    base[_key(target)] = None
    return Variant(payload=base, detail=f"{target} is null")


def _wrong_type(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    key = _key(target)
    good = base[key]
    # Realistic slips first: the right value wrapped in a list or an object.
    value = draw(st.sampled_from([[good], {"id": good}, 12345, 0, -1.5, True, False, {}, []]))
    base[key] = value
    return Variant(payload=base, detail=f"{key} is {shown(value)} instead of a string")


def _name_empty(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    base["name"] = ""
    return Variant(payload=base, detail="name is the empty string")


def malformed_ids(prefix: str, length: int) -> st.SearchStrategy[str]:
    """Strings that are not ``prefix`` + base62 ids (another kind, bad characters, …).

    Every branch is invalid by construction (wrong or missing prefix, or a character
    outside base62), so shrinking cannot produce a well-formed id.
    """
    others = [p for p in _PREFIXES if p != prefix]
    body = st.text(alphabet=BASE62, min_size=1, max_size=length)
    return st.one_of(
        st.builds(str.__add__, st.sampled_from(others), body),
        st.builds(
            lambda left, bad, right: f"{prefix}{left}{bad}{right}",
            body,
            st.sampled_from(["-", "!", ".", " ", "/", "é", "%20"]),
            body,
        ),
        body.map(lambda text: prefix.upper() + text),
        body.map(lambda text: prefix[:-1] + "-" + text),
        st.sampled_from([prefix, "", "not-an-id", "12345", "null", f" {prefix}x"]),
    )


def _malformed(kind: str, length: int) -> Builder:
    def build(
        draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
    ) -> Variant:
        key = _key(target)
        value = draw(malformed_ids(kind, length))
        base[key] = value
        return Variant(payload=base, detail=f"{key} is {shown(value)}, not a {kind}… id")

    return build


def _nonexistent_lead(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    value = draw(ids("lead_", 43).filter(lambda v: v != base["lead_id"]))
    base["lead_id"] = value
    return Variant(payload=base, detail=f"lead_id is {value}, a well-formed id of no lead")


def _nonexistent_type(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    value = draw(ids("cotype_", 22).filter(lambda v: v != model.type_id))
    base["custom_object_type_id"] = value
    return Variant(
        payload=base, detail=f"custom_object_type_id is {value}, a well-formed id of no type"
    )


# Neutral names that no Close resource uses, so the probe cannot change what is created.
_EXTRA_KEYS = ("unknown_key", "x_contract_probe", "extra", "zz_undocumented")
_EXTRA_VALUES = st.one_of(
    st.sampled_from(["probe", "", 0, 1.5, True, None]),
    st.just({"nested": "value"}),
    st.just(["a", "b"]),
)


# Look-alikes of "name": a zero-width character or a space inside or around it. JSON keys
# are compared as exact strings (RFC 8259), so none of them is the documented key.
_LOOK_ALIKES = ("na\u200bme", "name\u200b", "\u200dname", "\ufeffname", "na me", " name", "name ")


def _mangled_name(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    key = draw(st.sampled_from(_LOOK_ALIKES))
    base[key] = base.pop("name")
    return Variant(payload=base, detail=f"name is sent under the look-alike key {key!r}")


def _extra_key(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    key = draw(st.sampled_from(_EXTRA_KEYS))
    value = draw(_EXTRA_VALUES)
    base[key] = value
    return Variant(payload=base, detail=f"the undocumented top-level key {key!r} is added")


TOP_LEVEL_MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        name="required_missing",
        reason=f"{_REQUIRED}, so a create without one must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_required,
        build=_missing,
    ),
    Mutation(
        name="required_null",
        reason="a required key (DOC) set to null has no value, so the create must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_required,
        build=_null,
    ),
    Mutation(
        name="required_wrong_type",
        reason="the required keys are id or name strings, so another JSON type must get 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_required,
        build=_wrong_type,
    ),
    Mutation(
        name="name_empty",
        reason="name is required for display (DOC) and an empty name is no name: 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_only("name"),
        build=_name_empty,
    ),
    Mutation(
        name="malformed_type_id",
        reason="a type id is 'cotype_' + base62, so no type can match: 400 or 404 (undocumented)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=False,
        targets=_only("custom_object_type_id"),
        build=_malformed("cotype_", 22),
    ),
    Mutation(
        name="nonexistent_type",
        reason="the type must exist in the organization: 400 or 404 (Close documents neither)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=False,
        targets=_only("custom_object_type_id"),
        build=_nonexistent_type,
    ),
    Mutation(
        name="malformed_lead_id",
        reason="a lead id is 'lead_' + base62, so no lead can match: 400 or 404 (undocumented)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=False,
        targets=_only("lead_id"),
        build=_malformed("lead_", 43),
    ),
    Mutation(
        name="nonexistent_lead",
        reason="the instance must belong to an existing lead: 400 or 404 (Close documents neither)",
        expected_statuses=BAD_REQUEST_OR_NOT_FOUND,
        schema_valid=True,
        targets=_only("lead_id"),
        build=_nonexistent_lead,
    ),
    Mutation(
        name="unknown_top_level_key",
        reason="Close does not document whether extra keys are ignored or rejected: 2xx or 400",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=no_target,
        build=_extra_key,
    ),
    Mutation(
        name="mangled_key_name",
        reason="a look-alike of the key name (a zero-width character or a space in it) is not "
        "name, which is required (DOC): 400",
        expected_statuses=BAD_REQUEST,
        schema_valid=False,
        targets=_only("name"),
        build=_mangled_name,
    ),
)
