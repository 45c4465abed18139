"""Mutations Close may accept or refuse: payload classes from CATS and Web Fuzzing Commons.

Close documents no maximum length, no numeric range, no rule for unusual characters or
duplicated keys, and no answer to read-only keys in a create; so each case here may get a
2xx or a 400, never a 5xx. What a 2xx must then show is said by the mutation's
``accepted`` (see :data:`~strategies._mutation.Accepted`), and judged by the checks.
"""

from __future__ import annotations

from typing import Any, Final

from hypothesis import strategies as st

from strategies._case import compact_json
from strategies._model import TypeModel
from strategies._mutation import ACCEPTED_OR_400, Mutation, Variant, no_target, shown
from strategies._unusual import MAX_LADDER_KEYS, TEXT_LENGTHS, UNICODE_CLASSES, long_text
from strategies._values import ids, names

__all__ = ["ACCEPTING_MUTATIONS", "HUGE_LIST", "HUGE_NAME", "READ_ONLY_KEYS", "text_keys"]

READ_ONLY_KEYS: Final[tuple[str, ...]] = (
    "id",
    "organization_id",
    "created_by",
    "updated_by",
    "date_created",
    "date_updated",
)
"""Keys every instance answers but no request sets: the server's own (OAS examples)."""

HUGE_NAME: Final = 40_000
"""The length of the oversized name, in characters."""

HUGE_LIST: Final = 2_000
"""The number of items of the oversized multi-value list."""

# Magnitudes past 2**53 (no longer every integer is a double) up to the largest double:
# each is a double exactly, so a server that stores doubles echoes it unchanged.
_HUGE_NUMBERS: Final[tuple[int | float, ...]] = (
    2**60,
    -(2**60),
    1e308,
    -1e308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
)
# Timestamps in Close's own form (its OpenAPI examples): well-formed, long past, and so
# never the time a server stamps on an instance it makes now.
_PAST_CREATED = "2020-08-04T16:45:35.367000+00:00"
_PAST_UPDATED = "2020-08-04T17:37:56.439000+00:00"
_MAY = "undocumented: 2xx or 400, never 5xx"


def text_keys(model: TypeModel) -> list[str]:
    """The name and the type's text fields, in the schema's order."""
    texts = (f.key for f in model.fields if f.type == "text" and f.known_type and not f.multi)
    return ["name", *texts]


