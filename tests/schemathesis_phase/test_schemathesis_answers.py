"""The schemathesis phase says nothing about what Close leaves open (blank text, refused or
kept), and every finding shows the answer its check judged, in the phase's result, in the
run's violations and in the JSON report."""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.run import type_ids
from test_schemathesis_phase import CANARY_KEY, _everything, target

import contract
from contract.events import CaseFinished, Event, RunFinished
from contract.reports import RunReport


@pytest.mark.parametrize("refuse_blank_text", [False, True], ids=["keeps", "refuses"])
def test_no_finding_whether_a_server_keeps_or_refuses_blank_text(refuse_blank_text: bool) -> None:
    # Given a server that keeps blank and padded text as sent, or one that refuses it in
    # names and required text fields (the type has a required text field)
    with target(refuse_blank_text=refuse_blank_text) as t:
        assert any(f.get("type") == "text" and f.get("required") for f in t.contract.fields), (
            "the type has a required text field"
        )

        # When schemathesis sends valid data, data that breaks the document and sequences
        result = t.run(max_examples=5, seed=0)

        # Then its valid requests were accepted and nothing is found: neither that a valid
        # request was refused, nor that blank text was accepted
        assert result.findings == (), [(f.check, f.title, f.response) for f in result.findings]
        assert result.errors == ()
        assert result.created > 0
        assert result.leftovers == ()


def test_an_ignored_auth_finding_shows_the_probe_and_its_answer() -> None:
    with target(faults=["auth_not_enforced"], api_key=CANARY_KEY) as t:
        result = t.run(max_examples=2, seed=0, stateful=False, checks=("ignored_auth",))

    (finding, *_) = [f for f in result.findings if f.check == "ignored_auth"]
    assert finding.request is not None and finding.response is not None
    # The request judged is the probe sent without the run's credentials, and the answer
    # shown is what the server gave it: a success
    headers = {name.lower(): value for name, value in finding.request["request_headers"].items()}
    assert headers.get("authorization", "[REDACTED]").endswith("[REDACTED]")
    assert 200 <= finding.response["status"] < 300
    assert finding.response["response_body"]
    assert CANARY_KEY not in _everything(result)


def _run(fault: str) -> list[Event]:
    """A small run on one type with the phase, against the embedded emulator with ``fault``."""
    config = contract.Config(
        schemathesis=True,
        # (a few examples: which of schemathesis's cases draw a 4xx depends on its data)
        examples=3,
        stateful_runs=0,
        emulator_faults=(fault,),
        custom_object_type_ids=(type_ids()["Subscription"],),
    )
    return list(contract.run(config))


@pytest.mark.parametrize(
    ("fault", "check", "statuses", "method"),
    [
        ("create_returns_200", "status_code_conformance", {200}, "POST"),
        ("error_not_json", "content_type_conformance", set(range(400, 500)), None),
    ],
)
def test_a_finding_in_a_run_carries_the_real_answer(
    fault: str, check: str, statuses: set[int], method: str | None
) -> None:
    # Given a run with the phase against a server with a fault schemathesis reports
    events = _run(fault)
    (finished,) = [e for e in events if isinstance(e, RunFinished)]

    # Then the phase's violation of that check carries the request and the answer
    found = [v for v in finished.violations if v.check == f"schemathesis:{check}"]
    assert found, [v.check for v in finished.violations]
    violation = found[0]
    assert violation.request is not None and violation.response is not None
    assert violation.response["status"] in statuses
    body = violation.response["response_body"]
    content_type = violation.response["response_headers"]["content-type"]
    if fault == "create_returns_200":
        assert violation.request["method"] == method
        assert violation.request["path"] == "custom_object/"
        assert content_type.startswith("application/json")
        assert json.loads(body)["id"].startswith("custobj_")
    else:
        assert not content_type.startswith("application/json")
        assert body.strip()
    # ...and so does the JSON report
    report = RunReport()
    for event in events:
        report.add(event)
    reported = [v for v in report.to_json()["violations"] if v["check"] == violation.check]
    assert reported and all(_answered(v["response"]) for v in reported)
    assert reported[0]["response"]["status"] == violation.response["status"]
    assert any(isinstance(e, CaseFinished) and e.phase == "schemathesis" for e in events)


def _answered(response: Any) -> bool:
    return isinstance(response, dict) and isinstance(response.get("status"), int)
