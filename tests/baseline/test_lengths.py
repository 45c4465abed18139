"""The longest text the length ladder saw accepted: recorded, kept in the file, compared."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from contract import explore
from contract.baseline import (
    RULES,
    Baseline,
    BaselineRecorder,
    PortableNames,
    compare_baselines,
    compare_run,
)
from contract.baseline._lengths import LADDER_KIND
from contract.errors import CassetteError
from strategies import MUTATIONS, long_text

TYPE = "cotype_" + "E" * 22
NOTES = "cf_" + "N" * 43
SEATS = "cf_" + "S" * 43


@dataclass(frozen=True)
class FakeType:
    type_id: str
    name: str
    fields: Sequence[Mapping[str, Any]]


NAMES = PortableNames(
    [
        FakeType(
            TYPE,
            "Event",
            [{"id": NOTES, "name": "Notes", "type": "text"}, {"id": SEATS, "name": "Seats"}],
        )
    ]
)


def ladder(recorder: BaselineRecorder, length: int, status: int, cut: int | None = None) -> None:
    """One create of the ladder: the name and Notes at ``length``; Notes answered cut."""
    sent = {
        "custom_object_type_id": TYPE,
        "lead_id": "lead_x",
        "name": long_text(length, "name"),
        f"custom.{NOTES}": long_text(length, "notes"),
        f"custom.{SEATS}": 3,
    }
    answer: Any = {"error": "too long"}
    if 200 <= status < 300:
        notes = long_text(length, "notes")
        answer = {**sent, "id": "custobj_1", f"custom.{NOTES}": notes[:cut] if cut else notes}
    body = json.dumps(sent).encode()
    recorder.observe("POST custom_object/", status, answer, sent=body, kind=LADDER_KIND)


def test_the_kind_is_the_ladder_mutations() -> None:
    assert LADDER_KIND == "invalid:text_lengths" and "text_lengths" in MUTATIONS


def test_the_longest_length_accepted_and_answered_exactly_is_recorded_per_key() -> None:
    # Given a ladder whose name climbs to 4,096 and whose Notes came back cut at 4,096
    recorder = BaselineRecorder(names=NAMES)
    ladder(recorder, 256, 201)
    ladder(recorder, 1024, 201)
    ladder(recorder, 4096, 201, cut=2000)
    ladder(recorder, 16384, 400)
    # and a create of another kind with long values, which says nothing of the ladder
    body = json.dumps({"custom_object_type_id": TYPE, "name": long_text(65536)}).encode()
    recorder.observe("POST custom_object/", 201, {"id": "x"}, sent=body, kind="valid:create")
    built = recorder.build("emulator")
    # Then the name's longest is 4,096, the Notes' 1,024 (a cut one was not accepted)
    assert built.lengths == {"Event": {"custom.Notes": 1024, "name": 4096}}
    # and a ladder refused from its first length records 0
    refused = BaselineRecorder(names=NAMES)
    ladder(refused, 256, 400)
    assert refused.build("x").lengths == {"Event": {"custom.Notes": 0, "name": 0}}


def test_a_ladder_is_recorded_only_where_it_ended() -> None:
    # A ladder cut short (the network, the run's budget) says nothing of a limit
    cut_short = BaselineRecorder(names=NAMES)
    ladder(cut_short, 256, 201)
    ladder(cut_short, 1024, 201)
    assert cut_short.build("x").lengths == {}
    # one that reached its last length found none
    climbed = BaselineRecorder(names=NAMES)
    for length in (256, 1024, 4096, 16384, 65536):
        ladder(climbed, length, 201)
    assert climbed.build("x").lengths == {"Event": {"custom.Notes": 65536, "name": 65536}}


def test_lengths_survive_the_file_and_an_older_file_has_none() -> None:
    kept = Baseline(target="t", lengths={"Event": {"name": 65536}})
    again = Baseline.from_json(kept.to_json(), source="b.json")
    assert again.lengths == {"Event": {"name": 65536}}
    older = json.loads(kept.to_json())
    del older["lengths"]
    assert Baseline.from_json(json.dumps(older), source="b.json").lengths == {}


@pytest.mark.parametrize("bad", [[], {"Event": [1]}, {"Event": {"name": -1}}, {"E": {"n": 1.5}}])
def test_malformed_lengths_are_refused_in_one_line(bad: Any) -> None:
    document = {**json.loads(Baseline(target="t").to_json()), "lengths": bad}
    with pytest.raises(CassetteError, match="b.json: malformed baseline: 'lengths'"):
        Baseline.from_json(json.dumps(document), source="b.json")


def test_a_shorter_longest_length_is_a_warning_below_the_default_gate() -> None:
    old = Baseline(target="t", lengths={"Event": {"name": 65536, "custom.Notes": 65536}})
    new = Baseline(target="t", lengths={"Event": {"name": 4096, "custom.Notes": 65536}})
    found = compare_baselines(old, new)
    assert [(f.rule, f.level, f.path, f.old, f.new) for f in found] == [
        ("max-accepted-length-decreased", "WARN", "$.name", 65536, 4096)
    ]
    assert RULES["max-accepted-length-decreased"].oasdiff == "request-property-max-length-decreased"
    assert not found.fails and compare_baselines(old, new, fail_on="WARN").fails
    # Longer, or reached by one side only, is no finding
    assert not compare_baselines(new, old)
    assert not compare_baselines(old, Baseline(target="t", lengths={"Other": {"name": 1}}))


def test_a_run_whose_ladder_stops_earlier_than_the_baseline_is_reported() -> None:
    recorder = BaselineRecorder(names=NAMES)
    ladder(recorder, 256, 201)
    ladder(recorder, 1024, 400)
    old = Baseline(target="t", lengths={"Event": {"name": 65536, "custom.Notes": 256}})
    found = [f for f in compare_run(old, recorder) if f.rule == "max-accepted-length-decreased"]
    assert [(f.path, f.new) for f in found] == [("$.name", 256)]


def test_the_drift_tree_marks_a_shorter_length_under_its_type() -> None:
    declared = {"custom.Notes": {"type": "text", "multiple": False, "required": False}}
    old = Baseline(target="t", types={"Event": declared}, lengths={"Event": {"name": 65536}})
    new = Baseline(target="t", types={"Event": declared}, lengths={"Event": {"name": 4096}})
    tree = explore.drift_tree(old, new, show_unchanged=False)
    assert tree.changes == len(compare_baselines(old, new)) == 1
    assert "name  65536 → 4096" in str(tree)
