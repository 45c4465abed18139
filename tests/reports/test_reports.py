"""Reports of a run: JSON, JUnit XML and Markdown hold the summary, the run's metadata and
every violation, are well-formed whatever a target answered (and for a run cut short), go
to standard output for the path ``-``, and never hold the API key."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from hypothesis import __version__ as hypothesis_version
from jsonschema import Draft202012Validator
from support.run import invoke, live_config, run_engine
from support.unavailable import unavailable

from contract import __version__
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.errors import ConfigurationError, ContractViolation
from contract.events import CaseFinished, RunFinished, RunOptions, RunStarted, Summary
from contract.reports import (
    STDOUT,
    RunReport,
    check_writable,
    fingerprint,
    report_schema,
    write_reports,
)

CANARY = "canary-key-5c0f3e9a71d2"
VIOLATION_KEYS = {"check", "title", "message", "severity", "case", "request", "response"}


@pytest.fixture(scope="module")
def faulty() -> RunReport:
    """A report of a run that found violations of several checks."""
    faults = ("list_empty", "error_not_json")
    # One sequence of the stateful phase, whose model sees the list's fault too; no shrinking.
    ran = run_engine(Config(emulator_faults=faults, examples=3, shrink=False, stateful_runs=1))
    report = RunReport()
    for event in ran.events:
        report.add(event)
    assert report.summary.violations > 1
    return report


def report_of(config: Config) -> RunReport:
    report = RunReport()
    for event in run_engine(config).events:
        report.add(event)
    return report


def written(report: RunReport, directory: Path, redact: tuple[str, ...] = ()) -> dict[str, str]:
    """Every report of ``report``, written; the JSON one validated against the schema."""
    paths = {"json": directory / "r.json", "junit": directory / "r.xml", "md": directory / "r.md"}
    write_reports(
        report,
        json_path=paths["json"],
        junit_path=paths["junit"],
        markdown_path=paths["md"],
        redact=redact,
    )
    texts = {kind: path.read_text(encoding="utf-8") for kind, path in paths.items()}
    Draft202012Validator(report_schema()).validate(json.loads(texts["json"]))
    return texts


def test_json_report(faulty: RunReport, tmp_path: Path) -> None:
    data = json.loads(written(faulty, tmp_path)["json"])

    summary = data["summary"]
    assert summary["cases"] == faulty.summary.cases == len(data["cases"])
    assert summary["requests"] == faulty.summary.requests > summary["cases"]
    assert summary["violations"] == len(data["violations"]) == faulty.summary.violations
    # The list's fault shows in the lifecycle's check and in the model's
    assert set(summary["by_check"]) == {
        "content_type_conformance",
        "listed_after_create",
        "list_matches_model",
    }
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


def test_junit_report_has_a_suite_per_check_and_a_failure_per_root_cause(
    faulty: RunReport, tmp_path: Path
) -> None:
    root = ET.fromstring(written(faulty, tmp_path)["junit"])
    summary = faulty.summary
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}

    # One suite per check of the tally (every check, whether it found, held or did not run)
    assert set(summary.checks) <= set(suites)
    # ...a failing testcase per root cause, named uniquely, saying how often it showed
    failures = root.findall("./testsuite/testcase/failure")
    fingerprints = {v["fingerprint"] for v in faulty.to_json()["violations"]}
    assert len(failures) == len(fingerprints) < summary.violations
    assert {f.get("type") for f in failures} == set(summary.by_check)
    names = [c.get("name", "") for c in root.findall("./testsuite/testcase")]
    assert len(names) == len(set(names))
    shown = sum(
        1
        if " (once;" in f.get("message", "")
        else int(f.get("message", "").split(" (")[-1].split()[0])
        for f in failures
    )
    assert shown == summary.violations
    # ...a passing testcase for a check that held, a skipped one for a check that did not run
    for name, tally in summary.checks.items():
        (case, *more) = suites[name].findall("testcase")
        if tally.not_run is not None:
            assert case.find("skipped") is not None and not more
        elif not tally.failed and tally.judged:
            assert case.find("failure") is None and case.find("skipped") is None
    for suite in suites.values():
        failing = [c for c in suite.findall("testcase") if c.find("failure") is not None]
        assert int(suite.get("failures", "-1")) == len(failing)
        assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))


def test_markdown_report_has_the_summary_table(faulty: RunReport, tmp_path: Path) -> None:
    text = written(faulty, tmp_path)["md"]

    s = faulty.summary
    assert "| cases | requests | violations | inconclusive | duration |" in text
    assert f"| {s.cases} | {s.requests} | {s.violations} | {s.inconclusive} |" in text
    # ...and a row per check that ran: its judged, passed and failed answers
    assert "| check | judged | passed | failed | inconclusive |" in text
    for check, count in s.by_check.items():
        t = s.checks[check]
        assert f"| `{check}` | {t.judged} | {t.passed} | {count} | {t.inconclusive} |" in text
    # ...one section per root cause, each with the fingerprint the JSON report gives it
    causes = faulty.root_causes().groups
    assert text.count("## [") == len(causes) < s.violations
    fingerprints = {v["fingerprint"] for v in faulty.to_json()["violations"]}
    for group in causes.values():
        shown = fingerprint(group.cause.first)
        assert f"Root cause `{shown}`" in text and shown in fingerprints
    assert "```sh\ncurl " in text


def test_reports_of_a_clean_run(tmp_path: Path) -> None:
    report = RunReport()
    for event in run_engine(Config(examples=1, stateful_runs=0)).events:
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
    (failure,) = root.findall(".//failure")
    assert "Asset" in failure.get("message", "") and "✓" in failure.get("message", "")
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
        result = invoke(
            *("run", "--base-url", srv.base_url, "--api-key", canary, "--examples", "1"),
            *("--stateful-runs", "0", "--state-dir", str(tmp_path / "state")),
            *("--other-api-key", srv.other_api_key),
            *("--report-json", str(reports[0]), "--junit-xml", str(reports[1])),
            *("--report-md", str(reports[2])),
        )

    # Then the run found violations, and neither key is anywhere it wrote
    assert result.returncode == 1, result.stderr
    data = json.loads(reports[0].read_text())
    Draft202012Validator(report_schema()).validate(data)
    assert data["summary"]["violations"] > 0
    assert data["target"]["kind"] == "live"
    for key in (canary, srv.other_api_key):
        assert key not in result.stdout
        assert key not in result.stderr
        for path in reports:
            assert key not in path.read_text(encoding="utf-8"), path


def test_the_python_api_holds_no_key_before_redaction(tmp_path: Path) -> None:
    # Given a run through the Python API (as a notebook does) with a canary key
    canary = CANARY + "-api"
    with EmulatorServer(api_key=canary, faults=("auth_not_enforced",)) as srv:
        ran = run_engine(live_config(srv, examples=1, stateful_runs=0))

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
    data = json.loads(path.read_text())
    Draft202012Validator(report_schema()).validate(data)
    assert data["violations"] == []


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


# --- metadata ---------------------------------------------------------------------------


def test_the_engine_says_when_where_and_how_the_run_started() -> None:
    # Given the moment before a run
    before = datetime.now(UTC)
    config = Config(examples=1, emulator_faults=("list_empty",), seed=7, stateful_runs=0)

    # When it runs
    (started,) = (e for e in run_engine(config).events if isinstance(e, RunStarted))

    # Then its first event names the target's kind, its start in UTC and its options
    assert started.target_kind == "emulator"
    assert started.started_at is not None and started.started_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= started.started_at <= datetime.now(UTC)
    assert started.options == RunOptions.from_config(config)
    assert started.options.faults == ("list_empty",) and started.options.seed == 7


def test_json_report_has_the_runs_metadata(faulty: RunReport, tmp_path: Path) -> None:
    data = json.loads(written(faulty, tmp_path)["json"])

    assert data["format"] == 2 and data["interrupted"] is False
    assert data["versions"]["close_contract"] == __version__
    assert data["versions"]["hypothesis"] == hypothesis_version
    started = datetime.fromisoformat(data["started_at"])
    assert started.utcoffset() == timedelta(0) and data["started_at"].endswith("+00:00")
    assert data["target"]["kind"] == "emulator"
    assert data["target"]["base_url"].startswith("http://127.0.0.1:")
    assert "list_empty" in data["target"]["description"]
    assert data["options"]["examples"] == 3
    assert data["options"]["faults"] == ["list_empty", "error_not_json"]
    assert data["options"]["auth_scheme"] == "basic"
    assert data["seed"] == 0 and data["types"] and faulty.started is not None
    assert data["types"] == list(faulty.started.types)
    assert data["duration"] == data["summary"]["duration"] > 0
    assert data["cleanup"]["leftovers"] == [] and data["cleanup"]["deleted"] > 0


def test_expected_statuses_read_as_sets(faulty: RunReport, tmp_path: Path) -> None:
    data = json.loads(written(faulty, tmp_path)["json"])

    expected = {c["expected_statuses"] for c in data["cases"]}
    assert {"2xx", "400", "401"} <= expected
    # (a stateful sequence's case is its steps)
    cased = [v for v in data["violations"] if v["case"] and "sequence" not in v["case"]]
    assert cased and {v["case"]["expected_statuses"] for v in cased} <= expected
    listed = [v for v in cased if v["check"] == "listed_after_create"]
    assert listed and {v["case"]["expected_statuses"] for v in listed} == {"2xx"}
    valid = [c for c in data["cases"] if c["phase"] == "valid"]
    assert valid and {c["expected_statuses"] for c in valid} == {"2xx"}
    assert {c["mutation"] for c in valid} == {None}
    assert all(c["mutation"] for c in data["cases"] if c["phase"] == "invalid")


@pytest.mark.parametrize(
    ("statuses", "text"),
    [
        (range(200, 300), "2xx"),
        ({400}, "400"),
        ({401}, "401"),
        ({404, 400}, "400 or 404"),
        ({*range(200, 300), 400}, "2xx or 400"),
        ({200, 201}, "200 or 201"),
    ],
)
def test_statuses_label(statuses: set[int], text: str) -> None:
    from contract.reports import statuses_label

    assert statuses_label(statuses) == text


def test_junit_report_carries_the_metadata_as_properties(faulty: RunReport, tmp_path: Path) -> None:
    root = ET.fromstring(written(faulty, tmp_path)["junit"])

    suites = root.findall("testsuite")
    assert suites and int(root.get("tests", "-1")) == len(root.findall(".//testcase"))
    assert faulty.started is not None
    for suite in suites:
        # properties come first in a testsuite, as the JUnit schema orders them
        assert suite[0].tag == "properties"
        props = {p.get("name"): p.get("value") for p in suite[0].findall("property")}
        assert props["close_contract.version"] == __version__
        assert props["hypothesis.version"] == hypothesis_version
        assert props["seed"] == "0"
        assert props["target"] == faulty.started.target
        assert props["target.kind"] == "emulator"
        assert props["interrupted"] == "false"
        assert suite.get("timestamp") == props["started_at"]


def test_markdown_report_starts_with_a_metadata_line(faulty: RunReport, tmp_path: Path) -> None:
    lines = written(faulty, tmp_path)["md"].splitlines()

    assert lines[0] == "# close-contract report"
    meta = lines[2]
    assert meta.startswith(f"close-contract {__version__}, Hypothesis {hypothesis_version}")
    assert "started " in meta and "+00:00" in meta and "seed 0" in meta
    assert "emulator http://127.0.0.1:" in meta
    assert lines[4].startswith("Options: examples 3,")


def test_reports_keep_no_credentials_of_the_base_url(tmp_path: Path) -> None:
    # Given a live run whose API root was given with credentials in it
    url = "https://api_5c0f3e9a71d2canary:@api.example.com:8443/api/v1?token=x#f"
    started = RunStarted("live", url, 3, ("cotype_1",), target_kind="live")
    report = RunReport(started=started)

    # When every report is written
    texts = written(report, tmp_path)

    # Then each names the API root, and none holds what came before the host
    assert json.loads(texts["json"])["target"]["base_url"] == "https://api.example.com:8443/api/v1"
    assert "https://api.example.com:8443/api/v1" in texts["md"]
    for text in texts.values():
        assert "canary" not in text and "token=" not in text


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("http://127.0.0.1:8000/api/v1", "http://127.0.0.1:8000/api/v1"),
        ("https://user:pw@api.close.com/api/v1/", "https://api.close.com/api/v1/"),
        ("http://k@[::1]:9/api/v1", "http://[::1]:9/api/v1"),
    ],
)
def test_the_base_url_is_shown_without_credentials(given: str, shown: str) -> None:
    report = RunReport(started=RunStarted("live", given, 0, (), target_kind="live"))

    assert report.to_json()["target"]["base_url"] == shown


# --- inconclusive and interrupted runs --------------------------------------------------


def test_inconclusive_cases_are_counted_and_listed(tmp_path: Path) -> None:
    # Given a run with one case the network decided
    report = RunReport(started=RunStarted("emulator", "http://127.0.0.1:1/api/v1", 0, ()))
    why = "POST custom_object/ went unanswered after 1 attempt"
    report.add(CaseFinished("valid", "Asset: valid", None, None, 1, (), 0.1, inconclusive=why))
    report.add(CaseFinished("valid", "Asset: valid", None, None, 2, (201, 204), 0.1))
    report.add(RunFinished(Summary(2, 3, 0, inconclusive=1, inconclusive_budget=0)))

    # When its reports are written
    texts = written(report, tmp_path)

    # Then the count is in the summary, the reason on the case, a skip in JUnit
    data = json.loads(texts["json"])
    assert data["summary"]["inconclusive"] == 1 and data["summary"]["exit_code"] == 3
    assert [c["inconclusive"] for c in data["cases"]] == [why, None]
    # ...neither passed nor failed, beside the one that passed
    assert [c["passed"] for c in data["cases"]] == [None, True]
    (skipped,) = ET.fromstring(texts["junit"]).findall(".//testcase/skipped")
    assert why in skipped.get("message", "")
    assert f"- Asset: valid (valid): {why}" in texts["md"]
    assert "No verdict: 1 inconclusive cases" in texts["md"]


def test_reports_of_an_interrupted_run(faulty: RunReport, tmp_path: Path) -> None:
    # Given the events of a run stopped by Ctrl-C: some cases, no cleanup, no RunFinished
    partial = RunReport(started=faulty.started, cases=faulty.cases[: len(faulty.cases) // 2])
    assert any(c.violations for c in partial.cases)

    # When every report is written
    texts = written(partial, tmp_path)

    # Then each says it is partial, and holds what ran
    data = json.loads(texts["json"])
    assert data["interrupted"] is True and data["summary"]["interrupted"] is True
    assert data["summary"]["exit_code"] == 130 and data["cleanup"] is None
    assert data["summary"]["cases"] == len(partial.cases) == len(data["cases"])
    assert data["summary"]["violations"] == len(data["violations"]) > 0
    assert sum(data["summary"]["by_check"].values()) == len(data["violations"])
    assert data["target"]["kind"] == "emulator" and data["options"]["examples"] == 3
    root = ET.fromstring(texts["junit"])
    failures = root.findall(".//failure")
    assert len(failures) == len({v["fingerprint"] for v in data["violations"]}) > 0
    assert {p.get("value") for p in root.iter("property") if p.get("name") == "interrupted"} == {
        "true"
    }
    assert "**Interrupted**" in texts["md"] and "interrupted" in texts["md"].splitlines()[2]


def test_reports_of_a_run_interrupted_before_it_started(tmp_path: Path) -> None:
    texts = written(RunReport(), tmp_path)

    data = json.loads(texts["json"])
    assert data["interrupted"] is True and data["target"] is None and data["started_at"] is None
    assert data["versions"]["close_contract"] == __version__
    assert ET.fromstring(texts["junit"]).findall("testsuite") == []
    assert "No verdict: the run was interrupted." in texts["md"]


# --- standard output ----------------------------------------------------------------------


def test_the_json_report_goes_to_stdout_for_a_dash(
    faulty: RunReport,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a report path "-" (and a secret to blank), in a directory of its own
    monkeypatch.chdir(tmp_path)
    check_writable([STDOUT, tmp_path / "r.md"])
    assert faulty.started is not None
    secret = faulty.started.types[0]

    # When the reports are written
    write_reports(faulty, json_path=Path("-"), markdown_path=tmp_path / "r.md", redact=[secret])

    # Then stdout holds exactly the JSON report, blanked, and no file named "-" exists
    out = capfd.readouterr().out
    data = json.loads(out)
    Draft202012Validator(report_schema()).validate(data)
    assert data["summary"]["violations"] == faulty.summary.violations
    assert secret not in out and "[REDACTED]" in out
    assert not (tmp_path / "-").exists() and (tmp_path / "r.md").is_file()


def test_only_one_report_goes_to_stdout() -> None:
    with pytest.raises(ConfigurationError, match="only one report can go to standard output"):
        check_writable([STDOUT, None, Path("-")])
    with pytest.raises(ConfigurationError, match="cannot write the baseline to standard output"):
        check_writable([STDOUT], what="baseline", stdout=False)


def test_a_run_that_ends_in_an_error_still_writes_its_reports(tmp_path: Path) -> None:
    # Given a target that is down (every answer a 503 asking for an hour's wait)
    report, junit = tmp_path / "r.json", tmp_path / "r.xml"
    with unavailable() as down:
        # When a run against it ends with exit 3
        result = invoke(
            *("run", "--base-url", down, "--report-json", str(report), "--junit-xml", str(junit)),
            *("--state-dir", str(tmp_path / "state")),
            env={"CLOSE_API_KEY": "api_report_error_key_0123456789"},
        )
    assert result.returncode == 3, result.stderr

    # Then the reports a CI job keeps are there, saying why, and valid against the schema
    data = json.loads(report.read_text("utf-8"))
    Draft202012Validator(report_schema()).validate(data)
    assert data["summary"]["exit_code"] == 3 and data["interrupted"] is False
    assert "unreachable" in data["summary"]["error"]
    ET.parse(junit)