def _read_only(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    # Well-formed ids of nothing: a server that took one would file the instance under an
    # id, an organization or a user that does not exist, never under someone else's.
    base["id"] = draw(ids("custobj_", 43))
    base["organization_id"] = draw(ids("orga_", 43))
    base["created_by"] = draw(ids("user_", 43))
    base["updated_by"] = draw(ids("user_", 43))
    base["date_created"] = _PAST_CREATED
    base["date_updated"] = _PAST_UPDATED
    return Variant(payload=base, detail=f"the read-only keys {', '.join(READ_ONLY_KEYS)} are sent")


def _huge_name(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    base["name"] = long_text(HUGE_NAME, "name")
    return Variant(payload=base, detail=f"name is {HUGE_NAME:,} characters long")


def _numbers(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.known_type and f.type == "number")


def _huge_number(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(str(target))
    value = draw(st.sampled_from(_HUGE_NUMBERS))
    base[field.key] = [value] if field.multi else value
    return Variant(payload=base, detail=f"{field.label()} is {value!r}, past 2**53")


def _lists(model: TypeModel) -> tuple[str | None, ...]:
    return tuple(f.key for f in model.fields if f.known_type and f.multi and f.choices)


def _huge_list(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    field = model.field(str(target))
    choices = list(field.choices)
    # The field's own choices over and over: every item valid, the list far too long.
    base[field.key] = [choices[i % len(choices)] for i in range(HUGE_LIST)]
    return Variant(payload=base, detail=f"{field.label()} holds {HUGE_LIST:,} items")


def _duplicated(model: TypeModel) -> tuple[str | None, ...]:
    # The name, and a text field where there is one: on a lead the run did not create, a
    # name that may come back as either value cannot prove an instance the run's own.
    return tuple(text_keys(model)[:2])


def _duplicate_key(
    draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
) -> Variant:
    key = str(target)
    first = base[key] if isinstance(base.get(key), str) else draw(names())
    second = draw(names().filter(lambda text: text != first))
    base[key] = second
    # The key first with one value, then the whole payload, which holds it again: a parser
    # that keeps the last sees exactly ``base``.
    body = b"{" + compact_json(key) + b":" + compact_json(first) + b"," + compact_json(base)[1:]
    detail = f"{key} is sent twice, as {shown(first, 30)} and then {shown(second, 30)}"
    return Variant(payload=base, body=body, detail=detail)


def _ladder(draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]) -> Variant:
    keys = text_keys(model)
    for number, key in enumerate(keys):
        if number < MAX_LADDER_KEYS:
            base[key] = long_text(TEXT_LENGTHS[0], key)
        elif key in base:
            base[key] = "short"  # beyond the first few, only the ladder's keys are long
    shown_lengths = ", ".join(f"{n:,}" for n in TEXT_LENGTHS)
    long_keys = ", ".join(keys[:MAX_LADDER_KEYS])
    return Variant(
        payload=base, detail=f"{long_keys} are sent at {shown_lengths} characters in turn"
    )


def _unicode(name: str) -> Mutation:
    kind = UNICODE_CLASSES[name]

    def build(
        draw: st.DrawFn, model: TypeModel, target: str | None, base: dict[str, Any]
    ) -> Variant:
        keys = text_keys(model)
        for key in keys:
            base[key] = kind.text
        return Variant(payload=base, detail=f"{', '.join(keys)} hold {kind.summary}")

    what = "visible text" if kind.visible else "text a server may clean"
    return Mutation(
        name=f"unicode_{name}",
        reason=f"{what}, {_MAY}; if accepted, echoed as sent, trimmed or in NFC",
        expected_statuses=ACCEPTED_OR_400,
        # Only a name of nothing but whitespace breaks the schema (name must not be blank).
        schema_valid=name != "whitespace_only",
        targets=no_target,
        build=build,
        accepted="normalised" if kind.visible else "invisible",
    )


ACCEPTING_MUTATIONS: tuple[Mutation, ...] = (
    Mutation(
        name="read_only_keys",
        reason="read-only keys are the server's: ignored (2xx, its own values) or refused "
        "(400), on create and on PUT",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=no_target,
        build=_read_only,
        accepted="read_only",
    ),
    Mutation(
        name="huge_name",
        reason=f"a {HUGE_NAME:,}-character name is {_MAY}; if accepted, echoed exactly",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=no_target,
        build=_huge_name,
        accepted="exact",
    ),
    Mutation(
        name="huge_number",
        reason=f"a number past 2**53 is {_MAY}; if accepted, echoed as the same number",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=_numbers,
        build=_huge_number,
        accepted="exact",
    ),
    Mutation(
        name="huge_list",
        reason=f"a list of {HUGE_LIST:,} values is {_MAY}; if accepted, echoed with every item",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=False,  # the items repeat, which the schema's uniqueItems refuses
        targets=_lists,
        build=_huge_list,
        accepted="exact",
    ),
    Mutation(
        name="duplicate_key",
        reason="RFC 8259 leaves a duplicated key to the parser: 400, or 2xx holding one of "
        "its values",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=_duplicated,
        build=_duplicate_key,
        accepted="either",
    ),
    Mutation(
        name="text_lengths",
        reason=f"Close documents no maximum length ({_MAY}); an accepted text is echoed "
        "exactly, never cut",
        expected_statuses=ACCEPTED_OR_400,
        schema_valid=True,
        targets=no_target,
        build=_ladder,
        accepted="ladder",
    ),
    *(_unicode(name) for name in UNICODE_CLASSES),
)
