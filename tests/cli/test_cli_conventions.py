"""The habits pytest and schemathesis users bring: ``--help`` with examples and exit codes,
``--checks`` / ``--exclude-checks``, ``-x/--exitfirst``, and messages that count right
("1 type", "1 case"). In this process (tests/support/cli.py); Ctrl-C, which needs the real
command, is in test_cli_smoke.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import Ran, cli, error_lines, one_type
from support.run import leftovers

from contract.checks import CHECKS
from contract.emulator import EmulatorServer

# A delete that deletes nothing: gone_after_delete fails, other checks hold. The stateful
# phase is off: its sequences are not what these tests are about.
DELETE_NOOP = (
    *("--emulator-fault", "delete_noop", "--examples", "2", "--no-shrink"),
    *("--stateful-runs", "0"),
)


def report_of(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


def assert_one_error(result: Ran, *says: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert result.stderr.strip().splitlines() == [line]
    assert result.stdout == ""
    for words in says:
        assert words in line, line


@pytest.mark.parametrize("command", ["run", "baseline"])
def test_help_shows_examples_and_exit_codes(command: str) -> None:
    result = cli(command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "Examples:" in text and f"close-contract {command} " in text
    assert "Exit codes:" in text
    for code in ("0", "1", "2", "3", "130"):
        assert any(line.split()[:1] == [code] for line in text.splitlines()), code
    for option in ("--checks", "--exclude-checks", "--verbose", "--quiet"):
        assert option in text
    assert ("--exitfirst" in text) == (command == "run")
    names = " ".join(text.split("Checks (--checks, --exclude-checks):", 1)[1].split())
    assert names == ", ".join(sorted(CHECKS))


def test_checks_runs_only_the_named_checks(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    result = cli("run", *DELETE_NOOP, "--checks", "gone_after_delete", "--report-json", str(report))
    assert result.returncode == 1, result.stderr
    assert {v["check"] for v in report_of(report)["violations"]} == {"gone_after_delete"}


def test_exclude_checks_runs_every_other_check(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    excluded = "read_after_create,listed_after_create"
    result = cli("run", *DELETE_NOOP, "--exclude-checks", excluded, "--report-json", str(report))
    assert result.returncode == 1, result.stderr
    found = {v["check"] for v in report_of(report)["violations"]}
    assert found and not found & set(excluded.split(","))
    assert "gone_after_delete" in found


@pytest.mark.parametrize("option", ["--checks", "--exclude-checks"])
def test_an_unknown_check_is_one_line_and_exit_2(option: str) -> None:
    result = cli("run", option, "status_conformance,no_such_check")
    assert_one_error(result, option, "'no_such_check' is not a check", "status_conformance")


def test_a_selection_that_leaves_no_check_is_refused() -> None:
    result = cli("run", "--checks", "auth_enforced", "--exclude-checks", "auth_enforced")
    assert_one_error(result, "leave no check to run")


def test_exitfirst_is_refused_where_a_partial_run_would_be_written_down(tmp_path: Path) -> None:
    assert_one_error(
        cli("run", "-x", "--record", str(tmp_path / "rec")),
        "--exitfirst cannot be combined with --record",
        "drop --exitfirst",
    )


def test_exitfirst_stops_after_the_first_failing_case_and_still_cleans_up(tmp_path: Path) -> None:
    # Given a live target whose updates are not stored (every valid case fails), with
    # instances that do persist: the reference instances, the run's leads and contacts
    with EmulatorServer(db_path=tmp_path / "e.db", faults=["update_not_persisted"]) as srv:
        before = leftovers(srv)
        live = (
            *("--base-url", srv.base_url, "--api-key", srv.api_key),
            *("--examples", "5", "--stateful-runs", "0"),
        )
        report = tmp_path / "r.json"
        result = cli("run", *live, "-x", "--report-json", str(report))
        after = leftovers(srv)
        full = cli("run", *live, "--report-json", str(tmp_path / "full.json"))

    assert result.returncode == 1, result.stderr
    data = report_of(report)
    failing = [c for c in data["cases"] if not c["passed"]]
    # Then the run ended at its first failing case, said so, and deleted all it created
    assert len(failing) == 1 and data["cases"][-1] == failing[0]
    assert data["summary"]["stopped_early"] is True
    assert len(data["cases"]) < len(report_of(tmp_path / "full.json")["cases"])
    assert "stopped early (-x)" in result.stdout
    assert "cleanup: deleted" in result.stderr
    assert after == before
    assert full.returncode == 1


def test_counts_are_singular_for_one() -> None:
    # One stateful sequence (the tour), two types
    result = cli("run", "--examples", "1", "--stateful-runs", "1")
    assert result.returncode == 0, result.stderr
    assert "stateful: 1 case\n" in result.stderr
    assert "(2 types, seed" in result.stderr


def test_one_type_is_one_type() -> None:
    # A type no other type references can run alone
    result = cli(
        "run", "--examples", "1", "--stateful-runs", "0", "--custom-object-type-id", one_type()
    )
    assert result.returncode == 0, result.stderr
    assert "(1 type, seed 0)" in result.stderr


def test_a_json_report_on_stdout_leaves_stdout_to_json() -> None:
    # When the report goes to stdout (`| jq`), everything else the run says goes to stderr.
    result = cli("run", "--examples", "1", "--stateful-runs", "0", "--report-json", "-")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == 2 and report["summary"]["exit_code"] == 0
    assert "contract holds" in result.stderr and "contract holds" not in result.stdout
