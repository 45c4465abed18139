"""Baselines: recording, the file format and its failures, and regressions between runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import contract
from contract.baseline import (
    BASELINE_FILE,
    FORMAT_VERSION,
    NON_JSON,
    Baseline,
    BaselineRecorder,
    compare_baselines,
    compare_run,
    diff_paths,
    format_differences,
    load_baseline,
    operation_key,
    parse_body,
    template_path,
    write_baseline,
)
from contract.errors import CassetteError, ConfigurationError, Regression

EXAMPLES = json.loads((Path(__file__).parent / "fixtures" / "documented_examples.json").read_text())
INSTANCE: dict[str, Any] = EXAMPLES["create_response"]
ID = INSTANCE["id"]
CREATE = "POST custom_object/ 201"


def record(instance: dict[str, Any] = INSTANCE, *, create_status: int = 201) -> BaselineRecorder:
    """A recorder that saw one small, complete run."""
    recorder = BaselineRecorder()
    recorder.observe("POST custom_object/", create_status, instance)
    recorder.observe(f"GET custom_object/{ID}/", 200, instance)
    recorder.observe("GET /api/v1/custom_object/?lead_id=lead_x", 200, EXAMPLES["list_response"])
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
    assert baseline.operations["DELETE custom_object/{id}/ 204"] == {"type": "empty"}
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
        "GET custom_object/ 502": {"type": "non-json"},
        "DELETE custom_object/{id}/ 204": {"type": "empty"},
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
        (json.dumps({**valid_document(), "version": "1"}), "format version '1'"),
        (json.dumps({**valid_document(), "endpoint": "lead"}), "for endpoint 'lead'"),
        (json.dumps({**valid_document(), "statuses": {"valid:create": ["201"]}}), "statuses"),
        (json.dumps({**valid_document(), "operations": {CREATE: {"type": "int"}}}), CREATE),
        (json.dumps({**valid_document(), "target": 3}), "'target' must be a string"),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "missing-keys",
        "future-version",
        "version-not-int",
        "other-endpoint",
        "bad-statuses",
        "bad-shape",
        "bad-target",
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
    titles = {(r.title, r.severity) for r in regressions}
    assert (f"{CREATE}: key removed at $.date_updated", "breaking") in titles
    assert (f"{CREATE}: key added at $.extra", "additive") in titles
    assert ("GET custom_object/{id}/ 200: key removed at $.date_updated", "breaking") in titles
    removed = next(r for r in regressions if r.title.startswith(CREATE) and r.path.endswith("d"))
    assert removed.path == "$.date_updated"
    assert removed.old == {"type": "string", "format": "datetime+offset"}
    assert removed.new is None
    assert "string[datetime+offset] → absent" in removed.message


def test_a_status_change_is_a_breaking_status_regression() -> None:
    old = record().build("emulator")
    new = record(create_status=200).build("candidate")

    regressions = compare_baselines(old, new)

    # The 201 operation is gone and a 200 one appeared: only the status set reports it.
    [status] = regressions
    assert status.check == "status_regression"
    assert status.severity == "breaking"
    assert status.title == "valid:create: status 201 → 200"
    assert (status.old, status.new) == ([201], [200])


def test_a_case_kind_missing_from_the_new_run_is_ignored() -> None:
    old = record().build("emulator")
    smaller = BaselineRecorder()
    smaller.observe_status("valid:delete", 204)

    assert compare_baselines(old, smaller.build("candidate")) == []


def test_compare_run_accepts_a_subset_of_observations() -> None:
    # If the baseline saw updated_by only sometimes and three create statuses,
    old = BaselineRecorder()
    old.observe("POST custom_object/", 201, INSTANCE)
    old.observe("POST custom_object/", 201, without("updated_by"))
    old.observe("POST custom_object/", 400, EXAMPLES["error_validation"])
    old.observe_status("invalid:custom_wrong_type", 400)
    old.observe_status("invalid:custom_wrong_type", 404)
    baseline = old.build("emulator")

    # When a run so far saw one create without the optional key, always with the others,
    run = BaselineRecorder()
    run.observe("POST custom_object/", 201, without("updated_by"))
    run.observe_status("invalid:custom_wrong_type", 404)

    # Then nothing is a regression: fewer observations are not a change,
    assert compare_run(baseline, run) == []

    # But a key required in the baseline and absent from every observation is,
    run.observe("POST custom_object/", 201, without("updated_by") | {"name": None})
    run.observe_status("invalid:custom_wrong_type", 422)
    regressions = compare_run(baseline, run)
    assert [(r.check, r.title) for r in regressions] == [
        ("status_regression", "invalid:custom_wrong_type: status 400, 404 → 404, 422"),
        ("shape_regression", f"{CREATE}: became nullable at $.name"),
    ]

    later = BaselineRecorder()
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


def test_format_differences_as_a_table() -> None:
    old = record().build("emulator")
    new = record({**without("lead_id"), "note": "x"}, create_status=200).build("candidate")
    regressions = compare_baselines(old, new)
    text = format_differences(regressions)
    lines = text.splitlines()

    assert lines[0].split() == ["SEVERITY", "CHECK", "WHERE", "OLD", "→", "NEW"]
    assert lines[1].startswith("breaking")
    assert "valid:create: status 201 → 200" in text
    assert "201 → 200" in lines[1]
    assert "GET custom_object/{id}/ 200: key removed at $.lead_id" in text
    assert "string[id:lead_] → absent" in text
    assert lines[-1] == "3 differences: 2 breaking, 1 additive"
    assert lines[-2].startswith("additive")
    assert format_differences([]) == "No differences: the baselines agree."


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
        "check": "shape_regression",
        "severity": "breaking",
        "title": "GET custom_object/{id}/ 200: key removed at $.name",
        "message": entries[0]["message"],
        "path": "$.name",
        "old": {"type": "string"},
        "new": None,
        "kind": "removed_key",
    }
    assert len(entries) == 2
    assert json.loads(format_differences([], as_json=True)) == []
