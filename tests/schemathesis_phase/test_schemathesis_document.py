"""How the schemathesis document holds text, on a hand-made type: valid data carries only
text every server keeps as sent, and text Close leaves undocumented is never an error."""

from __future__ import annotations

import copy
import unicodedata
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from contract.schemas import (
    openapi_document,
    request_schema_for,
    response_schema_for,
    update_schema_for,
    validator_for,
)
from contract.schemathesis_phase import specialise_for_schemathesis
from contract.schemathesis_phase._document import (
    SURE_TEXT_PATTERN,
    lenient,
    positive_document,
    valid_creates_possible,
)

LEAD = "lead_" + "L" * 43
TYPE: dict[str, Any] = {"id": "cotype_" + "T" * 22, "name": "Gadget"}


def _field(name: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"id": f"cf_{name}", "name": name, "type": kind, **more}


FIELDS = [
    _field("serial", "text", required=True),
    _field("tags", "text", accepts_multiple_values=True),
    _field("notes", "text"),
    _field("seats", "number"),
    _field("start", "date"),
    _field("plan", "choices", choices=["Basic", "Pro"]),
    _field("owner", "user"),
]
SERIAL, TAGS, NOTES = "custom.cf_serial", "custom.cf_tags", "custom.cf_notes"
OWNER = "custom.cf_owner"
NOT_TEXT = ("custom.cf_seats", "custom.cf_start", "custom.cf_plan", OWNER)
USER = "user_" + "U" * 43

SURE = ["Plain name", "x", "Café ☕ 東京", "a  b", "a\u00a0b", "😀", "שלום", "e\u0301"]
UNSURE = [
    "",
    " ",
    "\t",
    " x",
    "x ",
    "\tx",
    "x\n",
    "x\u3000",
    "\u00a0x",
    "\ufeffx",
    "\x1fx",
    "x\x1c",
    "a\x00b",
    "a\nb",
    "x\u2028y",
]


