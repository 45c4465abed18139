"""The checks of cases Close may accept or refuse, on hand-built answers: read-only keys,
oversized values, unusual text and duplicated keys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.exchanges import FIELD, INSTANCE, LEAD_ID, OBJECT_ID, TYPE_ID, ctx, exchange, post

from contract.checks import CHECKS, CheckContext, judged_apart
from contract.checks._accepted import kept_text
from contract.errors import ContractViolation
from contract.schemas import FieldType, FieldTypes
from strategies import UNICODE_CLASSES

TEXT = "custom.cf_" + "t" * 43
LIST = "custom.cf_" + "m" * 43
TYPES = FieldTypes({FIELD: "number", TEXT: "text", LIST: FieldType("choices", multiple=True)})
BASE = {"custom_object_type_id": TYPE_ID, "lead_id": LEAD_ID, "name": "Rocket"}
OTHER_ORG, OTHER_USER = "orga_" + "O" * 43, "user_" + "U" * 43
READ_ONLY = {
    "id": "custobj_" + "Z" * 43,
    "organization_id": OTHER_ORG,
    "created_by": OTHER_USER,
    "updated_by": OTHER_USER,
    "date_created": "2020-08-04T16:45:35.367000+00:00",
    "date_updated": "2020-08-04T17:37:56.439000+00:00",
}
OWN = {
    **INSTANCE,
    "organization_id": "orga_" + "K" * 43,
    "created_by": "user_" + "K" * 43,
    "updated_by": "user_" + "K" * 43,
    "date_created": "2026-01-02T03:04:05.000000+00:00",
    "date_updated": "2026-01-02T03:04:05.000000+00:00",
}


def case(mutation: str, payload: dict[str, Any], **more: Any) -> dict[str, Any]:
    """A case as an outcome records it (``Case.to_dict``)."""
    return {"mutation": mutation, "payload": payload, "target": None, "body": None, **more}


def judged(
    answer: Any, recorded: dict[str, Any], *, status: int = 201, **more: Any
) -> CheckContext:
    """The context of an accepted case's create answer (``post``) or its read."""
    made = post(status, answer) if status != 200 else exchange(status, answer)
    step = "create" if status != 200 else "read_after_create"
    options = {"field_types": TYPES, "instance_id": OBJECT_ID, "step": step, **more}
    return ctx(made, "create" if status != 200 else "retrieve", case=recorded, **options)


def raises(name: str, context: CheckContext) -> ContractViolation:
    with pytest.raises(ContractViolation) as caught:
        CHECKS[name](context)
    assert caught.value.check == name
    return caught.value


# --- read-only keys ------------------------------------------------------------------------

RO_CASE = case("read_only_keys", {**BASE, **READ_ONLY})


def test_read_only_keys_ignored_hold() -> None:
    # An answer with the server's own values, at create and on the read after
    CHECKS["read_only_ignored"](judged(OWN, RO_CASE))
    CHECKS["read_only_ignored"](judged(OWN, RO_CASE, status=200))
    # and a refusal, which shows nothing
    CHECKS["read_only_ignored"](judged({"error": "x"}, RO_CASE, status=400))


def test_a_stored_author_is_an_error_and_a_stored_date_a_warning() -> None:
    stored = raises(
        "read_only_ignored",
        judged({**OWN, "created_by": OTHER_USER}, RO_CASE),
    )
    assert stored.severity == "error" and "created_by" in stored.title
    backdated = raises(
        "read_only_ignored",
        judged({**OWN, "date_created": READ_ONLY["date_created"]}, RO_CASE),
    )
    assert backdated.severity == "warning" and "date_created" in backdated.message


def test_read_only_keys_on_a_put_are_judged_as_on_a_create() -> None:
    answer = exchange(200, {**OWN, "organization_id": OTHER_ORG}, method="PUT")
    context = ctx(answer, "update", 200, 400, case=RO_CASE, instance_id=OBJECT_ID, step="refusal")
    assert raises("read_only_ignored", context).severity == "error"


# --- oversized values ----------------------------------------------------------------------


def test_an_oversized_value_must_come_back_exactly() -> None:
    name = "n" * 40_000
    huge = case("huge_name", {**BASE, "name": name}, target="name")
    CHECKS["oversized_value_kept"](judged({**OWN, "name": name}, huge))
    cut = raises("oversized_value_kept", judged({**OWN, "name": name[:4096]}, huge))
    assert "cut from 40,000 to 4,096 characters" in cut.title and cut.severity == "error"
    big = case("huge_number", {**BASE, FIELD: 2**60}, target=FIELD)
    # A double holds 2**60 exactly, in any notation
    CHECKS["oversized_value_kept"](judged({**OWN, FIELD: float(2**60)}, big))
    rounded = raises("oversized_value_kept", judged({**OWN, FIELD: 2**60 + 512}, big))
    assert rounded.severity == "error"


