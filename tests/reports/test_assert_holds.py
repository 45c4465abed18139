"""RunReport.assert_holds: silent when the contract held; otherwise one AssertionError with
the violations grouped by root cause (or why there is no verdict), the keys blanked."""

from __future__ import annotations

import pytest

from contract.errors import ContractViolation
from contract.events import CaseFinished, RunFinished, Summary
from contract.reports import RunReport

KEY = "api_canary_key_for_assert_holds_0123456789"


def _case(label: str, *found: ContractViolation) -> CaseFinished:
    return CaseFinished("valid", label, "cotype_a", None, 1, (201,), 0.1, tuple(found))


def _lost(object_id: str) -> ContractViolation:
    return ContractViolation(
        check="read_after_create",
        title=f"GET custom_object/{object_id}/ answered 404",
        message=f"the instance was gone; the server said {KEY}",
        reproduction=f'curl -u "$CLOSE_API_KEY:" https://x/api/v1/custom_object/{object_id}/',
    )


def test_a_report_that_holds_says_nothing() -> None:
    report = RunReport()
    report.add(_case("Asset: valid"))
    report.add(RunFinished(Summary(1, 1, 0, {})))
    report.assert_holds()


def test_violations_fail_grouped_by_root_cause_with_their_reproduction() -> None:
    # Given three cases that lost their writes (one root cause, ids differing) and one more
    lost = [_lost(f"custobj_{n}AbCdEfGhIjKlMn") for n in range(3)]
    other = ContractViolation(check="echo_conformance", title="custom.Seats came back as '1'")
    report = RunReport(secrets=(KEY,))
    for n, found in enumerate(lost):
        report.add(_case(f"Asset: valid #{n}", found))
    report.add(_case("Subscription: valid", other))
    report.add(RunFinished(Summary(4, 8, 4, {"read_after_create": 3, "echo_conformance": 1})))

    # When it is asserted to hold
    with pytest.raises(AssertionError) as raised:
        report.assert_holds()

    # Then one message says so, one group per cause with its count, case and reproduction
    text = str(raised.value)
    assert text.startswith("close-contract: contract broken: 4 violations in 4 cases, 2 root")
    first = "custom_object/custobj_0AbCdEfGhIjKlMn/"
    assert f"✗ read_after_create: GET {first} answered 404 (3 cases)" in text
    assert "✗ echo_conformance: custom.Seats came back as '1' (1 case)" in text
    assert "reproduce: curl" in text and "case: Asset: valid #0 (valid)" in text
    # ...the key an answer echoed is blanked, and the report's repr stays one line
    assert KEY not in text and "[REDACTED]" in text
    assert repr(report) == "RunReport(cases=4, violations=4, inconclusive=0, exit_code=1)"


def test_no_verdict_fails_with_its_reason() -> None:
    report = RunReport()
    why = "GET custom_object/ went unanswered"
    report.add(CaseFinished("valid", "Asset: valid", None, None, 1, (), 0.1, inconclusive=why))
    report.add(RunFinished(Summary(1, 1, 0, {}, inconclusive=1, inconclusive_budget=0)))
    with pytest.raises(AssertionError, match="no verdict: the network left 1 case inconclusive"):
        report.assert_holds()