def special(
    fields: list[dict[str, Any]] = FIELDS, references: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The specialised document of the hand-made type (its user field pinned to a user)."""
    document = openapi_document(
        request_schema=request_schema_for(TYPE, fields),
        update_schema=update_schema_for(TYPE, fields),
        instance_schema=response_schema_for(TYPE, fields),
    )
    return specialise_for_schemathesis(
        document, LEAD, {"user": [USER]} if references is None else references
    )


def _bodies(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    schemas = document["components"]["schemas"]
    return schemas["CustomObjectCreateRequest"], schemas["CustomObjectUpdateRequest"]


def _create(name: Any = "Gadget", serial: Any = "SN-1", **more: Any) -> dict[str, Any]:
    return {
        "custom_object_type_id": TYPE["id"],
        "lead_id": LEAD,
        "name": name,
        SERIAL: serial,
        **more,
    }


def test_valid_text_is_never_empty_nor_padded_in_the_positive_document() -> None:
    strict = special()
    pristine = copy.deepcopy(strict)

    positive = positive_document(strict)

    # Then the name and every text value (also in a list, also in the update) is sure text
    create, update = _bodies(positive)
    sure = {"minLength": 1, "pattern": SURE_TEXT_PATTERN}
    for body in (create, update):
        assert body["properties"]["name"].items() >= sure.items()
        assert "allOf" not in body["properties"]["name"], "the name's own \\S is implied"
    assert create["properties"][SERIAL].items() >= {"type": "string", **sure}.items()
    assert create["properties"][SERIAL]["x-close-field"]["required"] is True
    assert create["properties"][TAGS]["items"].items() >= sure.items()
    # (optional values may be null in an update)
    (tags, null) = update["properties"][TAGS]["anyOf"]
    assert tags["items"].items() >= sure.items() and null == {"type": "null"}
    (text, null) = update["properties"][NOTES]["anyOf"]
    assert text.items() >= sure.items() and null == {"type": "null"}
    # ...the other fields, the responses and the document given are as they were
    strict_create, strict_update = _bodies(strict)
    for key in NOT_TEXT:
        assert create["properties"][key] == strict_create["properties"][key]
        assert update["properties"][key] == strict_update["properties"][key]
    for name in ("CustomObject", "CustomObjectList"):
        assert positive["components"]["schemas"][name] == strict["components"]["schemas"][name]
    assert positive["paths"] == strict["paths"]
    assert strict == pristine
    validate(positive)


@pytest.mark.parametrize("text", SURE)
def test_sure_text_is_valid(text: str) -> None:
    create, update = _bodies(positive_document(special()))
    assert validator_for(create).is_valid(_create(name=text, serial=text, **{TAGS: [text]}))
    assert validator_for(update).is_valid({"name": text, NOTES: text})


@pytest.mark.parametrize("text", UNSURE)
def test_blank_padded_or_control_text_is_not_surely_valid(text: str) -> None:
    create, update = _bodies(positive_document(special()))
    valid = validator_for(create).is_valid
    # Python's re lets $ match before a final newline; ECMA's (schemathesis's) does not.
    if not text.endswith("\n"):
        assert not valid(_create(name=text))
        assert not valid(_create(serial=text))
        assert not valid(_create(**{TAGS: [text]}))
        assert not validator_for(update).is_valid({NOTES: text})


@pytest.mark.parametrize("text", UNSURE)
def test_the_documented_layer_allows_any_text(text: str) -> None:
    # Given the strict document and its positive variant
    for document in (special(), positive_document(special())):
        create, update = _bodies(document)

        # Then Close's documentation (the lenient schema) allows any string as text
        allowed = validator_for(lenient(create, create=True)).is_valid
        assert allowed(_create(name=text, serial=text, **{TAGS: [text], NOTES: text}))
        assert validator_for(lenient(update, create=False)).is_valid({"name": text, NOTES: text})
        # ...but text is still a string
        assert not allowed(_create(name=12))
        assert not allowed(_create(serial=["x"]))


def test_a_pattern_of_its_own_is_kept_beside_the_sure_text_pattern() -> None:
    strict = special()
    create, _ = _bodies(strict)
    create["properties"][SERIAL]["pattern"] = "^SN-"

    serial = _bodies(positive_document(strict))[0]["properties"][SERIAL]

    assert serial["pattern"] == "^SN-"
    assert serial["allOf"] == [{"pattern": SURE_TEXT_PATTERN}]
    valid = validator_for(_bodies(positive_document(strict))[0]).is_valid
    assert valid(_create(serial="SN-1")) and not valid(_create(serial="SN-1 "))
    assert not valid(_create(serial="X-1"))


def _is_sure(text: str) -> bool:
    return (
        bool(text)
        and text == text.strip()
        and text.strip("\ufeff") == text
        and not any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in text)
    )


def test_schemathesis_draws_only_sure_text_as_valid_data() -> None:
    schema = schemathesis.openapi.from_dict(positive_document(special()))
    drawn: list[str] = []

    @settings(
        max_examples=60, database=None, deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(schema["/custom_object/"]["POST"].as_strategy(generation_mode=GenerationMode.POSITIVE))
    def draw(case: Any) -> None:
        body = case.body
        drawn.extend([body["name"], body[SERIAL], *body.get(TAGS, [])])
        drawn.extend([body[NOTES]] if isinstance(body.get(NOTES), str) else [])

    draw()

    assert len(drawn) >= 120
    assert [text for text in drawn if not _is_sure(text)] == []


def test_valid_data_leaves_out_an_optional_reference_without_ids() -> None:
    # Given a run that knows no user id for the optional user field
    strict = special(references={})

    positive = positive_document(strict)

    # Then valid data never carries it (a made-up id names nothing), data that breaks the
    # document still may, and a create can still be valid
    for strict_body, body in zip(_bodies(strict), _bodies(positive), strict=True):
        assert OWNER in strict_body["properties"] and OWNER not in body["properties"]
        assert body["additionalProperties"] is False
    assert valid_creates_possible(positive)
    # ...while a pinned one stays, with its ids
    pinned = _bodies(positive_document(special()))[0]["properties"][OWNER]
    assert pinned["enum"] == [USER]


def test_no_create_can_be_valid_without_ids_for_a_required_reference() -> None:
    fields = [*FIELDS, _field("asset", "custom_object", required=True)]
    assert not valid_creates_possible(special(fields))
    instance = "custobj_" + "C" * 43
    assert valid_creates_possible(special(fields, {"user": [USER], "custom_object": [instance]}))
