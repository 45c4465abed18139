"""The ids of an earlier run become the ones a reproduction made, kind by kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contract.discovery import Organization
from contract.errors import ConfigurationError
from contract.reproduce import ReportFile, Translation, pick
from contract.statuses import parse_status_set, status_set

REF = "custom.cf_ref"
CONTACT = "custom.cf_contact"
SCHEMA: dict[str, Any] = {
    "properties": {
        REF: {"x-close-field": {"reference": "custom_object:cotype_b"}},
        CONTACT: {"type": "array", "x-close-field": {"reference": "contact"}},
        "custom.cf_text": {"x-close-field": {"type": "text"}},
    }
}


class _Type:
    type_id = "cotype_a"
    request_schema = SCHEMA


def translation() -> Translation:
    org = Organization("user_new", "orga_new", (_Type(),))  # type: ignore[arg-type]
    pools = {
        "lead": ["lead_NEW1xxxxxxxxx", "lead_NEW2xxxxxxxxx"],
        "contact": ["cont_NEW1xxxxxxxxx", "cont_NEW2xxxxxxxxx"],
        "user": ["user_new"],
        "custom_object:cotype_b": ["custobj_NEWxxxxxxxx"],
    }
    return Translation(org, pools)


def test_a_payloads_lead_and_references_become_the_new_ones() -> None:
    t = translation()
    payload = {
        "custom_object_type_id": "cotype_a",
        "lead_id": "lead_OLD1xxxxxxxxx",
        "name": "lead_OLD1xxxxxxxxx stays text in a name",
        REF: "custobj_OLDxxxxxxxx",
        CONTACT: ["cont_OLD1xxxxxxxxx", "cont_OLD2xxxxxxxxx"],
        "custom.cf_text": "cont_OLD1xxxxxxxxx",
    }

    out = t.payload(payload)

    assert out["lead_id"] == "lead_NEW1xxxxxxxxx"
    assert out[REF] == "custobj_NEWxxxxxxxx"
    # Two different contacts stay two different ones, in their order
    assert out[CONTACT] == ["cont_NEW1xxxxxxxxx", "cont_NEW2xxxxxxxxx"]
    # A text value is text, whatever it looks like
    assert out["custom.cf_text"] == "cont_OLD1xxxxxxxxx"
    assert out["name"] == payload["name"]
    # The same earlier id is always the same new one
    assert t.payload({"lead_id": "lead_OLD1xxxxxxxxx"})["lead_id"] == "lead_NEW1xxxxxxxxx"
    assert t.payload({"lead_id": "lead_OLD2xxxxxxxxx"})["lead_id"] == "lead_NEW2xxxxxxxxx"


def test_what_a_mutation_broke_on_purpose_stays() -> None:
    t = translation()
    case = {
        "payload": {"lead_id": "lead_UNKNOWNxxxxxx", REF: "custobj_OLDxxxxxxxx"},
        "mutation": "lead_unknown",
        "target": "lead_id",
        "expected_statuses": "400 or 404",
        "body": None,
    }

    out = t.case(case)

    assert out["payload"]["lead_id"] == "lead_UNKNOWNxxxxxx"
    assert out["payload"][REF] == "custobj_NEWxxxxxxxx"
    # A report writes statuses as people read them; a case holds them as numbers
    assert out["expected_statuses"] == [400, 404]


def test_a_raw_body_and_a_sequence_are_translated_too() -> None:
    t = translation()
    raw = t.case(
        {
            "payload": None,
            "mutation": "body_truncated",
            "target": None,
            "body": '{"lead_id": "lead_OLD1xxxxxxxxx", "name": "x"',
            "body_encoding": "utf-8",
        }
    )
    assert raw["body"] == '{"lead_id": "lead_NEW1xxxxxxxxx", "name": "x"'

    sequence = translation().sequence(
        {
            "run": 2,
            "steps": [
                {"rule": "list", "args": {"lead": "lead_OLD9xxxxxxxxx", "type_id": None}},
                {"rule": "update", "args": {"handle": 0, "body": {REF: "custobj_OLDxxxxxxxx"}}},
            ],
        }
    )
    assert sequence["steps"][0]["args"]["lead"] == "lead_NEW1xxxxxxxxx"
    assert sequence["steps"][1]["args"]["body"] == {REF: "custobj_NEWxxxxxxxx"}
    assert sequence["run"] == 2


def test_statuses_read_back_as_they_were_written() -> None:
    for codes in ({400}, {400, 404}, set(range(200, 300)), set(range(200, 300)) | {400}):
        assert parse_status_set(status_set(codes)) == codes
    with pytest.raises(ValueError, match="not a set of statuses"):
        parse_status_set("2xx or teapot")


def _file(violations: list[dict[str, Any]]) -> ReportFile:
    return ReportFile(Path("r.json"), {"target": {"kind": "emulator"}, "violations": violations})


def _report(*fingerprints: str) -> ReportFile:
    return _file(
        [
            {"check": "c", "title": "t", "fingerprint": f, "phase": "valid", "label": "A: valid"}
            for f in fingerprints
        ]
    )


def test_a_finding_is_named_by_number_or_by_its_root_cause() -> None:
    report = _report("aaaa11112222", "bbbb33334444", "bbbb33334444", "bbbb55556666")

    assert pick(report, "2").number == 2
    assert pick(report, "#4").fingerprint == "bbbb55556666"
    assert pick(report, "aaaa").number == 1
    # A root cause seen twice: its first finding
    assert pick(report, "bbbb33334444").number == 2
    with pytest.raises(ConfigurationError, match="several root causes"):
        pick(report, "bbbb")
    with pytest.raises(ConfigurationError, match="#1 to #4, not #9"):
        pick(report, "9")
    with pytest.raises(ConfigurationError, match="no root cause cccc"):
        pick(report, "cccc")
    with pytest.raises(ConfigurationError, match="names no finding"):
        pick(report, "not-a-finding")
    with pytest.raises(ConfigurationError, match="holds no finding"):
        pick(_file([]), "1")
