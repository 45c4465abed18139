"""Checks judge the real bytes; redaction happens on the way out, in every form of a key;
short keys and keys with control characters are refused; reports cut huge bodies.

The refusals go through the CLI in this process (click's runner); one whole run through the
command, in a process of its own, shows no form of a key in anything it leaves."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pytest
from support.exchanges import exchange
from support.run import clean_env, cli, invoke

from contract.checks import CheckContext, run_checks
from contract.client import Exchange
from contract.emulator import EmulatorServer
from contract.errors import ContractViolation
from contract.events import CaseFinished
from contract.excerpts import KEPT_BODY_BYTES
from contract.reports import RunReport, write_reports
from contract.secrets import Redactor, secret_forms

KEY = "api_redaction_test_key_6c1f0e9a"


def _leaky(status: int, body: object) -> Exchange:
    return replace(exchange(status, body), redactor=Redactor([KEY]))


def test_a_date_in_a_body_is_judged_as_sent_while_the_key_is_blanked_in_the_report() -> None:
    # Given an answer that quotes the key and holds values a short key would have matched
    body = {"id": "x", "date": "2000-02-29", "note": f"key {KEY}"}
    answer = _leaky(500, body)

    # When a check reports it
    found = run_checks(["not_a_server_error"], CheckContext(answer, "retrieve", frozenset({200})))

    # Then the check saw the real body, and nothing it reports holds the key
    assert answer.json() == body
    (violation,) = found
    shown = json.dumps(violation.to_dict()) + str(violation)
    assert KEY not in shown and "[REDACTED]" in shown
    assert "2000-02-29" in json.dumps(violation.response)


def test_reports_blank_every_form_of_a_key(tmp_path: Path) -> None:
    key = "api_key+with/odd=chars_0123"
    basic = base64.b64encode(f"{key}:".encode()).decode()
    message = f"raw {key} url {quote(key, safe='')} basic {basic}"
    report = RunReport()
    report.add(
        CaseFinished(
            "valid",
            "case",
            None,
            None,
            1,
            (200,),
            0.0,
            (ContractViolation("check", message, message),),
        )
    )
    out = tmp_path / "r"
    write_reports(report, json_path=out / "r.json", markdown_path=out / "r.md", redact=[key])
    for name in ("r.json", "r.md"):
        text = (out / name).read_text()
        assert key not in text and quote(key, safe="") not in text and basic not in text
        assert "[REDACTED]" in text


def test_a_delete_that_answers_404_after_an_unanswered_attempt_is_no_violation() -> None:
    delete = exchange(404, {"error": "gone"}, method="DELETE")
    ctx = CheckContext(replace(delete, failed_attempts=("ambiguous",)), "delete", frozenset({204}))
    assert run_checks(["gone_after_delete"], ctx) == []
    # Without the earlier unanswered attempt, the same answer is a violation.
    ctx = CheckContext(delete, "delete", frozenset({204}))
    assert [v.check for v in run_checks(["gone_after_delete"], ctx)] == ["gone_after_delete"]
    # A refused attempt did no work, so it excuses nothing.
    ctx = CheckContext(replace(delete, failed_attempts=("refused",)), "delete", frozenset({204}))
    assert [v.check for v in run_checks(["gone_after_delete"], ctx)] == ["gone_after_delete"]


@pytest.fixture(scope="module")
def srv() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("close-contract: error: ") and "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("key", ["2000", "e", "1"])
def test_a_short_key_is_refused_before_any_request(srv: EmulatorServer, key: str) -> None:
    before = srv.count_rows("lead")
    result = invoke("run", "--base-url", srv.base_url, "--api-key", key)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert "--api-key" in line and "cannot be told apart from ordinary text" in line
    assert repr(key) not in line and srv.count_rows("lead") == before


def test_a_short_key_from_the_environment_is_refused(srv: EmulatorServer) -> None:
    result = invoke("run", "--base-url", srv.base_url, env={"CLOSE_API_KEY": "2000"})
    assert result.returncode == 2
    assert "CLOSE_API_KEY" in _one_error_line(result.stderr)


def test_a_short_second_key_is_refused(srv: EmulatorServer) -> None:
    result = invoke(
        "run", "--base-url", srv.base_url, "--api-key", srv.api_key, "--other-api-key", "e"
    )
    assert result.returncode == 2
    assert "--other-api-key" in _one_error_line(result.stderr)


def test_a_short_key_in_the_shell_does_not_touch_an_emulator_run(tmp_path: Path) -> None:
    # The embedded emulator uses its own keys: a CLOSE_API_KEY of "e" is not this run's.
    report = tmp_path / "r.json"
    args = ("run", "--examples", "1", "--stateful-runs", "0", "--report-json", str(report))
    result = invoke(*args, env={"CLOSE_API_KEY": "e"})
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    assert "[REDACTED]" not in text and "emulator" in text


CANARY = "api_canary_redaction_key_0123456789"


@pytest.mark.parametrize("scheme", [(), ("--bearer",)], ids=["basic", "bearer"])
@pytest.mark.parametrize(
    "where", ["CLOSE_API_KEY", "--api-key", "CLOSE_OTHER_API_KEY", "--other-api-key"]
)
def test_a_key_with_a_carriage_return_is_refused_without_being_shown(
    srv: EmulatorServer, where: str, scheme: tuple[str, ...]
) -> None:
    # Given a key with the trailing "\r" a Windows env file leaves, from a flag or a variable
    bad = CANARY + "\r"
    keys = {"--api-key": srv.api_key, "--other-api-key": srv.other_api_key}
    variables: dict[str, str] = {}
    if where.startswith("--"):
        keys[where] = bad
    else:
        keys.pop("--api-key" if where == "CLOSE_API_KEY" else "--other-api-key")
        variables[where] = bad
    args = [arg for pair in keys.items() for arg in pair]

    # When a run against a live target starts
    before = srv.count_rows("lead")
    result = invoke("run", "--base-url", srv.base_url, *scheme, *args, env=variables)

    # Then it is refused in one line (exit 2), before any request, with no form of the key
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert "U+000D (CARRIAGE RETURN)" in line and srv.count_rows("lead") == before
    for form in secret_forms([bad, CANARY]):
        assert form not in result.stderr + result.stdout


def test_plain_http_to_another_host_is_refused_from_the_cli() -> None:
    result = invoke(
        "run", "--base-url", "http://api.example.com/api/v1", env={"CLOSE_API_KEY": CANARY}
    )
    assert result.returncode == 2, result.stderr
    assert "--allow-insecure-http" in _one_error_line(result.stderr)


def test_no_form_of_a_canary_key_is_in_any_artifact(tmp_path: Path) -> None:
    # Given a target whose key is a canary, sent as a Bearer token, with faults that make
    # violations (each quoting requests and responses), recorded and reported everywhere
    faults = ("auth_not_enforced", "error_not_json")
    with EmulatorServer(api_key=CANARY, faults=faults) as server:
        reports = [tmp_path / "r.json", tmp_path / "r.xml", tmp_path / "r.md"]
        record = tmp_path / "rec"
        env = clean_env(CLOSE_API_KEY=CANARY, CLOSE_OTHER_API_KEY=server.other_api_key)
        result = cli(
            *("run", "--base-url", server.base_url, "--bearer", "--examples", "2"),
            *("--record", str(record), "--report-json", str(reports[0])),
            *("--junit-xml", str(reports[1]), "--report-md", str(reports[2])),
            env=env,
        )
        other = server.other_api_key

    # Then the run found violations, and no form of either key is in anything it left
    assert result.returncode == 1, result.stderr
    artifacts = {"stdout": result.stdout, "stderr": result.stderr}
    for path in [*reports, *sorted(record.iterdir())]:
        artifacts[path.name] = path.read_text("utf-8")
    assert {"cassette.yaml", "corpus.json", "baseline.json"} <= set(artifacts)
    for form in secret_forms([CANARY, other]):
        leaked = [name for name, text in artifacts.items() if form in text]
        assert not leaked, (form, leaked)


def test_a_huge_body_in_a_report_is_cut_and_marked(tmp_path: Path) -> None:
    # Given a violation that carries a 1 MiB response body and quotes it in its message
    body = "x" * (1024 * 1024)
    found = ContractViolation(
        "not_a_server_error", "t", f"got {body}", response={"response_body": body}
    )
    report = RunReport()
    report.add(CaseFinished("valid", "case", None, None, 1, (500,), 0.0, (found,)))

    # When every report is written
    out = tmp_path / "r"
    write_reports(
        report,
        json_path=out / "r.json",
        junit_path=out / "r.xml",
        markdown_path=out / "r.md",
    )

    # Then each keeps a bounded excerpt, marked with the whole size
    mark = f"...[cut: {len(body):,} bytes in all]"
    data = json.loads((out / "r.json").read_text())
    assert data["violations"][0]["response"]["response_body"].endswith(mark)
    for name in ("r.json", "r.xml", "r.md"):
        text = (out / name).read_text()
        assert "...[cut: 1,048,5" in text and len(text) < 4 * KEPT_BODY_BYTES, name
    # And the report kept in memory is left whole
    assert report.cases[0].violations[0].response == {"response_body": body}
