"""valid_payloads: every draw validates, values are realistic and nasty, references are used."""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import date, datetime
from functools import cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_schemas import (
    ASSET_TYPE_ID,
    ASSETS,
    CONTACTS,
    LEAD,
    REFS,
    TYPE_ID,
    USERS,
    cf,
    draws,
    empty_schema,
    forty_schema,
    rich_schema,
)

from contract import validator_for
from strategies import Case, MissingReferenceError, invalid_payloads, valid_payloads

_FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _check_text(value: str, limit: int = 200) -> None:
    assert 0 < len(value) <= limit
    assert value == value.strip(), "no leading or trailing whitespace (servers may strip)"
    assert any(ch.isalnum() for ch in value)
    assert unicodedata.is_normalized("NFC", value)
    # The zero-width joiner is allowed inside emoji sequences; no other format character.
    bad = [ch for ch in value if unicodedata.category(ch) in _FORBIDDEN and ch != "\u200d"]
    assert not bad, f"control, format, surrogate or unassigned characters in {value!r}"


def _check_number(value: Any) -> None:
    assert isinstance(value, int | float) and not isinstance(value, bool)
    assert math.isfinite(value) and abs(value) <= 2**53
    assert json.loads(json.dumps(value)) == value


def _dates_in(case: Case) -> list[str]:
    value = case.payload.get(f"custom.{cf('date')}")
    return [value] if isinstance(value, str) else []


@settings(max_examples=150)
@given(valid_payloads(rich_schema(), references=REFS))
def test_every_valid_payload_validates_against_its_schema(case: Case) -> None:
    # When a valid case is drawn for the richest type
    # Then the schema accepts it, it must succeed, and every value is well-behaved
    validator = validator_for(rich_schema())
    assert not list(validator.iter_errors(case.payload))
    assert case.mutation is None and case.target is None and case.schema_valid
    assert case.expected_statuses == frozenset(range(200, 300))
    assert case.send_credentials and case.headers == () and case.body is None
    assert "\n" not in case.reason
    payload = case.payload
    assert payload["custom_object_type_id"] == TYPE_ID and payload["lead_id"] == LEAD
    _check_text(payload["name"])
    for tag in ("text", "textreq"):
        if (text := payload.get(f"custom.{cf(tag)}")) is not None:
            _check_text(text, limit=300)
    for tag in ("num", "numreq"):
        if f"custom.{cf(tag)}" in payload:
            _check_number(payload[f"custom.{cf(tag)}"])
    for day in _dates_in(case):
        assert 1900 <= date.fromisoformat(day).year <= 2100
    if (moment := payload.get(f"custom.{cf('datetime')}")) is not None:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
        offset = parsed.utcoffset()
        assert offset is not None and offset.total_seconds() % 60 == 0
        assert parsed.microsecond % 1000 == 0, "Close stores milliseconds"
    assert payload.get(f"custom.{cf('owner')}", USERS[0]) in USERS
    assert set(payload.get(f"custom.{cf('watchers')}", [])) <= set(USERS)
    assert payload.get(f"custom.{cf('contact')}", CONTACTS[0]) in CONTACTS
    assert payload[f"custom.{cf('asset')}"] in ASSETS


@settings(max_examples=30)
@given(valid_payloads(empty_schema(), references={"lead": [LEAD]}))
def test_a_type_without_custom_fields_gets_the_three_required_keys(case: Case) -> None:
    assert set(case.payload) == {"custom_object_type_id", "lead_id", "name"}
    assert validator_for(empty_schema()).is_valid(case.payload)


@settings(max_examples=40)
@given(valid_payloads(forty_schema(), references=REFS))
def test_a_type_with_forty_fields_gets_valid_payloads(case: Case) -> None:
    assert not list(validator_for(forty_schema()).iter_errors(case.payload))


def test_optional_reference_fields_without_ids_are_left_out() -> None:
    # If only the ids for the required reference field are known
    refs = {"lead": [LEAD], f"custom_object:{ASSET_TYPE_ID}": ASSETS}

    # When many payloads are drawn
    @settings(max_examples=60)
    @given(valid_payloads(rich_schema(), references=refs))
    def check(case: Case) -> None:
        # Then user and contact fields never appear, and the payload is still valid
        for tag in ("owner", "watchers", "contact"):
            assert f"custom.{cf(tag)}" not in case.payload
        assert validator_for(rich_schema()).is_valid(case.payload)

    check()


def test_missing_lead_ids_raise_when_the_strategy_is_built() -> None:
    with pytest.raises(MissingReferenceError, match=r"lead_id.*references=\{'lead'"):
        valid_payloads(empty_schema())
    with pytest.raises(MissingReferenceError, match="lead"):
        invalid_payloads(empty_schema(), references={"user": USERS})


