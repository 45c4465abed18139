"""Reports of a run: JSON, JUnit XML and Markdown hold the summary and every violation,
are well-formed whatever a target answered, and never hold the API key."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from contract.config import Config
from contract.emulator import EmulatorServer
from contract.errors import ConfigurationError, ContractViolation
from contract.events import CaseFinished, RunFinished, RunStarted, Summary
from contract.reports import RunReport, check_writable, write_reports

from ._support import cli, live_config, run_engine

CANARY = "canary-key-5c0f3e9a71d2"
VIOLATION_KEYS = {"check", "title", "message", "severity", "case", "request", "response"}


@pytest.fixture(scope="module")
def faulty() -> RunReport:
    """A report of a run that found violations of several checks."""
    ran = run_engine(Config(emulator_faults=("list_empty", "error_not_json"), examples=3))
    report = RunReport()
    for event in ran.events:
        report.add(event)
    assert report.summary.violations > 1
    return report


def written(report: RunReport, directory: Path, redact: tuple[str, ...] = ()) -> dict[str, str]:
    paths = {"json": directory / "r.json", "junit": directory / "r.xml", "md": directory / "r.md"}
    write_reports(
        report,
        json_path=paths["json"],
        junit_path=paths["junit"],
        markdown_path=paths["md"],
        redact=redact,
    )
    return {kind: path.read_text(encoding="utf-8") for kind, path in paths.items()}


def test_json_report(faulty: RunReport, tmp_path: Path) -> None:
    data = json.loads(written(faulty, tmp_path)["json"])

    summary = data["summary"]
    assert summary["cases"] == faulty.summary.cases == len(data["cases"])
    assert summary["requests"] == faulty.summary.requests > summary["cases"]
    assert summary["violations"] == len(data["violations"]) == faulty.summary.violations
    assert set(summary["by_check"]) == {"content_type_conformance", "listed_after_create"}
    assert summary["exit_code"] == 1
    for entry in data["violations"]:
        assert VIOLATION_KEYS <= set(entry)
        assert entry["check"] in summary["by_check"]
        assert entry["severity"] in {"error", "warning", "breaking", "additive"}
        assert entry["request"]["method"] in {"GET", "POST", "PUT", "DELETE"}
        assert entry["request"]["url"].startswith("http://127.0.0.1:")
        assert isinstance(entry["response"]["status"], int)
        assert entry["reproduction"].startswith("curl ")
    listed = [v for v in data["violations"] if v["check"] == "listed_after_create"]
    assert listed and all(v["case"]["mutation"] is None for v in listed)


def test_junit_report_has_one_failure_per_violation(faulty: RunReport, tmp_path: Path) -> None:
    root = ET.fromstring(written(faulty, tmp_path)["junit"])

    failures = root.findall("./testsuite/testcase/failure")
    assert len(failures) == faulty.summary.violations
    assert len(root.findall("./testsuite/testcase")) == faulty.summary.cases
    checks = {f.get("type") for f in failures}
    assert checks == set(faulty.summary.by_check)
    for suite in root.findall("testsuite"):
        failing = [c for c in suite.findall("testcase") if c.find("failure") is not None]
        assert int(suite.get("failures", "-1")) == len(failing)
        assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))


def test_markdown_report_has_the_summary_table(faulty: RunReport, tmp_path: Path) -> None:
    text = written(faulty, tmp_path)["md"]

    s = faulty.summary
    assert "| cases | requests | violations | inconclusive | duration |" in text
    assert f"| {s.cases} | {s.requests} | {s.violations} | {s.inconclusive} |" in text
    for check, count in s.by_check.items():
        assert f"| `{check}` | {count} |" in text
    assert text.count("## [") == s.violations
    assert "```sh\ncurl " in text


def test_reports_of_a_clean_run(tmp_path: Path) -> None:
    report = RunReport()
    for event in run_engine(Config(examples=2)).events:
        report.add(event)

    texts = written(report, tmp_path)

    assert json.loads(texts["json"])["violations"] == []
    assert ET.fromstring(texts["junit"]).findall(".//failure") == []
    assert "The contract holds: no violation." in texts["md"]


def test_reports_stay_well_formed_whatever_the_target_said(tmp_path: Path) -> None:
    # Given a case labelled with a type name from a target's JSON (control characters, a
    # lone surrogate, a noncharacter) and a violation quoting such text
    odd = "Asset\x00\x1b\ud800\uffff\u0085 ✓"
    found = ContractViolation(check="echo_conformance", title=f"name was {odd}", message=odd)
    report = RunReport(started=RunStarted("emulator", "http://127.0.0.1:1/api/v1", 0, ()))
    report.add(
        CaseFinished(
            "valid", f"{odd}: valid", None, {"payload": {"name": odd}}, 1, (201,), 0.1, (found,)
        )
    )
    report.add(RunFinished(Summary(1, 1, 1, {"echo_conformance": 1}), (found,)))

    # When every report is written
    texts = written(report, tmp_path)

    # Then each one parses, and keeps the readable part of the text
    root = ET.fromstring(texts["junit"])
    (case,) = root.findall(".//testcase")
    assert case.get("name", "").startswith("Asset") and "✓" in case.get("name", "")
    assert len(root.findall(".//failure")) == 1
    data = json.loads(texts["json"])
    assert data["violations"][0]["message"].startswith("Asset")
    assert "✓" in texts["md"]


def test_the_key_is_in_no_report_and_no_output(tmp_path: Path) -> None:
    # Given a target whose key is a canary, and faults that make many violations (each with
    # a request, a response and a curl command)
    canary = CANARY + "-cli"
    faults = ("auth_not_enforced", "error_not_json")
    with EmulatorServer(api_key=canary, faults=faults) as srv:
        # When the command runs with every report
        reports = [tmp_path / "r.json", tmp_path / "r.xml", tmp_path / "r.md"]
        result = cli(
            *("run", "--base-url", srv.base_url, "--api-key", canary, "--examples", "3"),
            *("--other-api-key", srv.other_api_key),
            *("--report-json", str(reports[0]), "--junit-xml", str(reports[1])),
            *("--report-md", str(reports[2])),
        )

    # Then the run found violations, and neither key is anywhere it wrote
    assert result.returncode == 1, result.stderr
    assert json.loads(reports[0].read_text())["summary"]["violations"] > 0
    for key in (canary, srv.other_api_key):
        assert key not in result.stdout
        assert key not in result.stderr
        for path in reports:
            assert key not in path.read_text(encoding="utf-8"), path


def test_the_python_api_holds_no_key_before_redaction(tmp_path: Path) -> None:
    # Given a run through the Python API (as a notebook does) with a canary key
    canary = CANARY + "-api"
    with EmulatorServer(api_key=canary, faults=("auth_not_enforced",)) as srv:
        ran = run_engine(live_config(srv, examples=2))

    # When its reports are written without asking for any redaction
    report = RunReport()
    for event in ran.events:
        report.add(event)
    texts = written(report, tmp_path)

    # Then the key is nowhere: the core never let it into an event
    assert ran.finished.summary.violations > 0
    everything: list[Any] = [*texts.values(), repr(ran.events)]
    assert not [text for text in everything if canary in text]


def test_check_writable_accepts_new_directories_and_removes_its_probe(tmp_path: Path) -> None:
    # Given a report path whose directories do not exist yet
    path = tmp_path / "a" / "b" / "r.json"

    # When it is checked
    check_writable([None, path])

    # Then it is writable, and the check left nothing behind
    assert list(tmp_path.iterdir()) == []
    write_reports(RunReport(), json_path=path)
    assert json.loads(path.read_text())["violations"] == []


@pytest.mark.parametrize(
    "where",
    ["/proc/close-contract/r.json", "/proc/r.json", "{file}/r.json", "{file}/a/b/r.json", "{dir}"],
)
def test_check_writable_refuses_what_cannot_be_written(tmp_path: Path, where: str) -> None:
    (tmp_path / "file").write_text("")
    path = Path(where.format(file=tmp_path / "file", dir=tmp_path))

    with pytest.raises(ConfigurationError, match="cannot write the report"):
        check_writable([path])
    assert not Path("/proc/close-contract").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write to a read-only directory")
def test_check_writable_refuses_a_read_only_directory(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(ConfigurationError, match="cannot write the report"):
            check_writable([tmp_path / "r.json"])
    finally:
        tmp_path.chmod(0o755)
