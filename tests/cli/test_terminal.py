"""What a run shows on the terminal: violations grouped by root cause with a count, the
first of each group with its case, answer and curl line, follow-on failures attached to
their cause, one unwrapped line per finding when piped, ``-q`` and ``-v``."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from support.cli import Ran, cli

from contract.cli._terminal import VERBOSE, Terminal
from contract.emulator import EmulatorServer
from contract.errors import ContractViolation
from contract.events import CaseFinished
from contract.reports import excerpt, root_cause

# Naive timestamps: every answer that carries an instance breaks its schema, one cause and
# dozens of violations; a delete that deletes nothing follows in the same cases. The
# stateful phase is off: its sequences start with other operations, so their first
# violations differ.
ONE_CAUSE = (
    *("run", "--emulator-fault", "naive_timestamps", "--emulator-fault", "delete_noop"),
    *("--examples", "5", "--no-shrink", "--stateful-runs", "0"),
)
HEADER = re.compile(r"^✗ (\w+): (.+) \((\d+) cases?\)$")


def run_one_cause(tmp_path: Path, *extra: str) -> tuple[Ran, Any]:
    report = tmp_path / "report.json"
    result = cli(*ONE_CAUSE, "--report-json", str(report), *extra)
    assert result.returncode == 1, result.stdout + result.stderr
    return result, json.loads(report.read_text("utf-8"))


@pytest.fixture(scope="module")
def lost(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ran, Any]:
    return run_one_cause(tmp_path_factory.mktemp("lost"))


def test_violations_are_grouped_by_root_cause_with_a_count(
    lost: tuple[Ran, Any],
) -> None:
    result, data = lost
    lines = result.stderr.splitlines()
    violations = data["violations"]

    # Far fewer lines than violations, and no line twice
    assert len(violations) >= 30
    assert len(lines) < len(violations) / 2, result.stderr
    headers = [line for line in lines if line.startswith("✗ ")]
    assert len(headers) == len(set(headers)) >= 1
    # Each group says how many cases it stands for; together every failing case
    counts = [int(match[3]) for match in map(HEADER.match, headers) if match]
    assert len(counts) == len(headers), headers
    assert sum(counts) == sum(1 for c in data["cases"] if not c["passed"])
    assert max(counts) > 1
    # The first of each group: its case, the answer's status and body, the curl line
    first = violations[0]
    assert f"✗ {first['check']}: {first['title']} (" in result.stderr
    case_line = f"  case: {first['label']} ({first['phase']}), root cause {first['fingerprint']}"
    assert case_line in lines
    assert any(line.startswith(f"  answer: {first['response']['status']} {{") for line in lines)
    assert f"  reproduce: {first['reproduction']}" in lines
    # What followed the cause in the same cases is attached to it, not a group of its own
    assert any(
        re.fullmatch(r"  \+\d+ follow-on failures in the same cases", line) for line in lines
    )
    assert "gone_after_delete" in {v["check"] for v in violations}
    assert not any(h.startswith("✗ gone_after_delete") for h in headers)


def test_a_piped_line_is_never_wrapped(lost: tuple[Ran, Any]) -> None:
    result, data = lost
    first = data["violations"][0]
    # Longer than the 80 columns rich assumes for a pipe, and still on one line
    assert len(first["title"]) > 80 and len(first["reproduction"]) > 80
    lines = result.stderr.splitlines()
    assert any(first["title"] in line for line in lines)
    assert any(first["reproduction"] in line for line in lines)
    assert any(len(line) > 100 for line in result.stderr.splitlines())


def test_quiet_prints_only_the_summary(tmp_path: Path) -> None:
    result, data = run_one_cause(tmp_path, "-q")
    assert result.stderr == ""
    assert "contract broken" in result.stdout
    assert str(data["summary"]["violations"]) in result.stdout


def test_verbose_prints_every_follow_on(tmp_path: Path, lost: tuple[Ran, Any]) -> None:
    normal, data = lost
    verbose, _ = run_one_cause(tmp_path, "-v")
    assert len(verbose.stderr.splitlines()) > len(normal.stderr.splitlines())
    follow_ons = [line for line in verbose.stderr.splitlines() if line.startswith("    ↳ ")]
    # Every check that failed after its case's first violation is named
    later = {v["check"] for v in data["violations"]} - {
        m[1] for m in map(HEADER.match, verbose.stderr.splitlines()) if m
    }
    assert follow_ons and all(any(f"↳ {check}: " in line for line in follow_ons) for check in later)


def test_inconclusive_cases_are_one_line_with_the_first_reason(tmp_path: Path) -> None:
    # Given a network that drops a share of requests once they were sent
    report = tmp_path / "report.json"
    with EmulatorServer(
        db_path=tmp_path / "e.db", chaos=0.15, chaos_seed=1, chaos_retry_after=0
    ) as srv:
        result = cli(
            "run",
            *("--base-url", srv.base_url, "--api-key", srv.api_key),
            *("--examples", "2", "--max-inconclusive", "1", "--report-json", str(report)),
            *("--stateful-runs", "0"),
        )
    data = json.loads(report.read_text("utf-8"))
    inconclusive = data["summary"]["inconclusive"]
    assert result.returncode == 0, result.stderr
    assert inconclusive > 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("? ")]
    first = next(c for c in data["cases"] if c["inconclusive"])
    assert lines == [
        f"? {inconclusive} cases inconclusive (network); the first: "
        f"{first['label']}: {first['inconclusive']}"
    ]


# --- The grouping itself, on made-up cases ----------------------------------------------


def found(check: str, title: str, **extra: Any) -> ContractViolation:
    return ContractViolation(check=check, title=title, **extra)


def case(
    label: str, *violations: ContractViolation, inconclusive: str | None = None
) -> CaseFinished:
    return CaseFinished(
        phase="valid",
        label=label,
        type_id=None,
        case=None,
        requests=1,
        statuses=(),
        elapsed=0.0,
        violations=violations,
        inconclusive=inconclusive,
    )


def test_root_causes_ignore_ids_numbers_and_quoted_values_but_not_statuses() -> None:
    one = found("c", "GET custom_object/custobj_AbCdEfGh1234/ answered 404, 'x' vs \"y\" (3)")
    two = found("c", "GET custom_object/custobj_ZyXwVu987654/ answered 404, 'z' vs \"w\" (7)")
    other_status = found(
        "c", "GET custom_object/custobj_ZyXwVu987654/ answered 500, 'z' vs \"w\" (7)"
    )
    assert root_cause(one) == root_cause(two) != root_cause(other_status)
    # An apostrophe is no quotation, and plain words are no ids
    words = found("org_isolation", "another organization's key answered 404 on type_conformance")
    assert root_cause(words)[1] == words.title
    assert excerpt("a\n  b " + "c" * 300, limit=10) == "a b ccccc…"


def render(*cases: CaseFinished, verbosity: int = 0, reports: bool = True) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=60, soft_wrap=True, color_system=None)
    terminal = Terminal(err=console, out=console, verbosity=verbosity, reports=reports, cap=2)
    for each in cases:
        terminal.findings.add(each)
    terminal.show_findings()
    return out.getvalue().splitlines()


def test_groups_past_the_cap_are_counted_and_the_report_named() -> None:
    cases = [case(f"case {n}", found(f"check_{n}", f"title {n}")) for n in range(5)]
    lines = render(*cases)
    assert sum(line.startswith("✗ ") for line in lines) == 2
    assert lines[-1] == "… and 3 more (see the report)"
    assert render(*cases, reports=False)[-1] == "… and 3 more (-v shows them)"
    assert sum(line.startswith("✗ ") for line in render(*cases, verbosity=VERBOSE)) == 5


def test_follow_ons_belong_to_their_cause_and_repeats_are_one_group() -> None:
    cause = found("read_after_create", "GET x/custobj_AbCdEfGh1234/ answered 404")
    again = found("read_after_create", "GET x/custobj_ZyXwVu987654/ answered 404")
    later = found("gone_after_delete", "DELETE answered 404")
    lines = render(case("a", cause, later, later), case("b", again, later))
    assert lines[1] == f"✗ read_after_create: {cause.title} (2 cases)"
    assert "  +3 follow-on failures in the same cases" in lines
    assert not any(line.startswith("✗ gone_after_delete") for line in lines)
    verbose = render(case("a", cause, later, later), case("b", again, later), verbosity=VERBOSE)
    assert "    ↳ gone_after_delete: DELETE answered 404 (3 times)" in verbose


def test_inconclusive_cases_are_counted_on_one_line() -> None:
    lines = render(case("a", inconclusive="dropped"), case("b", inconclusive="timed out"))
    assert lines == ["? 2 cases inconclusive (network); the first: a: dropped"]


def test_the_summary_shows_what_each_check_did_and_which_did_not_run() -> None:
    from contract.checks import CheckTally
    from contract.events import Summary

    # Given a run that held, where one check judged answers, one judged some in a case the
    # network decided, and one never ran (no second key)
    checks = {
        "status_conformance": CheckTally(judged=12, passed=12),
        "echo_conformance": CheckTally(judged=5, passed=3, inconclusive=2),
        "org_isolation": CheckTally(not_run="no second key (--other-api-key)"),
    }
    summary = Summary(3, 17, 0, {}, checks=checks)
    out, err = io.StringIO(), io.StringIO()
    terminal = Terminal(Console(file=err, width=200), Console(file=out, width=200))

    # When its summary is shown
    terminal.show_summary(summary)

    # Then each check that ran has its row, the inconclusive answers neither passed nor
    # failed, the check that did not run says why, and the verdict says one did not run
    lines = out.getvalue().splitlines()
    rows = {line.split()[0]: line.replace("│", " ").split()[1:] for line in lines if "│" in line}
    assert rows["status_conformance"] == ["12", "12", "0", "0"]
    assert rows["echo_conformance"] == ["5", "3", "0", "2"]
    assert "org_isolation" not in rows
    text = " ".join(out.getvalue().split())
    assert "not run: org_isolation (no second key (--other-api-key))" in text
    assert "contract holds (1 check not run: see above)" in text


def test_each_root_cause_shows_the_fingerprint_of_the_reports(lost: tuple[Ran, Any]) -> None:
    result, data = lost
    shown = re.findall(r"root cause ([0-9a-f]{12})$", result.stderr, re.M)
    assert shown and len(shown) == len(set(shown))
    assert set(shown) <= {v["fingerprint"] for v in data["violations"]}