def test_a_required_reference_field_without_ids_names_the_field_and_the_key() -> None:
    refs = {"lead": [LEAD]}
    with pytest.raises(MissingReferenceError) as raised:
        valid_payloads(rich_schema(), references=refs)
    message = str(raised.value)
    assert f"custom.{cf('asset')}" in message
    assert f"'custom_object:{ASSET_TYPE_ID}'" in message
    assert isinstance(raised.value, ValueError)


def test_reference_ids_of_the_wrong_kind_are_refused() -> None:
    refs = {**REFS, "user": ["cont_" + "x" * 43]}
    with pytest.raises(ValueError, match=r"references\['user'\].*cont_"):
        valid_payloads(rich_schema(), references=refs)


def test_a_schema_that_is_not_per_type_is_refused() -> None:
    with pytest.raises(ValueError, match="request_schema_for"):
        valid_payloads({"type": "object", "properties": {}}, references=REFS)


@cache
def _sample() -> list[Case]:
    return draws(valid_payloads(rich_schema(), references=REFS), 500)


def _field(case: Case, tag: str) -> Any:
    return case.payload.get(f"custom.{cf(tag)}")


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(lambda c: len(c.payload["name"]) > 40, id="long name"),
        pytest.param(lambda c: len(c.payload["name"]) == 200, id="name at the limit"),
        pytest.param(lambda c: not c.payload["name"].isascii(), id="non-ASCII name"),
        pytest.param(
            lambda c: any(unicodedata.combining(ch) for ch in c.payload["name"]),
            id="combining mark",
        ),
        pytest.param(
            lambda c: any(ord(ch) >= 0x1F300 for ch in c.payload["name"]), id="emoji in name"
        ),
        pytest.param(
            lambda c: any("\u0590" <= ch <= "\u06ff" for ch in c.payload["name"]),
            id="right-to-left script",
        ),
        pytest.param(lambda c: " " in c.payload["name"], id="name with inner spaces"),
        pytest.param(lambda c: str(_field(c, "date")).endswith("-02-29"), id="leap day"),
        pytest.param(
            lambda c: str(_field(c, "date"))[5:] in ("04-30", "06-30", "09-30", "11-30", "12-31"),
            id="month end",
        ),
        pytest.param(lambda c: str(_field(c, "date")).startswith("19"), id="20th century"),
        pytest.param(lambda c: str(_field(c, "datetime"))[-6:-3] == "-03", id="negative offset"),
        pytest.param(lambda c: str(_field(c, "datetime"))[-3:] == ":30", id="half-hour offset"),
        pytest.param(lambda c: "." in str(_field(c, "datetime")), id="milliseconds"),
        pytest.param(lambda c: str(_field(c, "datetime")).endswith("Z"), id="Z offset"),
        pytest.param(lambda c: _field(c, "numreq") == 0, id="zero"),
        pytest.param(lambda c: (_field(c, "numreq") or 0) < 0, id="negative number"),
        pytest.param(lambda c: abs(_field(c, "numreq") or 0) >= 10**14, id="big number"),
        pytest.param(lambda c: isinstance(_field(c, "numreq"), float), id="decimal"),
        pytest.param(lambda c: len(_field(c, "channels") or ()) >= 2, id="several choices"),
        pytest.param(lambda c: len(_field(c, "watchers") or ()) >= 2, id="several users"),
        pytest.param(lambda c: _field(c, "text") is None, id="optional field absent"),
        pytest.param(lambda c: _field(c, "legacy") is not None, id="unknown-type field"),
    ],
)
def test_nasty_values_do_occur(condition: Any) -> None:
    # When a fixed-seed sample of valid cases is drawn
    # Then it holds the nasty value, in a payload that is still valid
    found = [case for case in _sample() if condition(case)]
    assert found, "never drawn in 500 valid cases"
    assert validator_for(rich_schema()).is_valid(found[0].payload)


def test_long_and_non_ascii_names_are_regular_not_rare() -> None:
    names = [case.payload["name"] for case in _sample()]
    assert sum(len(n) > 40 for n in names) >= len(names) / 10
    assert sum(not n.isascii() for n in names) >= len(names) / 2


@given(st.data())
@settings(max_examples=20)
def test_multi_value_lists_hold_distinct_allowed_values(data: st.DataObject) -> None:
    case = data.draw(valid_payloads(rich_schema(), references=REFS))
    channels = _field(case, "channels")
    if channels is not None:
        assert 1 <= len(channels) == len(set(channels))
        assert set(channels) <= {"Email", "Phone", "Chat"}


def test_duplicate_reference_ids_never_make_a_list_with_repeats() -> None:
    refs = {**REFS, "user": [USERS[0], USERS[0], USERS[1]]}
    for case in draws(valid_payloads(rich_schema(), references=refs), 60):
        watchers = _field(case, "watchers") or []
        assert len(watchers) == len(set(watchers))
