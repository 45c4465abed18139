"""The mutations Close may accept or refuse: what each case sends, and the long texts."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from strategy_schemas import REFS, cf, draws, empty_schema, rich_schema

from strategies import (
    MUTATIONS,
    READ_ONLY_KEYS,
    TEXT_LENGTHS,
    UNICODE_CLASSES,
    Case,
    invalid_payloads,
    long_text,
    mutation_targets,
)

ACCEPTING = [name for name, m in MUTATIONS.items() if m.accepted is not None]
TEXTS = ["name", f"custom.{cf('text')}", f"custom.{cf('textreq')}"]


def drawn(mutation: str, target: str | None = None, count: int = 3) -> list[Case]:
    strategy = invalid_payloads(rich_schema(), references=REFS, mutation=mutation, target=target)
    return draws(strategy, count)


@pytest.mark.parametrize("length", [1, 2, 40, *TEXT_LENGTHS, 40_000])
def test_a_long_text_has_its_exact_length_and_no_edge_to_trim(length: int) -> None:
    text = long_text(length, "name")
    assert len(text) == length
    assert text == text.strip() and unicodedata.is_normalized("NFC", text)
    assert all(ord(c) <= 0xFFFF and unicodedata.category(c)[0] != "C" for c in text)


def test_a_long_text_cut_or_of_another_key_is_another_text() -> None:
    text = long_text(4096, "name")
    assert long_text(4096, "custom.cf_x") != text
    assert not any(text[:cut].rstrip(".") == text for cut in (4095, 4000, 128))
    assert long_text(65536, "name").startswith(text[:4000])


def test_every_accepting_mutation_allows_a_2xx_or_a_400_and_applies_to_the_rich_type() -> None:
    assert len(ACCEPTING) == 16
    pairs = mutation_targets(rich_schema())
    for name in ACCEPTING:
        assert MUTATIONS[name].expected_statuses == frozenset(range(200, 300)) | {400}
        assert any(mutation == name for mutation, _ in pairs), name


def test_read_only_keys_are_all_sent_well_formed_and_never_a_real_value() -> None:
    for case in drawn("read_only_keys"):
        sent = {key: case.payload[key] for key in READ_ONLY_KEYS}
        assert sent["id"].startswith("custobj_") and sent["organization_id"].startswith("orga_")
        assert sent["created_by"] != REFS["user"][0] and sent["date_created"].startswith("2020-")
        assert json.loads(case.request_body()) == case.payload


def test_oversized_values_are_of_their_size() -> None:
    (name,) = drawn("huge_name", count=1)
    assert len(name.payload["name"]) == 40_000
    for case in drawn("huge_number", target=f"custom.{cf('num')}", count=6):
        value = case.payload[case.target]
        assert abs(value) > 2**53 and float(value) == value  # a double exactly
    (listed,) = drawn("huge_list", target=f"custom.{cf('channels')}", count=1)
    values = listed.payload[listed.target]
    assert len(values) == 2000 and set(values) == {"Email", "Phone", "Chat"}


def test_a_duplicated_key_is_sent_twice_with_two_values_and_parses_to_the_payload() -> None:
    for target in ("name", f"custom.{cf('text')}"):
        for case in drawn("duplicate_key", target=target):
            assert case.body is not None and json.loads(case.body) == case.payload
            pairs: list[tuple[str, Any]] = json.loads(
                case.body, object_pairs_hook=lambda items: items
            )
            values = [value for key, value in pairs if key == target]
            assert len(values) == 2 and values[0] != values[1] == case.payload[target]


def test_the_length_ladder_starts_with_its_keys_at_the_first_length_and_the_rest_short() -> None:
    for case in drawn("text_lengths"):
        long = [k for k, v in case.payload.items() if isinstance(v, str) and len(v) >= 256]
        assert sorted(long) == sorted(TEXTS)
        assert all(len(case.payload[key]) == TEXT_LENGTHS[0] for key in long)


@pytest.mark.parametrize("name", sorted(UNICODE_CLASSES))
def test_each_unicode_class_fills_the_name_and_every_text_value(name: str) -> None:
    (case,) = drawn(f"unicode_{name}", count=1)
    assert [key for key in TEXTS if case.payload[key] == UNICODE_CLASSES[name].text] == TEXTS
    expected = "normalised" if UNICODE_CLASSES[name].visible else "invisible"
    assert MUTATIONS[case.mutation or ""].accepted == expected


def test_a_type_without_text_fields_duplicates_and_fills_only_its_name() -> None:
    pairs = mutation_targets(empty_schema())
    assert [t for m, t in pairs if m == "duplicate_key"] == ["name"]
    assert not [t for m, t in pairs if m in ("huge_number", "huge_list")]


def test_they_are_drawn_only_when_named() -> None:
    # The stateful phase draws its invalid creates from every mutation Close must refuse
    unnamed = draws(invalid_payloads(rich_schema(), references=REFS), 60)
    assert not {case.mutation for case in unnamed} & set(ACCEPTING)
