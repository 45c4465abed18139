"""Id shapes: what an id from an answer must look like before it goes anywhere."""

from __future__ import annotations

import pytest

from contract.ids import MAX_ID_LENGTH, IdShapeError, check_id, is_id, segment, shown

GOOD = "custobj_" + "a1B2" * 10


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("custom_object", GOOD),
        ("lead", "lead_x"),
        ("contact", "cont_0"),
        ("user", "user_Ova4RGFG7pztSeJiiMFdN7O2MFl71nD0uGO3bIOo4Wk"),
        ("organization", "orga_RbREgmiiwcr1w2b4cOnCMQaQPSIFxMqAD2Dh243uxcH"),
        ("custom_object_type", "cotype_1a2b3c"),
        ("custom_field", "cf_Z"),
        ("lead", "lead_" + "a" * (MAX_ID_LENGTH - len("lead_"))),
    ],
)
def test_ids_of_their_kinds_shape_pass(kind: str, value: str) -> None:
    assert check_id(kind, value) == value  # type: ignore[arg-type]
    assert is_id(kind, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("../lead/lead_abc", "prefix"),
        ("custobj_../lead/lead_abc", "base62"),
        ("custobj_abc\n", "base62"),
        ("custobj_abc/", "base62"),
        ("custobj_%2F", "base62"),
        ("custobj_", "base62"),
        ("lead_abc", "prefix"),
        ("custobj_" + "a" * 64 * 1024, "at most"),
        ("custobj_" + "a" * (MAX_ID_LENGTH - len("custobj_") + 1), "at most"),
        (42, "string"),
        (None, "string"),
    ],
)
def test_anything_else_is_refused_with_the_value_shown_short(value: object, why: str) -> None:
    with pytest.raises(IdShapeError, match=why) as raised:
        check_id("custom_object", value)
    assert not is_id("custom_object", value)
    # A 64 KB id is shown cut, so a message stays one readable line.
    assert len(str(raised.value)) < 300
    assert "\n" not in str(raised.value)


def test_a_shown_value_is_cut_and_says_how_long_it_was() -> None:
    text = shown("x" * 1000)
    assert len(text) < 100 and "1002 characters" in text


def test_a_segment_is_percent_encoded_whole() -> None:
    assert segment(GOOD) == GOOD
    assert segment("../lead/x") == "..%2Flead%2Fx"
    assert segment("a\nb") == "a%0Ab"
