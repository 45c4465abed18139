"""Baselines: recording, the file format and its failures, and regressions between runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.examples import DOCUMENTED_EXAMPLES

import contract
from contract.baseline import (
    BASELINE_FILE,
    FORMAT_VERSION,
    NON_JSON,
    Baseline,
    BaselineRecorder,
    PortableNames,
    apply_overrides,
    compare_baselines,
    compare_run,
    diff_paths,
    failing,
    format_differences,
    load_baseline,
    operation_key,
    operation_type,
    parse_body,
    parse_level,
    parse_overrides,
    portable_keys,
    template_path,
    write_baseline,
)
from contract.errors import CassetteError, ConfigurationError, Regression

EXAMPLES = DOCUMENTED_EXAMPLES
INSTANCE: dict[str, Any] = EXAMPLES["create_response"]
ID = INSTANCE["id"]
CREATE = "POST custom_object/ 201"


# Answers per operation in a recorded run: enough for presence to be judged on both sides
# (a key in all of 5 answers and in none of 5 others is gone; in 1 and 1, no one can tell).
TIMES = 5


def record(
    instance: dict[str, Any] = INSTANCE, *, create_status: int = 201, times: int = TIMES
) -> BaselineRecorder:
    """A recorder that saw one small, complete run: each answer ``times`` times."""
    recorder = BaselineRecorder()
    for _ in range(times):
        recorder.observe("POST custom_object/", create_status, instance)
        recorder.observe(f"GET custom_object/{ID}/", 200, instance)
        recorder.observe(
            "GET /api/v1/custom_object/?lead_id=lead_x", 200, EXAMPLES["list_response"]
        )
        recorder.observe(f"DELETE custom_object/{ID}/", 204, None)
        recorder.observe("POST custom_object/", 400, EXAMPLES["error_validation"])
    recorder.observe_status("valid:create", create_status)
    recorder.observe_status("valid:delete", 204)
    recorder.observe_status("invalid:unknown_custom_field", 400)
    recorder.observe_status("invalid:unknown_custom_field", 400)
    recorder.observe_status("probe:unknown_id:GET", 404)
    return recorder


def without(key: str) -> dict[str, Any]:
    return {k: v for k, v in INSTANCE.items() if k != key}


# -- recording -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("custom_object/custobj_abc/", "custom_object/{id}/"),
        (f"custom_object/{ID}/", "custom_object/{id}/"),
        ("/api/v1/custom_object/?lead_id=lead_x", "custom_object/"),
        ("https://api.close.com/api/v1/custom_object/not-an-id/", "custom_object/{id}/"),
        ("custom_field/custom_object_type/cotype_1h5m6uHM9BZOpwVhyRJb4Y/", None),
        ("custom_object/{id}/", "custom_object/{id}/"),
    ],
)
def test_template_path(path: str, template: str | None) -> None:
    expected = template or "custom_field/custom_object_type/{id}/"
    assert template_path(path) == expected


def test_recorder_builds_a_baseline_with_templated_operations_and_sorted_statuses() -> None:
    baseline = record().build("emulator")

    assert sorted(baseline.operations) == [
        "DELETE custom_object/{id}/ 204",
        "GET custom_object/ 200",
        "GET custom_object/{id}/ 200",
        "POST custom_object/ 201",
        "POST custom_object/ 400",
    ]
    assert baseline.operations["DELETE custom_object/{id}/ 204"] == {"type": "empty", "count": 5}
    assert baseline.statuses["invalid:unknown_custom_field"] == [400]
    assert baseline.version == FORMAT_VERSION
    assert baseline.toolkit_version == contract.__version__
    assert baseline.endpoint == "custom_object"
    assert baseline.target == "emulator"
    assert "T" in baseline.created


def test_observations_merge_and_statuses_accumulate() -> None:
    recorder = BaselineRecorder()
    recorder.observe("POST custom_object/", 201, INSTANCE)
    recorder.observe("POST custom_object/", 201, without("updated_by"))
    recorder.observe_status("invalid:custom_wrong_type", 404)
    recorder.observe_status("invalid:custom_wrong_type", 400)

    assert recorder.operations[CREATE]["optional"] == ["updated_by"]
    assert recorder.statuses == {"invalid:custom_wrong_type": [400, 404]}
    assert operation_key("get", f"/custom_object/{ID}/", 200) == "GET custom_object/{id}/ 200"


def test_bodies_that_are_empty_or_not_json() -> None:
    recorder = BaselineRecorder()
    recorder.observe("GET custom_object/", 502, parse_body(b"<html>Bad gateway</html>"))
    recorder.observe("DELETE custom_object/custobj_abc/", 204, parse_body(b""))

    assert recorder.operations == {
        "GET custom_object/ 502": {"type": "non-json", "count": 1},
        "DELETE custom_object/{id}/ 204": {"type": "empty", "count": 1},
    }
    assert parse_body('{"a": 1}') == {"a": 1}
    assert parse_body(b"\xff") is NON_JSON


def test_build_drops_credentials_from_a_url_target() -> None:
    baseline = BaselineRecorder().build("https://key:@api.close.com/api/v1?api_key=secret")

    assert baseline.target == "https://api.close.com/api/v1"


# -- the file ------------------------------------------------------------------------------


def test_round_trip_is_exact_and_the_text_is_stable() -> None:
    baseline = record().build("emulator")
    text = baseline.to_json()

    assert Baseline.from_json(text, source="x.json") == baseline
    assert Baseline.from_json(text, source="x.json").to_json() == text
    assert text.endswith("\n")
    assert list(json.loads(text)) == sorted(json.loads(text))


def test_write_and_load_a_file_or_a_cassette_directory(tmp_path: Path) -> None:
    baseline = record().build("emulator")

    # When the baseline is written to a file and to a cassette directory,
    file = write_baseline(tmp_path / "nightly" / "base.json", baseline)
    cassettes = tmp_path / "cassettes"
    cassettes.mkdir()
    in_dir = write_baseline(cassettes, baseline)

    # Then both load back equal, the directory through its baseline.json.
    assert file == tmp_path / "nightly" / "base.json"
    assert in_dir == cassettes / BASELINE_FILE
    assert load_baseline(file) == baseline
    assert load_baseline(cassettes) == baseline
    assert sorted(p.name for p in cassettes.iterdir()) == [BASELINE_FILE]


def test_an_unwritable_path_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    with pytest.raises(ConfigurationError, match="cannot write baseline"):
        write_baseline(blocker / "baseline.json", record().build("emulator"))


def valid_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(record().build("emulator").to_json())
    return document


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"hello": "world"}), "missing 'version', 'endpoint'"),
        (json.dumps({**valid_document(), "version": 99}), "format version 99 is not supported"),
        (
            json.dumps({**valid_document(), "version": 1}),
            "recorded by an older version (baseline format 1, keyed by ids; this "
            f"close-contract reads format {FORMAT_VERSION}): record it again "
            "with close-contract baseline --out FILE",
        ),
        (
            json.dumps({**valid_document(), "version": 2}),
            "recorded by an older version (baseline format 2, without media types, headers, "
            "value sets or sample counts; this close-contract reads format "
            f"{FORMAT_VERSION}): record it again with close-contract baseline --out FILE",
        ),
        (json.dumps({"version": 1, "hello": "world"}), "recorded by an older version"),
        (json.dumps({**valid_document(), "version": "1"}), "format version '1'"),
        (json.dumps({**valid_document(), "endpoint": "lead"}), "for endpoint 'lead'"),
        (json.dumps({**valid_document(), "statuses": {"valid:create": ["201"]}}), "statuses"),
        (json.dumps({**valid_document(), "operations": {CREATE: {"type": "int"}}}), CREATE),
        (json.dumps({**valid_document(), "target": 3}), "'target' must be a string"),
        (json.dumps({**valid_document(), "types": []}), "'types' must be an object"),
        (json.dumps({**valid_document(), "media_types": {CREATE: {"x": -1}}}), "media_types"),
        (json.dumps({**valid_document(), "headers": {CREATE: {"RateLimit": 3}}}), "headers"),
        (
            json.dumps({**valid_document(), "echoes": {CREATE: {"name": {"lost": 1}}}}),
            "has 'lost'; the ways a value comes back are same",
        ),
        (
            json.dumps({**valid_document(), "types": {"Event": {"custom.Seats": {"type": 3}}}}),
            "types['Event']['custom.Seats'] must be",
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "missing-keys",
        "future-version",
        "older-version",
        "format-2",
        "older-version-of-another-layout",
        "version-not-int",
        "other-endpoint",
        "bad-statuses",
        "bad-shape",
        "bad-target",
        "types-not-an-object",
        "bad-media-types",
        "bad-headers",
        "bad-echoes",
        "bad-field-definition",
    ],
)
def test_bad_files_are_cassette_errors_naming_the_file(
    tmp_path: Path, content: str, fragment: str
) -> None:
    file = tmp_path / "old-baseline.json"
    file.write_text(content)

    with pytest.raises(CassetteError) as caught:
        load_baseline(file)

    message = str(caught.value)
    assert str(file) in message
    assert fragment in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


def test_a_baseline_without_field_definitions_loads_with_none() -> None:
    document = valid_document()
    del document["types"]

    assert Baseline.from_json(json.dumps(document), source="x.json").types == {}


def test_missing_file_and_empty_cassette_directory(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="missing.json: no such baseline file"):
        load_baseline(tmp_path / "missing.json")
    with pytest.raises(CassetteError, match=r"baseline\.json: no such baseline file"):
        load_baseline(tmp_path)


# -- regressions ---------------------------------------------------------------------------


def test_identical_runs_have_no_regressions() -> None:
    assert compare_baselines(record().build("a"), record().build("b")) == []


def test_shape_regressions_have_titles_severities_and_paths() -> None:
    old = record().build("emulator")
    new = record({**without("date_updated"), "extra": True}).build("candidate")

    regressions = compare_baselines(old, new)

    assert all(isinstance(r, Regression) and r.check == "shape_regression" for r in regressions)
    titles = {(r.title, r.severity, r.rule, r.level) for r in regressions}
    removal = ("breaking", "response-property-removed", "ERR")
    assert (f"{CREATE}: key removed at $.date_updated", *removal) in titles
    addition = ("additive", "response-property-added", "INFO")
    assert (f"{CREATE}: key added at $.extra", *addition) in titles
    assert ("GET custom_object/{id}/ 200: key removed at $.date_updated", *removal) in titles
    removed = next(r for r in regressions if r.title.startswith(CREATE) and r.path.endswith("d"))
    assert removed.path == "$.date_updated"
    assert removed.old == {"type": "string", "format": "datetime+offset", "count": TIMES}
    assert removed.new is None
    assert "string[datetime+offset] → absent" in removed.message
    assert removed.message.startswith("ERR response-property-removed: ")
    assert removed.to_dict()["rule"] == "response-property-removed"
    assert removed.to_dict()["level"] == "ERR"


def test_a_status_change_is_a_breaking_status_regression() -> None:
    old = record().build("emulator")
    new = record(create_status=200).build("candidate")

    regressions = compare_baselines(old, new)

    # The status set reports it; the 201 operation is not compared, the 200 one is new.
    [status, added] = regressions
    assert status.check == "status_regression"
    assert (status.severity, status.rule, status.level) == (
        "breaking",
        "response-success-status-changed",
        "ERR",
    )
    assert status.title == "valid:create: status 201 → 200"
    assert (status.old, status.new) == ([201], [200])
    assert (added.rule, added.level) == ("operation-added", "INFO")
    assert regressions.not_compared == ("operation POST custom_object/ 201",)
    assert regressions and regressions.failing == [status]


def test_a_case_kind_missing_from_the_new_run_is_ignored() -> None:
    old = record().build("emulator")
    smaller = BaselineRecorder()
    smaller.observe_status("valid:delete", 204)

    found = compare_baselines(old, smaller.build("candidate"))
    assert found == []
    # It is listed as not compared, and so are the operations the new side never reached.
    assert "case kind valid:create" in found.not_compared
    assert "operation POST custom_object/ 201" in found.not_compared


def test_compare_run_accepts_a_subset_of_observations() -> None:
    # If the baseline saw updated_by in half of its creates and two statuses of a kind,
    old = BaselineRecorder()
    for _ in range(TIMES):
        old.observe("POST custom_object/", 201, INSTANCE)
        old.observe("POST custom_object/", 201, without("updated_by"))
        old.observe("POST custom_object/", 400, EXAMPLES["error_validation"])
    old.observe_status("invalid:custom_wrong_type", 400)
    old.observe_status("invalid:custom_wrong_type", 404)
    baseline = old.build("emulator")

    # When a run so far saw one create without the optional key, and one of the statuses,
    run = BaselineRecorder()
    run.observe("POST custom_object/", 201, without("updated_by"))
    run.observe_status("invalid:custom_wrong_type", 404)

    # Then nothing is a regression: fewer observations are not a change,
    assert compare_run(baseline, run) == []

    # But what it saw that the baseline never did is, each under its rule,
    run.observe("POST custom_object/", 201, without("updated_by") | {"name": None})
    run.observe_status("invalid:custom_wrong_type", 422)
    assert [(r.check, r.title, r.rule, r.level) for r in compare_run(baseline, run)] == [
        (
            "status_regression",
            "invalid:custom_wrong_type: status 400, 404 → 404, 422",
            "response-status-added",
            "INFO",
        ),
        (
            "shape_regression",
            f"{CREATE}: became nullable at $.name",
            "response-property-became-nullable",
            "ERR",
        ),
    ]

    # And a key every answer of the baseline held is removed once enough answers lack it:
    later = BaselineRecorder()
    later.observe("POST custom_object/", 201, without("date_created"))
    assert compare_run(baseline, later) == []  # one answer cannot tell it from "sometimes"
    for _ in range(TIMES - 1):
        later.observe("POST custom_object/", 201, without("date_created"))
    [removed] = compare_run(baseline, later)
    assert removed.title == f"{CREATE}: key removed at $.date_created"


def test_diff_paths_reads_files_and_cassette_directories(tmp_path: Path) -> None:
    cassettes = tmp_path / "old"
    cassettes.mkdir()
    write_baseline(cassettes, record().build("emulator"))
    new_file = write_baseline(tmp_path / "new.json", record(without("id")).build("candidate"))

    regressions = diff_paths(cassettes, new_file)

    assert {r.path for r in regressions} == {"$.id"}


def test_format_differences_groups_findings_by_rule_with_counts() -> None:
    old = record().build("emulator")
    new = record({**without("lead_id"), "note": "x"}, create_status=200).build("candidate")
    findings = compare_baselines(old, new)
    lines = format_differences(findings).splitlines()

    assert lines == [
        "ERR   response-property-removed (1)",
        "      GET custom_object/{id}/ 200: key removed at $.lead_id  string[id:lead_] → absent",
        "ERR   response-success-status-changed (1)",
        "      valid:create: status 201 → 200  201 → 200",
        "INFO  response-property-added (1)",
        "      GET custom_object/{id}/ 200: key added at $.note  absent → string",
        "INFO  operation-added (1)",
        "      POST custom_object/ 200: only the new side reached it  absent → object",
        "4 differences: 2 ERR, 2 INFO; 2 at ERR or above fail the gate",
        "Not compared (only the old side reached them): operation POST custom_object/ 201",
    ]
    assert format_differences([]) == "No differences: the baselines agree."


def test_the_gate_and_overrides_decide_what_fails_and_every_level_is_reported() -> None:
    old = record().build("emulator")
    new = record({**without("lead_id"), "note": "x"}, create_status=200).build("candidate")

    # By default the gate fails on ERR only; every level is still found.
    findings = compare_baselines(old, new)
    assert {r.level for r in findings} == {"ERR", "INFO"}
    assert findings.fails
    assert {r.rule for r in findings.failing} == {
        "response-property-removed",
        "response-success-status-changed",
    }
    assert failing(findings, fail_on="INFO") == list(findings)
    # An override lowers, raises or silences a rule; an INFO-only result passes the gate.
    overrides = parse_overrides(
        {"response-property-removed": "warn", "response-success-status-changed": "off"}
    )
    relaxed = compare_baselines(old, new, overrides=overrides)
    assert [r.rule for r in relaxed if r.level == "WARN"] == ["response-property-removed"]
    assert "response-success-status-changed" not in {r.rule for r in relaxed}
    assert relaxed.failing == [] and not relaxed.fails
    assert compare_baselines(old, new, fail_on="WARN", overrides=overrides).fails
    raised = apply_overrides(findings, {"response-property-added": "ERR"})
    added = next(r for r in raised if r.rule == "response-property-added")
    assert (added.level, added.severity) == ("ERR", "breaking")
    # compare_run takes the same gate.
    run = record({**without("lead_id"), "note": "x"}, create_status=200)
    found = compare_run(old, run, overrides={"response-property-removed": "INFO"})
    assert [r.rule for r in found.failing] == ["response-success-status-changed"]


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"no-such-rule": "ERR"}, "unknown baseline rule 'no-such-rule'"),
        ({"response-property-added": "fatal"}, "unknown level 'fatal'; use one of ERR, WARN"),
    ],
)
def test_bad_overrides_are_one_line(overrides: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        parse_overrides(overrides)
    assert says in str(caught.value) and "\n" not in str(caught.value)
    assert parse_level("info") == "INFO"


def test_format_differences_shows_a_lost_format_plainly() -> None:
    old = record().build("emulator")
    new = record({**INSTANCE, "date_created": "yesterday"}).build("candidate")

    text = format_differences(compare_baselines(old, new))

    assert "datetime+offset → no format" in text


def test_format_differences_as_json() -> None:
    old = record().build("emulator")
    new = record(without("name")).build("candidate")

    entries = json.loads(format_differences(compare_baselines(old, new), as_json=True))

    assert entries[0] == {
        "rule": "response-property-removed",
        "level": "ERR",
        "check": "shape_regression",
        "severity": "breaking",
        "title": "GET custom_object/{id}/ 200: key removed at $.name",
        "message": entries[0]["message"],
        "path": "$.name",
        "old": {"type": "string", "count": TIMES},
        "new": None,
        "kind": "removed_key",
    }
    assert len(entries) == 2
    assert json.loads(format_differences([], as_json=True)) == []


# -- portable keys -------------------------------------------------------------------------

TYPE_ID = INSTANCE["custom_object_type_id"]
KINDS, CATEGORY, COUNT = (
    "custom.cf_UpyNBvr6Rw8UBHh7zRboL3PYhbOVJl3XvwgPm3jg64S",
    "custom.cf_cSh3fWT3rEJ1BFSezme2YAG6bPrZV5wUWKKrW4iN19g",
    "custom.cf_1nkEQf4yKqGMc2E5mtTnSzTNCNUc2NTNkz7fS33OXOt",
)
FIELDS: list[dict[str, Any]] = [
    EXAMPLES["custom_field_choices"],  # "Event kinds": choices, multiple
    {"id": CATEGORY.removeprefix("custom."), "name": "Category", "type": "text", "required": True},
    EXAMPLES["custom_field_reference"],  # "Related resource": custom_object
    EXAMPLES["custom_field_created"],  # "User Count": number, required
]
EVENT: dict[str, Any] = {**INSTANCE, COUNT: 12}


@dataclass(frozen=True)
class FakeType:
    """A discovered type as the recorder reads it (``TypeContract`` has these fields)."""

    type_id: str
    name: str
    fields: Sequence[Mapping[str, Any]]


def other_ids(value: Any) -> Any:
    """``value`` as another organization shows it: the same types under other ids."""
    text = json.dumps(value)
    for old_id in sorted({TYPE_ID, *(f["id"] for f in FIELDS)}):
        text = text.replace(old_id, old_id[:-6] + "ZZZZZZ")
    return json.loads(text)


def event_type(*, elsewhere: bool = False, **changes: Any) -> FakeType:
    """The "Event" type, here or under other ids, its "User Count" field changed."""
    fields = [{**f, **changes} if f["id"] == COUNT.removeprefix("custom.") else f for f in FIELDS]
    kind = FakeType(TYPE_ID, "Event", fields)
    return FakeType(other_ids(kind.type_id), kind.name, other_ids(fields)) if elsewhere else kind


def portable(*types: FakeType, instance: dict[str, Any] | None = None) -> BaselineRecorder:
    """A recorder with portable names that saw one create, one read and one list."""
    recorder = BaselineRecorder(names=PortableNames(types or [event_type()]))
    seen = EVENT if instance is None else instance
    for _ in range(TIMES):
        recorder.observe("POST custom_object/", 201, seen)
        recorder.observe(f"GET custom_object/{ID}/", 200, seen)
        recorder.observe("GET custom_object/", 200, {"data": [seen], "has_more": False})
    recorder.observe_status("valid:create", 201)
    return recorder


def test_custom_keys_are_keyed_by_field_name_and_instances_by_type_name() -> None:
    baseline = portable().build("emulator")

    assert sorted(baseline.operations) == [
        "GET custom_object/ 200 [Event]",
        "GET custom_object/{id}/ 200 [Event]",
        "POST custom_object/ 201 [Event]",
    ]
    created = baseline.operations["POST custom_object/ 201 [Event]"]
    assert sorted(key for key in created["keys"] if key.startswith("custom.")) == [
        "custom.Category",
        "custom.Event kinds",
        "custom.Related resource",
        "custom.User Count",
    ]
    # A choices field keeps the values it answered, to be held against its choices.
    assert created["keys"]["custom.Event kinds"] == {
        "type": "array",
        "count": TIMES,
        "items": {"type": "string", "count": 2 * TIMES, "values": sorted(EVENT[KINDS])},
    }
    # A field that is not required is present when a case sent it a value: optional.
    assert created["optional"] == ["custom.Event kinds", "custom.Related resource"]
    listed = baseline.operations["GET custom_object/ 200 [Event]"]["keys"]["data"]["items"]
    assert listed["optional"] == created["optional"]
    assert baseline.types == {
        "Event": {
            "custom.Category": {"type": "text", "multiple": False, "required": True},
            "custom.Event kinds": {
                "type": "choices",
                "multiple": True,
                "required": False,
                "choices": sorted(EXAMPLES["custom_field_choices"]["choices"]),
            },
            "custom.Related resource": {
                "type": "custom_object",
                "multiple": False,
                "required": False,
            },
            "custom.User Count": {"type": "number", "multiple": False, "required": True},
        }
    }
    # No id is left in a key: only value formats name a prefix.
    assert "cf_" not in baseline.to_json() and "cotype_1" not in baseline.to_json()
    assert Baseline.from_json(baseline.to_json(), source="x.json") == baseline


def test_the_same_types_under_other_ids_compare_cleanly() -> None:
    here = portable().build("production")
    there = portable(event_type(elsewhere=True), instance=other_ids(EVENT))

    assert other_ids(EVENT) != EVENT
    assert there.build("candidate").to_dict()["operations"] == here.to_dict()["operations"]
    assert compare_baselines(here, there.build("candidate")) == []
    assert compare_run(here, there) == []


def test_a_real_change_of_a_field_is_still_reported_under_other_ids() -> None:
    baseline = portable().build("production")
    # When, under other ids, the number field "User Count" becomes text, its values strings,
    changed = {**other_ids(EVENT), other_ids(COUNT): "12"}
    run = portable(event_type(elsewhere=True, type="text"), instance=changed)

    regressions = compare_run(baseline, run)

    # Then its definition and every shape that shows it report it, by name.
    assert [(r.title, r.severity, r.old, r.new) for r in regressions] == [
        ('type Event: field type changed at $["custom.User Count"]', "breaking", "number", "text"),
        (
            'GET custom_object/ 200 [Event]: type changed at $.data[*]["custom.User Count"]',
            "breaking",
            "number",
            "string",
        ),
        (
            'GET custom_object/{id}/ 200 [Event]: type changed at $["custom.User Count"]',
            "breaking",
            "number",
            "string",
        ),
        (
            'POST custom_object/ 201 [Event]: type changed at $["custom.User Count"]',
            "breaking",
            "number",
            "string",
        ),
    ]
    assert all(r.check == "shape_regression" for r in regressions)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"accepts_multiple_values": True},
            [("field type changed", "breaking", "number", "number (multiple)")],
        ),
        ({"required": False}, [("field became optional", "breaking", "required", "optional")]),
        # A renamed field is another field to a client that reads it by name.
        (
            {"name": "Seats"},
            [
                ("required field added", "breaking", None, "number"),
                ("field removed", "breaking", "number", None),
            ],
        ),
    ],
    ids=["multiplicity", "required", "renamed"],
)
def test_every_change_of_a_definition_is_reported(
    changes: dict[str, Any], expected: list[tuple[str, str, Any, Any]]
) -> None:
    run = portable(event_type(elsewhere=True, **changes), instance=other_ids(EVENT))

    found = compare_run(portable().build("production"), run)
    declared = [r for r in found if r.title.startswith("type Event: ")]

    assert [(r.title.split(" at ")[0], r.severity, r.old, r.new) for r in declared] == [
        (f"type Event: {phrase}", severity, was, now) for phrase, severity, was, now in expected
    ]


def test_a_field_that_became_required_is_breaking_and_an_added_type_is_info() -> None:
    old = portable(FakeType(TYPE_ID, "Event", FIELDS[:3]), instance=INSTANCE).build("production")
    required = {**FIELDS[0], "required": True}
    new = portable(
        FakeType(TYPE_ID, "Event", [required, *FIELDS[1:]]),
        FakeType("cotype_2", "Room", []),
        instance=EVENT,
    )

    regressions = compare_baselines(old, new.build("candidate"))

    assert [(r.title, r.level) for r in regressions if r.title.startswith("type ")] == [
        ('type Event: field became required at $["custom.Event kinds"]', "ERR"),
        ('type Event: required field added at $["custom.User Count"]', "ERR"),
        ("type Room: type only the new side tested at $", "INFO"),
    ]
    text = format_differences(regressions)
    assert "optional → required" in text and "absent → number" in text


def test_a_declared_custom_key_the_baseline_never_saw_is_not_added() -> None:
    # If the baseline's cases never sent the optional "Event kinds" a value,
    baseline = portable(instance={k: v for k, v in EVENT.items() if k != KINDS}).build("base")

    # Then a run that sent one shows no added key: the field was declared all along,
    assert compare_run(baseline, portable()) == []
    # But a custom key that no definition declares is an added key.
    stray = "custom.cf_strayAAAAAAAAAAAAAAAA"
    found = compare_run(baseline, portable(instance={**EVENT, stray: 1}))
    assert {(r.kind, r.path) for r in found} == {
        ("added_key", f'$["{stray}"]'),
        ("added_key", f'$.data[*]["{stray}"]'),
    }


def test_lists_are_split_per_type_and_unknown_types_are_recorded_as_answered() -> None:
    room_type, seats = "cotype_2RoomRoomRoomRoomRoom1", "cf_roomSeatsAAAAAAAAAAAAA"
    names = PortableNames(
        [
            event_type(),
            FakeType(room_type, "Room", [{"id": seats, "name": "Seats", "type": "number"}]),
        ]
    )
    room = {"id": "custobj_roomAAAAAAAAAAAA", "custom_object_type_id": room_type}
    stranger = {**room, "custom_object_type_id": "cotype_unknownAAAAAAAAAA"}
    recorder = BaselineRecorder(names=names)

    listing = {"data": [EVENT, {**room, f"custom.{seats}": 3}, stranger], "has_more": False}
    recorder.observe("GET custom_object/", 200, listing)
    recorder.observe("GET custom_object/", 200, {"data": [], "has_more": False})
    recorder.observe(f"GET custom_object/{ID}/", 200, {**stranger, "custom.cf_x": 1})

    operations = recorder.operations
    assert sorted(operations) == [
        "GET custom_object/ 200",
        "GET custom_object/ 200 [Event]",
        "GET custom_object/ 200 [Room]",
        "GET custom_object/{id}/ 200",
    ]
    # Each type's view holds its own items only: "Seats" is Room's.
    rooms = operations["GET custom_object/ 200 [Room]"]["keys"]["data"]["items"]
    assert rooms["keys"]["custom.Seats"] == {"type": "number", "count": 1}
    events = operations["GET custom_object/ 200 [Event]"]["keys"]["data"]["items"]
    assert "custom.Seats" not in events["keys"] and "custom.User Count" in events["keys"]
    # An instance of a type the run did not discover keeps the keys it was answered with.
    assert "custom.cf_x" in operations["GET custom_object/{id}/ 200"]["keys"]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([("cf_a", "Seats"), ("cf_b", "Notes")], {"cf_a": "Seats", "cf_b": "Notes"}),
        # The same name twice: the id tells them apart, whichever comes first.
        ([("cf_b", "Notes"), ("cf_a", "Notes")], {"cf_a": "Notes#cf_a", "cf_b": "Notes#cf_b"}),
        # No name: the id.
        (
            [("cf_a", ""), ("cf_b", None), ("cf_c", " ")],
            {"cf_a": "cf_a", "cf_b": "cf_b", "cf_c": "cf_c"},
        ),
        # A name that could pass for an id or for a suffixed key: suffixed.
        ([("cf_a", "cf_b"), ("cf_b", "x")], {"cf_a": "cf_b#cf_a", "cf_b": "x"}),
        ([("cf_a", "A#cf_b"), ("cf_b", "A")], {"cf_a": "A#cf_b#cf_a", "cf_b": "A"}),
        # Any other character is kept: JSON paths quote it.
        ([("cf_a", 'Price ("net") [€]')], {"cf_a": 'Price ("net") [€]'}),
        # Ids of another form that collide with a name still end up unique.
        ([("p", ""), ("q", "p")], {"p": "p#p", "q": "p#q"}),
    ],
    ids=["unique", "duplicates", "no-name", "id-like", "suffix-like", "characters", "odd-ids"],
)
def test_portable_keys_are_unique_and_deterministic(
    entries: list[tuple[str, Any]], expected: dict[str, str]
) -> None:
    assert portable_keys(entries, "cf_") == expected
    assert portable_keys(reversed(entries), "cf_") == expected
    assert len(set(expected.values())) == len(expected)


def test_duplicate_type_names_and_type_names_in_operation_keys() -> None:
    names = PortableNames(
        [
            FakeType("cotype_b", "Event", []),
            FakeType("cotype_a", "Event", []),
            FakeType("cotype_c", "cotype_c", []),  # a type without a name shows its id
            FakeType("cotype_d", "Room [east] 2", []),
        ]
    )

    keys = [getattr(names.named(t), "key", None) for t in ("cotype_a", "cotype_b", "cotype_c")]
    assert keys == ["Event#cotype_a", "Event#cotype_b", "cotype_c"]
    assert sorted(names.declared) == [
        "Event#cotype_a",
        "Event#cotype_b",
        "Room [east] 2",
        "cotype_c",
    ]
    key = operation_key("get", f"custom_object/{ID}/", 200, "Room [east] 2")
    assert key == "GET custom_object/{id}/ 200 [Room [east] 2]"
    assert operation_type(key) == "Room [east] 2"
    assert operation_type("GET custom_object/{id}/ 404") is None


# -- what a baseline pins ------------------------------------------------------------------

ORGANIZATION = INSTANCE["organization_id"]
RATE_LIMIT = ("RateLimit", "limit=100, remaining=50, reset=5")


def observe_creates(recorder: BaselineRecorder, times: int) -> None:
    """``times`` creates whose names (drawn: "a" or "b") come back, and one ignored key."""
    for n in range(times):
        sent = {"name": "ab"[n % 2], "lead_id": INSTANCE["lead_id"], "drawn_key": n}
        answer = {
            "id": ID,
            "name": sent["name"],
            "lead_id": sent["lead_id"],
            "organization_id": ORGANIZATION,
            "state": "open",
            "version": 3,
        }
        recorder.observe(
            "POST custom_object/",
            201,
            answer,
            media_type="application/json",
            headers=[RATE_LIMIT, ("X-Request-Id", f"r{n}")],
            sent=json.dumps(sent).encode(),
        )
        recorder.observe(
            "POST custom_object/",
            400,
            {"error": "Invalid state"},
            media_type="application/json",
            sent=b"[]",
        )
    recorder.observe(f"DELETE custom_object/{ID}/", 204, None, media_type="application/json")


def test_a_baseline_pins_values_only_where_the_server_makes_them() -> None:
    recorder = BaselineRecorder()
    observe_creates(recorder, 30)
    baseline = recorder.build("emulator")

    keys = baseline.operations[CREATE]["keys"]
    # A value the server makes, seen often enough: its value set, its integer kind.
    assert keys["state"]["values"] == ["open"]
    assert keys["version"]["integer"] is True
    # Never for what a request sent (drawn), an id, or an error body's text.
    assert "values" not in keys["name"]
    assert "values" not in keys["organization_id"]
    assert "values" not in baseline.operations["POST custom_object/ 400"]["keys"]["error"]
    # The media type of each answer with a body; the documented headers and their form.
    assert baseline.media_types == {
        CREATE: {"application/json": 30},
        "POST custom_object/ 400": {"application/json": 30},
    }
    assert set(baseline.headers[CREATE]) == {"RateLimit"}
    rate = baseline.headers[CREATE]["RateLimit"]
    assert rate["count"] == 30 and rate["keys"]["reset"]["integer"] is True
    # How sent values came back, for keys the operation answers (not one it ignored).
    assert baseline.echoes == {CREATE: {"lead_id": {"same": 30}, "name": {"same": 30}}}


def test_fewer_values_pin_nothing_in_a_baseline_but_a_run_keeps_them_to_compare() -> None:
    recorder = BaselineRecorder()
    observe_creates(recorder, 29)

    built = recorder.build("emulator").operations[CREATE]["keys"]
    assert "values" not in built["state"] and "integer" not in built["version"]
    # A run compared with a baseline keeps what it saw: one new value breaks a set.
    observed = recorder.observed().operations[CREATE]["keys"]
    assert observed["state"]["values"] == ["open"] and observed["version"]["integer"] is True

    pinned = BaselineRecorder()
    observe_creates(pinned, 30)
    run = BaselineRecorder()
    run.observe("POST custom_object/", 201, {**INSTANCE, "state": "lost", "version": 3.5})
    found = compare_run(pinned.build("emulator"), run)
    assert {(r.rule, r.path) for r in found} >= {
        ("response-enum-value-added", "$.state"),
        ("response-number-became-non-integer", "$.version"),
    }
