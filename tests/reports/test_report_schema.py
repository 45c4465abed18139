"""The JSON report's schema: shipped in the package, valid Draft 2020-12, and strict enough
that a report missing a key, or holding statuses as a list of numbers, fails it."""

from __future__ import annotations

import copy
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, ValidationError
from support.run import ROOT, run_engine

from contract.config import Config
from contract.errors import Regression
from contract.events import CaseFinished, RunFinished, RunStarted, Summary
from contract.options import OPTIONS
from contract.reports import REPORT_FORMAT, RunReport, report_schema

SCHEMA_FILE = "report.schema.json"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    """The JSON report of a small run with violations (so every list has an entry)."""
    collected = RunReport()
    config = Config(emulator_faults=("list_empty",), examples=1, stateful_runs=1)
    for event in run_engine(config).events:
        collected.add(event)
    data = collected.to_json()
    assert data["violations"] and data["cases"]
    return data


def validator() -> Draft202012Validator:
    return Draft202012Validator(report_schema())


def test_the_schema_is_draft_2020_12_and_names_the_format() -> None:
    schema = report_schema()

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["format"]["const"] == REPORT_FORMAT == 2


def test_the_schema_ships_in_the_package() -> None:
    # The file sits in the package, so the wheel (hatchling takes every file of a listed
    # package that git does not ignore) carries it, with no include rule to forget.
    shipped = resources.files("contract.reports").joinpath(SCHEMA_FILE)
    assert json.loads(shipped.read_text("utf-8")) == report_schema()
    wheel = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["hatch"]["build"]
    assert "contract" in wheel["targets"]["wheel"]["packages"]
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    assert not any(Path(f"contract/reports/{SCHEMA_FILE}").match(rule) for rule in ignored)


def test_a_report_validates(report: dict[str, Any]) -> None:
    validator().validate(report)


def test_every_key_of_a_report_is_documented(report: dict[str, Any]) -> None:
    # Keys may be added within a format: the schema allows them, so this keeps them listed.
    schema = report_schema()
    defs = schema["$defs"]
    assert set(report) == set(schema["properties"])
    assert set(report["summary"]) <= set(defs["summary"]["properties"])
    # Options come from the option table (the next test): the schema types those it lists
    # and takes a new one as it is, so adding an option needs no edit here.
    assert set(defs["options"]["properties"]) <= set(report["options"])
    for entry in report["cases"]:
        assert set(entry) == set(defs["case_entry"]["properties"])
    for entry in report["violations"]:
        assert set(entry) <= set(defs["violation"]["properties"])


def test_the_options_are_the_tables_and_the_schema_types_them_as_the_table_does(
    report: dict[str, Any],
) -> None:
    # Given the option table's recorded options (never a key) and the schema's options
    recorded = {
        o.spec.report_key or o.name: o for o in OPTIONS if o.spec.recorded and not o.spec.secret
    }
    options = report_schema()["$defs"]["options"]

    # Then the report holds exactly those, and each one the schema lists has the table's type
    assert set(report["options"]) == set(recorded)
    assert set(options["required"]) <= set(options["properties"]) <= set(recorded)
    for key, schema in options["properties"].items():
        o = recorded[key]
        if o.kind == "multiple":
            expected: Any = "array"
        elif o.kind in ("flag", "switch"):
            expected = "boolean"
        elif o.kind == "choice":
            assert schema["enum"] == list(o.choices), key
            continue
        else:
            expected = {int: "integer", float: "number"}.get(o.type, "string")
            if o.default is None:
                expected = [expected, "null"]
        assert schema["type"] == expected, key


def test_an_option_added_within_the_format_validates_and_a_wrong_type_does_not(
    report: dict[str, Any],
) -> None:
    # An option the schema does not list yet (one added within the format) still validates
    added = copy.deepcopy(report)
    added["options"]["a_new_option"] = 3
    validator().validate(added)
    for where, value in (("a_new_option", {"an": "object"}), ("examples", "ten")):
        broken = copy.deepcopy(report)
        broken["options"][where] = value
        with pytest.raises(ValidationError):
            validator().validate(broken)


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    broken = copy.deepcopy(data)
    node: Any = broken
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return broken


@pytest.mark.parametrize("key", report_schema()["required"])
def test_a_report_missing_a_top_level_key_fails(report: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError, match=f"'{key}' is a required property"):
        validator().validate(_without(report, key))


@pytest.mark.parametrize(
    "path",
    [
        ("summary", "exit_code"),
        ("summary", "inconclusive"),
        ("versions", "close_contract"),
        ("target", "kind"),
        ("options", "examples"),
        ("cases", 0, "inconclusive"),
        ("cases", 0, "expected_statuses"),
        ("violations", 0, "check"),
        ("violations", 0, "reproduction"),
    ],
    ids=lambda p: ".".join(str(s) for s in p),
)
def test_a_report_missing_a_nested_key_fails(
    report: dict[str, Any], path: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError, match=f"'{path[-1]}' is a required property"):
        validator().validate(_without(report, *path))


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("format", 1),
        ("started_at", "2025-01-01T12:00:00"),  # no offset: not a point in time
        ("interrupted", "no"),
        ("expected", list(range(200, 300))),  # the numbers, not the readable set
        ("expected", "200-299"),
    ],
)
def test_a_report_with_a_wrong_value_fails(report: dict[str, Any], where: str, value: Any) -> None:
    broken = copy.deepcopy(report)
    if where == "expected":
        broken["cases"][-1]["expected_statuses"] = value
    else:
        broken[where] = value
    with pytest.raises(ValidationError):
        validator().validate(broken)


def test_a_regression_validates() -> None:
    # Given a report with a baseline regression (no request of its own, extra keys)
    found = Regression(
        check="status_regression",
        title="create:valid: status 201 → 200",
        severity="breaking",
        path="create:valid",
        old=[201],
        new=[200],
        kind="status_change",
    )
    report = RunReport(started=RunStarted("emulator", "http://127.0.0.1:1/api/v1", 0, ()))
    report.add(CaseFinished("baseline", "compared with b.json", None, None, 0, (), 0.0, (found,)))
    report.add(RunFinished(Summary(1, 0, 1, {"status_regression": 1}), (found,)))

    # Then its JSON report validates, the regression's own keys included
    data = report.to_json()
    validator().validate(data)
    assert data["violations"][0]["old"] == [201] and data["violations"][0]["request"] is None
