"""One reducer from events to the summary: the engine's totals and a report's agree."""

from __future__ import annotations

from contract.errors import ContractViolation
from contract.events import CaseFinished, RunFinished
from contract.reports import RunReport
from contract.totals import Totals


def case(phase: str, requests: int, *checks: str, inconclusive: str | None = None) -> CaseFinished:
    found = tuple(ContractViolation(check=c, title=f"{c} failed") for c in checks)
    judged = dict.fromkeys(checks, (0, 1)) | {"not_a_server_error": (requests, 0)}
    return CaseFinished(
        phase, "a case", "cot_1", None, requests, (201,), 0.1, found, inconclusive, judged
    )


EVENTS = [
    case("setup", 3),
    case("valid", 5),
    case("valid", 4, "echo_conformance", "response_schema_conformance"),
    case("invalid", 1, inconclusive="timed out"),
    case("schemathesis", 7, "echo_conformance"),
]


def test_totals_count_cases_violations_and_the_first_failing_request() -> None:
    totals = Totals(requests_before=2)
    for event in EVENTS:
        assert totals.add(event) is event
    summary = totals.summary(enabled_checks=None, workers=2)
    assert (summary.cases, summary.violations, summary.inconclusive) == (5, 3, 1)
    assert summary.by_check == {"echo_conformance": 2, "response_schema_conformance": 1}
    # Two before the first case, then 3 + 5 + 4 by the time the first violation ended.
    assert summary.first_violation_request == 14
    assert summary.requests == 20 and totals.foreign_requests == 7
    assert summary.workers == 2
    echo = summary.checks["echo_conformance"]
    assert (echo.judged, echo.failed) == (2, 2)
    # Passed in an inconclusive case: neither passed nor failed.
    assert summary.checks["not_a_server_error"].inconclusive == 1


def test_a_report_of_a_run_cut_short_sums_up_as_the_engine_would() -> None:
    report = RunReport()
    totals = Totals()
    for event in EVENTS:
        report.add(event)
        totals.add(event)
    partial = report.summary
    assert partial.interrupted
    engine = totals.summary(duration=partial.duration, interrupted=True)
    assert partial == engine
    # Once the run's own summary arrives, the report shows it as it is.
    report.add(RunFinished(engine, tuple(totals.violations)))
    assert report.summary is engine
