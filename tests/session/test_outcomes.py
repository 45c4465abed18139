"""Unanswered requests: what the run concludes, adopts, reports and deletes after them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from contract.client import CloseClient, RetryPolicy
from contract.config import Config
from contract.errors import TargetUnreachable
from contract.events import Summary
from contract.ledger import Ledger
from contract.phases._setup import prepare_lead
from contract.session._session import Outcome, Session

ROOT = "https://api.close.example/api/v1"
KEY = "api_outcomes_test_key_0123456"
DROPPED = httpx.RemoteProtocolError("peer closed connection without sending complete message body")


class Leads:
    """Leads by id; creates may be done and then cut off; deletes may be ignored."""

    def __init__(self, *, drop_creates: int = 0, ignore_deletes: bool = False) -> None:
        self.leads: dict[str, dict[str, Any]] = {}
        self.drop_creates = drop_creates
        self.ignore_deletes = ignore_deletes
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1/")
        self.requests.append(f"{request.method} {path}")
        parts = [p for p in path.split("/") if p]
        if request.method == "POST" and parts == ["lead"]:
            lead = {"id": f"lead_{len(self.leads) + 1}", **json.loads(request.content)}
            lead["contacts"] = []
            self.leads[lead["id"]] = lead
            if self.drop_creates:
                self.drop_creates -= 1
                raise DROPPED  # the lead exists, the answer never arrives
            return httpx.Response(200, json=lead)
        if request.method == "GET" and parts == ["lead"]:
            data = [{"id": i, "name": lead["name"]} for i, lead in self.leads.items()]
            return httpx.Response(200, json={"data": data, "has_more": False})
        if request.method == "GET" and len(parts) == 2 and parts[1] in self.leads:
            return httpx.Response(200, json=self.leads[parts[1]])
        if request.method == "DELETE" and len(parts) == 2:
            if self.ignore_deletes:
                return httpx.Response(200, json={})
            found = self.leads.pop(parts[1], None)
            return httpx.Response(200 if found else 404, json={})
        if request.method == "GET" and len(parts) == 2:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(400, json={"error": f"unexpected {request.method} {path}"})


def session(server: Leads, **config: Any) -> Session:
    client = CloseClient(
        ROOT,
        KEY,
        transport=httpx.MockTransport(server),
        retry=RetryPolicy(max_attempts=2),
        sleep=lambda seconds: None,
    )
    return Session(Config(**config), client, Ledger(client), run_token="t0k3n")


def test_a_lead_whose_create_went_unanswered_is_found_by_its_token_and_adopted() -> None:
    server = Leads(drop_creates=1)
    s = session(server)
    outcome = Outcome("setup", "disposable lead", None, None)

    lead_id, _ = prepare_lead(s, outcome)

    # The one create made the lead; the run found it instead of making a second one.
    assert list(server.leads) == [lead_id] == ["lead_1"]
    assert server.leads[lead_id]["name"] == "close-contract disposable lead (seed 0, run t0k3n)"
    assert [r for r in server.requests if r.startswith("POST")] == ["POST lead/"]
    assert s.ledger.disposable_lead == lead_id and ("lead", lead_id) in s.ledger.entries
    assert outcome.inconclusive is None
    deleted, leftovers = s.ledger.cleanup()
    assert (deleted, leftovers, server.leads) == (1, (), {})


def test_a_lead_that_never_shows_up_stops_the_run_and_is_reported_not_guessed() -> None:
    server = Leads(drop_creates=3)
    s = session(server)
    # The list does not show new leads: nothing can be proven the run's own.
    original = server.__call__

    def hide_list(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/lead/"):
            return httpx.Response(200, json={"data": [], "has_more": False})
        return original(request)

    s.client.close()
    s.client = CloseClient(
        ROOT, KEY, transport=httpx.MockTransport(hide_list), sleep=lambda seconds: None
    )
    s.ledger.client = s.client
    with pytest.raises(TargetUnreachable, match="3 creates went unanswered"):
        prepare_lead(s, Outcome("setup", "disposable lead", None, None))
    deleted, leftovers = s.ledger.cleanup()
    assert deleted == 0 and len(server.leads) == 3  # never deleted without proof
    assert len(leftovers) == 3 and all("went unanswered" in text for text in leftovers)
    assert "close-contract disposable lead (seed 0, run t0k3n) #2" in leftovers[1]


def test_a_delete_that_answers_success_but_keeps_the_lead_is_reported() -> None:
    server = Leads(ignore_deletes=True)
    s = session(server)
    lead_id, _ = prepare_lead(s, Outcome("setup", "disposable lead", None, None))
    deleted, leftovers = s.ledger.cleanup()
    assert deleted == 0
    assert leftovers == (f"lead {lead_id}: DELETE answered success but a GET still finds it",)


def test_an_unanswered_create_on_the_users_lead_is_reported_elsewhere_ignored() -> None:
    s = session(Leads())
    s.ledger.given_lead = "lead_users"
    s.ledger.uncertain("lead_users", "Asset: valid")
    s.ledger.uncertain(None, "Asset: missing lead_id")
    s.ledger.uncertain("lead_" + "0" * 43, "Asset: unknown lead")
    _, leftovers = s.ledger.cleanup()
    (only,) = leftovers
    assert only.startswith("custom_object on lead lead_users: the create for 'Asset: valid'")


@pytest.mark.parametrize(
    ("violations", "inconclusive", "budget", "code"),
    [(0, 0, 0, 0), (0, 3, 3, 0), (0, 4, 3, 3), (2, 9, 3, 1), (1, 0, None, 1), (0, 99, None, 0)],
)
def test_the_exit_code_weighs_violations_before_an_undecided_run(
    violations: int, inconclusive: int, budget: int | None, code: int
) -> None:
    summary = Summary(10, 10, violations, inconclusive=inconclusive, inconclusive_budget=budget)
    assert summary.exit_code == code
    assert summary.to_dict()["inconclusive"] == inconclusive
