"""Reports keep no personal data: the answers violations carry (``me/``, a customer's lead)
lose their people's names, emails and phones, and so do the texts that quote them, unless
the run was asked to keep personal data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from support.exchanges import exchange

from contract.cassettes import stand_in
from contract.checks import CheckContext, run_checks
from contract.config import Config
from contract.errors import ContractViolation
from contract.events import CaseFinished, CleanupFinished, RunOptions, RunStarted
from contract.reports import RunReport, report_schema, write_reports

TOKEN = "5e6f7a8b9c0d"
OWN_LEAD = f"close-contract disposable lead (seed 3, run {TOKEN})"
ME = {
    "id": "user_" + "u" * 43,
    "email": "ada.lovelace@analytical.example",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "display_name": "Ada Lovelace",
    "organizations": [{"id": "orga_" + "o" * 43, "name": "Analytical Engines Ltd"}],
}
CUSTOMER = {
    "id": "lead_" + "c" * 43,
    "name": "Grace Hopper Consulting",
    "display_name": "Grace Hopper Consulting",
    "contacts": [
        {
            "id": "cont_" + "g" * 43,
            "name": "Grace Hopper",
            "emails": [{"email": "grace@hopper.example", "type": "office"}],
            "phones": [{"phone": "+12025550123", "type": "mobile"}],
        }
    ],
}
OWN = {"id": "lead_" + "r" * 43, "name": OWN_LEAD, "contacts": []}
PERSONAL = [
    "ada.lovelace@analytical.example",
    "Ada Lovelace",
    "Lovelace",
    "Analytical Engines Ltd",
    "Grace Hopper",
    "grace@hopper.example",
    "+12025550123",
]


def server_errors() -> list[ContractViolation]:
    """What the checks report of three answers of 500 that quote people: me/, a customer's
    lead and the run's own lead; and a violation whose message names the customer."""
    found: list[ContractViolation] = []
    for path, body in (("me/", ME), (f"lead/{CUSTOMER['id']}/", CUSTOMER), ("lead/x/", OWN)):
        answer = exchange(500, body, path=path)
        found += run_checks(["not_a_server_error"], CheckContext(answer, "retrieve", frozenset()))
    found.append(ContractViolation("ownership", "lead holds the contact 'Grace Hopper'"))
    return found


def report_of(*, keep: bool) -> RunReport:
    report = RunReport()
    options = RunOptions.from_config(Config(keep_personal_data=keep))
    started = datetime.now(UTC)
    report.add(
        RunStarted(
            "a live target",
            "https://api.close.example/api/v1",
            3,
            (),
            "live",
            started,
            options,
            TOKEN,
        )
    )
    case = CaseFinished(
        "setup", "lead", None, None, 3, (500, 500, 500), 0.1, tuple(server_errors())
    )
    report.add(case)
    why = "lead lead_x: its GET shows the name 'Grace Hopper Consulting', without the run's token"
    report.add(CleanupFinished(0, (why,)))
    return report


def written(report: RunReport, directory: Path) -> dict[str, str]:
    paths = {"json": directory / "r.json", "md": directory / "r.md", "xml": directory / "r.xml"}
    write_reports(
        report, json_path=paths["json"], markdown_path=paths["md"], junit_path=paths["xml"]
    )
    return {name: path.read_text("utf-8") for name, path in paths.items()}


def test_reports_hold_no_personal_data_of_the_answers_violations_carry(tmp_path: Path) -> None:
    # Given a run whose violations carry me/, a customer's lead and the run's own lead
    report = report_of(keep=False)

    # When its reports are written
    texts = written(report, tmp_path)

    # Then none of them holds a personal value, in a body or a text quoting one
    for name, text in texts.items():
        assert [value for value in PERSONAL if value in text] == [], name
    data = json.loads(texts["json"])
    Draft202012Validator(report_schema()).validate(data)
    bodies = [json.loads(v["response"]["response_body"]) for v in data["violations"][:3]]
    me, customer, own = bodies
    assert me["first_name"] == stand_in("person", "Ada") and me["id"] == ME["id"]
    assert customer["contacts"][0]["name"] == stand_in("person", "Grace Hopper")
    assert data["violations"][3]["title"] == (
        f"lead holds the contact '{stand_in('person', 'Grace Hopper')}'"
    )
    assert stand_in("person", "Grace Hopper Consulting") in data["cleanup"]["leftovers"][0]
    # And the ids, and the run's own lead (its name holds the token), are as they were
    assert customer["id"] == CUSTOMER["id"] and own == OWN
    # And the collected events themselves are untouched: only what is shown is scrubbed
    (case,) = report.cases
    kept = case.violations[0].response
    assert kept is not None and json.loads(kept["response_body"]) == ME


@pytest.mark.parametrize("render", ["to_json", "to_markdown", "to_junit"])
def test_every_rendering_scrubs(render: str) -> None:
    shown = str(getattr(report_of(keep=False), render)())
    assert "Grace Hopper" not in shown and stand_in("person", "Grace Hopper") in shown


def test_keep_personal_data_keeps_it_in_reports(tmp_path: Path) -> None:
    texts = written(report_of(keep=True), tmp_path)
    data = json.loads(texts["json"])
    assert data["options"]["keep_personal_data"] is True
    assert json.loads(data["violations"][1]["response"]["response_body"]) == CUSTOMER
    assert "Grace Hopper" in texts["md"] and "Grace Hopper" in texts["xml"]