def test_a_long_list_answered_as_a_set_is_a_warning_and_a_short_one_an_error() -> None:
    values = ["SSO", "API"] * 1000
    long = case("huge_list", {**BASE, LIST: values}, target=LIST)
    CHECKS["oversized_value_kept"](judged({**OWN, LIST: values}, long))
    assert (
        raises("oversized_value_kept", judged({**OWN, LIST: ["API", "SSO"]}, long)).severity
        == "warning"
    )
    assert (
        raises("oversized_value_kept", judged({**OWN, LIST: values[:3]}, long)).severity == "error"
    )
    assert raises("oversized_value_kept", judged(OWN, long)).severity == "error"  # dropped


# --- unusual text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "got", "kept"),
    [
        (" \u3000\tPadded\u00a0 ", " \u3000\tPadded\u00a0 ", True),
        (" \u3000\tPadded\u00a0 ", "Padded", True),
        (" \u3000\tPadded\u00a0 ", "\u3000\tPadded\u00a0", True),  # trimmed at ASCII only
        ("\u0001Ctrl\u0007x\u0002", "Ctrl\u0007x", True),
        ("\u0001Ctrl\u0007x\u0002", "Ctrlx", False),  # removed from the middle
        ("Cafe\u0301", "Caf\u00e9", True),  # NFC
        ("Zero\u200bwidth\ufeff", "Zero\u200bwidth", True),
        ("Zero\u200bwidth\ufeff", "Zerowidth", False),
        ("\u3164\u115f", "", False),  # fillers are letters, not whitespace
        ("  ", "", True),
        ("😀🚀", "??", False),
    ],
)
def test_kept_text_allows_trimming_and_nfc_only(sent: str, got: str, kept: bool) -> None:
    assert kept_text(sent, got) is kept


def test_unusual_text_changed_is_an_error_for_visible_text_and_a_warning_otherwise() -> None:
    emoji = UNICODE_CLASSES["emoji_multi"].text
    visible = case("unicode_emoji_multi", {**BASE, "name": emoji, TEXT: emoji})
    CHECKS["unicode_round_trip"](judged({**OWN, "name": emoji, TEXT: emoji}, visible))
    mangled = raises("unicode_round_trip", judged({**OWN, "name": "?", TEXT: emoji}, visible))
    assert mangled.severity == "error" and mangled.title.count("name") == 1
    zero = UNICODE_CLASSES["zero_width"].text
    invisible = case("unicode_zero_width", {**BASE, "name": zero, TEXT: zero})
    cleaned = zero.replace("\u200b", "")
    found = raises("unicode_round_trip", judged({**OWN, "name": cleaned, TEXT: zero}, invisible))
    assert found.severity == "warning"
    # A blank text value a server dropped after trimming it is no loss; a missing name is
    blank = case("unicode_whitespace_only", {**BASE, "name": "  ", TEXT: "  "})
    CHECKS["unicode_round_trip"](judged({**OWN, "name": ""}, blank))
    raises("unicode_round_trip", judged({k: v for k, v in OWN.items() if k != "name"}, blank))


def test_the_keys_judged_apart_are_those_of_each_rule() -> None:
    assert judged_apart(RO_CASE, TYPES) == tuple(READ_ONLY)
    assert judged_apart(case("huge_number", {**BASE, FIELD: 1e308}, target=FIELD), TYPES) == (
        FIELD,
    )
    text = case("unicode_nfd", {**BASE, TEXT: "x", FIELD: 1})
    assert judged_apart(text, TYPES) == ("name", TEXT)
    assert judged_apart(case("name_empty", BASE), TYPES) == ()
    assert judged_apart(None, TYPES) == ()


# --- duplicated keys -----------------------------------------------------------------------


def duplicated(first: str, second: str) -> dict[str, Any]:
    body = '{"name":' + json.dumps(first) + "," + json.dumps({**BASE, "name": second})[1:]
    payload = {**BASE, "name": second}
    return case("duplicate_key", payload, target="name", body=body, body_encoding="utf-8")


def test_a_duplicated_key_holds_one_of_its_values() -> None:
    twice = duplicated("First", "Second")
    CHECKS["duplicate_key_resolved"](judged({**OWN, "name": "First"}, twice))
    CHECKS["duplicate_key_resolved"](judged({**OWN, "name": "Second"}, twice, status=200))
    mixed = raises("duplicate_key_resolved", judged({**OWN, "name": "FirstSecond"}, twice))
    assert mixed.severity == "error" and "'First'" in mixed.message


def test_the_checks_judge_only_their_own_cases_and_accepted_answers() -> None:
    # Given answers that would fail every one of them, to a case of another rule
    other = case("name_empty", {**BASE, **READ_ONLY})
    for name in ("read_only_ignored", "unicode_round_trip", "duplicate_key_resolved"):
        CHECKS[name](judged({**OWN, **READ_ONLY, "name": "?"}, other))
    # and to a refused one
    CHECKS["oversized_value_kept"](
        judged({"error": "too long"}, case("huge_name", BASE, target="name"), status=400)
    )
