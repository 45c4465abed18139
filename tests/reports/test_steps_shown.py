"""A violation that takes several requests to reproduce shows them numbered, in order, in
every output: the terminal, the JSON report (and its schema), JUnit XML, Markdown and the
pytest suite's failures; with no key anywhere. A violation of one request reads as before."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft202012Validator
from rich.console import Console

from contract.cli._terminal import QUIET, VERBOSE, Terminal
from contract.client import Exchange
from contract.errors import ContractViolation
from contract.events import CaseFinished, RunFinished, RunStarted, Summary
from contract.reports import RunReport, report_schema, write_reports
from contract.secrets import Redactor

KEY = "api_steps_canary_key_5d2b7e1c"
OBJECT = "custobj_StepsCanaryObject0001"


def request(method: str, path: str, body: object = None) -> Exchange:
    """One answered request of a sequence, whose body quotes the key (a target's echo)."""
    return Exchange(
        method=method,
        url=f"https://api.close.example/api/v1/{path}",
        path=path,
        params=(),
        request_headers=(("Content-Type", "application/json"),) if body is not None else (),
        request_body=None if body is None else json.dumps(body).encode(),
        status=200,
        response_headers=(),
        response_body=b"{}",
        elapsed=0.01,
        attempts=1,
        auth="basic",
        redactor=Redactor([KEY]),
    )


SEQUENCE = (
    request("POST", "custom_object/", {"name": f"first {KEY}", "lead_id": "lead_x"}),
    request("PUT", f"custom_object/{OBJECT}/", {"name": "renamed"}),
    request("GET", f"custom_object/{OBJECT}/"),
)
STEPS = tuple(exchange.curl() for exchange in SEQUENCE)


def violation(*, steps: tuple[str, ...] = STEPS) -> ContractViolation:
    return ContractViolation(
        check="put_is_patch",
        title=f"GET custom_object/{OBJECT}/ lost a value a PUT left out",
        message="A PUT behaves as a PATCH: keys it leaves out keep their value.",
        reproduction=STEPS[-1],
        response={"status": 200, "response_body": "{}"},
        steps=steps,
    )


def case_of(*found: ContractViolation, phase: str = "stateful") -> CaseFinished:
    return CaseFinished(phase, "sequence 1", None, None, 3, (201, 200, 200), 0.1, found)


def report_of(*found: ContractViolation) -> RunReport:
    report = RunReport(started=RunStarted("emulator", "http://127.0.0.1:1/api/v1", 0, ()))
    report.add(case_of(*found))
    by_check: dict[str, int] = {}
    for each in found:
        by_check[each.check] = by_check.get(each.check, 0) + 1
    report.add(RunFinished(Summary(1, 3, len(found), by_check), found))
    return report


def numbered(text: str) -> list[int]:
    """The numbers of the numbered lines of ``text`` that hold a curl command, in order."""
    return [int(m[1]) for m in re.finditer(r"(?m)^\s*(?:# )?(\d+)\.\s*(?:curl .*)?$", text)]


def test_the_steps_come_from_redacted_curl_commands() -> None:
    # The key planted in the first body is blanked by the exchange itself
    assert len(STEPS) == 3 and all(step.startswith("curl -X ") for step in STEPS)
    assert KEY not in "".join(STEPS) and "[REDACTED]" in STEPS[0]


# --- the terminal -------------------------------------------------------------------------


def shown(
    found: ContractViolation, *, terminal: bool, verbosity: int = 0, reports: bool = True
) -> list[str]:
    out = io.StringIO()
    console = Console(
        file=out, width=60, soft_wrap=True, color_system=None, force_terminal=terminal
    )
    term = Terminal(
        err=console,
        out=console,
        verbosity=verbosity,
        redact=lambda text: text.replace(KEY, "[REDACTED]"),
        reports=reports,
    )
    term.findings.add(case_of(found))
    term.show_findings()
    return out.getvalue().splitlines()


def test_a_terminal_shows_the_steps_numbered_one_per_line() -> None:
    lines = shown(violation(), terminal=True)
    start = lines.index("  reproduce (3 requests, in order):")
    assert lines[start + 1 : start + 4] == [f"    {n}. {s}" for n, s in enumerate(STEPS, 1)]
    assert not any(line.startswith("  reproduce: ") for line in lines)


def test_piped_the_steps_stay_one_line_that_says_where_they_are() -> None:
    lines = shown(violation(), terminal=False)
    assert "  reproduce: 3 requests, in order (see the report)" in lines
    assert not any("curl" in line for line in lines)
    # Without a report -v is what shows them, and with -v they are there, numbered
    alone = shown(violation(), terminal=False, reports=False)
    assert "  reproduce: 3 requests, in order (-v shows them)" in alone
    verbose = shown(violation(), terminal=False, verbosity=VERBOSE)
    assert [line for line in verbose if re.match(r"    \d\. curl ", line)] == [
        f"    {n}. {s}" for n, s in enumerate(STEPS, 1)
    ]


def test_quiet_shows_no_steps() -> None:
    assert shown(violation(), terminal=True, verbosity=QUIET) == []


def test_a_terminal_blanks_a_key_that_reached_a_step() -> None:
    leaked = violation(steps=(*STEPS[:2], f"curl -X GET https://h/?api_key={KEY}"))
    for terminal in (True, False):
        text = "\n".join(shown(leaked, terminal=terminal, verbosity=VERBOSE))
        assert KEY not in text and "[REDACTED]" in text


@pytest.mark.parametrize("terminal", [True, False])
def test_a_terminal_shows_a_violation_without_steps_as_before(terminal: bool) -> None:
    lines = shown(violation(steps=()), terminal=terminal)
    assert lines[-1] == f"  reproduce: {STEPS[-1]}"
    assert not any("in order" in line for line in lines)


# --- the reports --------------------------------------------------------------------------


def written(report: RunReport, directory: Path) -> dict[str, str]:
    paths = {name: directory / f"report.{name}" for name in ("json", "xml", "md")}
    write_reports(
        report,
        json_path=paths["json"],
        junit_path=paths["xml"],
        markdown_path=paths["md"],
        redact=[KEY],
    )
    return {name: path.read_text("utf-8") for name, path in paths.items()}


def test_every_report_lists_the_steps_in_order_without_the_key(tmp_path: Path) -> None:
    leaked = violation(steps=(*STEPS, f"curl -X GET https://h/?api_key={KEY}"))
    files = written(report_of(leaked), tmp_path)
    for text in files.values():
        assert KEY not in text
    steps = (*STEPS, "curl -X GET https://h/?api_key=[REDACTED]")

    # JSON: an array of the commands, in order, valid against the shipped schema
    data = json.loads(files["json"])
    Draft202012Validator(report_schema()).validate(data)
    assert data["violations"][0]["steps"] == list(steps)

    # JUnit: the failure's text numbers them
    failure = ET.fromstring(files["xml"]).find(".//failure")
    assert failure is not None and failure.text is not None
    assert "Reproduce with these requests, in order:" in failure.text
    assert [f"  {n}. {s}" for n, s in enumerate(steps, 1)] == [
        line for line in failure.text.splitlines() if re.match(r"  \d\. ", line)
    ]

    # Markdown: one sh block, each command under its number as a shell comment
    block = files["md"].split("Reproduce with these requests, in order:\n\n```sh\n", 1)[1]
    block = block.split("\n```", 1)[0]
    expected = [line for n, s in enumerate(steps, 1) for line in (f"# {n}.", s)]
    assert block.splitlines() == expected
    assert numbered(block) == [1, 2, 3, 4]


def test_the_schema_types_the_steps() -> None:
    entry = report_schema()["$defs"]["violation"]
    assert entry["properties"]["steps"] == {
        "description": entry["properties"]["steps"]["description"],
        "type": "array",
        "items": {"type": "string"},
    }
    data = report_of(violation()).to_json()
    data["violations"][0]["steps"] = [1, 2]
    assert not Draft202012Validator(report_schema()).is_valid(data)
    # A report of this format written before the key existed still validates
    del data["violations"][0]["steps"]
    Draft202012Validator(report_schema()).validate(data)


def test_reports_of_a_violation_without_steps_read_as_before(tmp_path: Path) -> None:
    found = violation(steps=())
    files = written(report_of(found), tmp_path)
    data = json.loads(files["json"])
    assert data["violations"][0]["steps"] == []
    failure = ET.fromstring(files["xml"]).find(".//failure")
    assert failure is not None
    assert (
        failure.text
        == f"[{found.check}] {found.title}\n{found.message}\nReproduce with:\n  {STEPS[-1]}"
    )
    assert f"\n```sh\n{STEPS[-1]}\n```\n" in files["md"]
    assert "in order" not in files["md"]


# --- pytest -------------------------------------------------------------------------------


def test_a_suite_failure_shows_the_numbered_steps() -> None:
    from contract.suite.test_contract import _verdict

    found = replace(violation(), steps=STEPS)
    with pytest.raises(pytest.fail.Exception) as failed:
        _verdict([case_of(found)], [found], "the stateful phase")
    text = str(failed.value)
    assert "1 violation(s) of the stateful phase" in text
    assert [f"  {n}. {s}" for n, s in enumerate(STEPS, 1)] == [
        line for line in text.splitlines() if re.match(r"  \d\. ", line)
    ]
    assert KEY not in text


def test_the_suite_has_an_item_for_the_stateful_phase(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--pyargs", "contract.suite", "--collect-only", "-q")
    assert "test_contract.py::test_stateful" in result.stdout.str()


def test_a_violation_raised_in_a_test_shows_its_steps(pytester: pytest.Pytester) -> None:
    # A test of one's own that raises a violation (as the checks do) fails with its steps
    pytester.makepyfile(
        f"""
        from contract.errors import ContractViolation

        def test_sequence():
            raise ContractViolation(
                check="put_is_patch", title="a PUT lost a value", steps={STEPS!r}
            )
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == 1
    out = result.stdout.str()
    numbers = [found[1] for found in re.finditer(r"(?m)  (\d)\. curl ", out)]
    assert numbers[:3] == ["1", "2", "3"]
