"""Case: the request body it sends and its JSON round trip (the stored corpus format)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given, settings
from strategy_schemas import REFS, rich_schema

from strategies import Case, invalid_payloads, valid_payloads


def _round_trip(case: Case) -> Case:
    # Through real JSON text, as a corpus file on disk would hold it.
    return Case.from_dict(json.loads(json.dumps(case.to_dict())))


@settings(max_examples=120)
@given(invalid_payloads(rich_schema(), references=REFS))
def test_every_invalid_case_survives_the_round_trip(case: Case) -> None:
    restored = _round_trip(case)
    assert restored == case
    assert restored.request_body() == case.request_body()


@settings(max_examples=40)
@given(valid_payloads(rich_schema(), references=REFS))
def test_every_valid_case_survives_the_round_trip(case: Case) -> None:
    assert _round_trip(case) == case


def test_a_body_that_is_not_utf8_is_stored_as_base64() -> None:
    case = Case(
        payload=None,
        mutation="body_malformed_json",
        reason="r",
        expected_statuses=frozenset({400}),
        body=b'{"name":"\xff\xfe"}',
    )
    stored = case.to_dict()
    assert stored["body_encoding"] == "base64"
    assert _round_trip(case) == case


def test_a_stored_case_with_an_unknown_body_encoding_is_refused() -> None:
    stored = {"reason": "r", "expected_statuses": [400], "body": "x", "body_encoding": "rot13"}
    with pytest.raises(ValueError, match="body_encoding 'rot13'"):
        Case.from_dict(stored)


def test_request_body_is_compact_utf8_json_of_the_payload() -> None:
    case = Case(
        payload={"name": "Ünïcødé 😀", "n": 1.5},
        mutation=None,
        reason="r",
        expected_statuses=frozenset({201}),
    )
    assert case.request_body() == '{"name":"Ünïcødé 😀","n":1.5}'.encode()
    assert case.content_type == "application/json" and case.send_credentials


def test_request_body_of_a_raw_case_is_the_raw_bytes() -> None:
    case = Case(None, "body_malformed_json", "r", frozenset({400}), body=b'{"name":')
    assert case.request_body() == b'{"name":'


def test_request_body_of_a_json_value_that_is_not_an_object() -> None:
    assert Case(7, "body_number", "r", frozenset({400})).request_body() == b"7"
    assert Case([], "body_array", "r", frozenset({400})).request_body() == b"[]"
    assert Case('{"a":1}', "body_string", "r", frozenset({400})).request_body() == (
        b'"{\\"a\\":1}"'
    )


def test_request_body_of_an_auth_case_is_its_valid_payload() -> None:
    case = Case(
        payload={"name": "x"},
        mutation="auth_malformed",
        reason="r",
        expected_statuses=frozenset({401}),
        headers=(("Authorization", "Token abc"),),
        send_credentials=False,
    )
    assert case.request_body() == b'{"name":"x"}'
    assert _round_trip(case).headers == (("Authorization", "Token abc"),)


def test_nan_is_never_sent_as_json() -> None:
    with pytest.raises(ValueError):
        Case({"n": float("nan")}, None, "r", frozenset({201})).request_body()


def test_cases_are_frozen() -> None:
    case = Case({}, None, "r", frozenset({201}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        case.reason = "changed"  # type: ignore[misc]
