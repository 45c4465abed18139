"""The cleanup ledger against a scripted server: what it deletes, in which order, and what
it reports when it cannot."""

from __future__ import annotations

import json
import threading
import time

import httpx

from contract.client import CloseClient, RetryPolicy
from contract.ledger import Ledger

ROOT = "https://api.close.example/api/v1"
LEAD = "lead_disposable"


class Server:
    """Custom objects on leads; a lead cannot be deleted while instances hang on it."""

    def __init__(self, objects: dict[str, str], *, ignore_filter: bool = False) -> None:
        self.objects = dict(objects)  # id -> lead id
        self.ignore_filter = ignore_filter
        self.leads = {LEAD, "lead_mine"}
        self.deletes: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = [p for p in request.url.path.removeprefix("/api/v1/").split("/") if p]
        if request.method == "GET" and parts == ["custom_object"]:
            lead = request.url.params["lead_id"]
            data = [
                {"id": i, "lead_id": owner}
                for i, owner in sorted(self.objects.items())
                if owner == lead or self.ignore_filter
            ]
            return httpx.Response(200, json={"data": data, "has_more": False})
        if request.method == "GET" and len(parts) == 2 and parts[1] in self.objects:
            return httpx.Response(200, json={"id": parts[1], "lead_id": self.objects[parts[1]]})
        if request.method == "DELETE" and len(parts) == 2:
            kind, object_id = parts
            self.deletes.append(object_id)
            if kind == "lead":
                if any(owner == object_id for owner in self.objects.values()):
                    return httpx.Response(409, json={"error": "the lead has custom objects"})
                self.leads.discard(object_id)
                return httpx.Response(204)
            if self.objects.pop(object_id, None) is None:
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(204)
        return httpx.Response(400, content=json.dumps({"error": "unexpected"}))


def client(server: Server) -> CloseClient:
    return CloseClient(
        ROOT,
        "api_ledger_test_key_0123",
        transport=httpx.MockTransport(server),
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda seconds: None,
    )


def test_cleanup_deletes_in_reverse_order_strays_before_their_lead() -> None:
    # Given a run that recorded its lead and one instance, and an instance whose create
    # failed with a 5xx but was stored anyway (the ledger never saw its id)
    server = Server({"custobj_known": LEAD, "custobj_stray": LEAD, "custobj_other": "lead_mine"})
    with client(server) as c:
        ledger = Ledger(c)
        ledger.add("lead", LEAD)
        ledger.disposable_lead = LEAD
        ledger.add("custom_object", "custobj_known")

        # When the run cleans up
        deleted, leftovers = ledger.cleanup()

    # Then every instance on the disposable lead went before the lead, and nothing else
    assert leftovers == ()
    assert deleted == 3
    assert server.deletes[-1] == LEAD
    assert set(server.deletes) == {"custobj_known", "custobj_stray", LEAD}
    assert server.objects == {"custobj_other": "lead_mine"}
    assert server.leads == {"lead_mine"}
    assert ledger.entries == []


def test_cleanup_on_a_given_lead_deletes_only_what_it_recorded() -> None:
    server = Server({"custobj_mine": "lead_mine", "custobj_run": "lead_mine"})
    with client(server) as c:
        ledger = Ledger(c)
        ledger.add("custom_object", "custobj_run")
        assert ledger.cleanup() == (1, ())
    assert server.deletes == ["custobj_run"]
    assert server.objects == {"custobj_mine": "lead_mine"}


def test_cleanup_reports_what_it_could_not_delete() -> None:
    # Given instances that are already gone, and a lead the server refuses to delete
    server = Server({"custobj_kept": "lead_mine"})
    server.leads.add("lead_busy")
    server.objects["custobj_pin"] = "lead_busy"
    with client(server) as c:
        ledger = Ledger(c)
        ledger.add("lead", "lead_busy")
        ledger.add("custom_object", "custobj_gone")

        deleted, leftovers = ledger.cleanup()

    # Then a 404 counts as gone, the refusal as a leftover with its reason
    assert deleted == 0
    assert leftovers == ("lead lead_busy: DELETE answered 409",)
    assert ledger.entries == [("lead", "lead_busy")]


def test_cleanup_when_the_target_is_gone() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with CloseClient(
        ROOT,
        "api_ledger_test_key_0123",
        transport=httpx.MockTransport(down),
        retry=RetryPolicy(max_attempts=1),
    ) as c:
        ledger = Ledger(c)
        ledger.add("lead", LEAD)
        ledger.disposable_lead = LEAD
        ledger.add("custom_object", "custobj_a")

        deleted, leftovers = ledger.cleanup()

    assert deleted == 0
    assert [text.split(":")[0] for text in leftovers] == ["custom_object custobj_a", f"lead {LEAD}"]
    assert all("cannot reach" in text for text in leftovers)


def test_cleanup_does_not_trust_a_list_that_ignores_its_filter() -> None:
    # Given a list that answers every lead's instances, another lead's among them
    server = Server({"custobj_stray": LEAD, "custobj_other": "lead_mine"}, ignore_filter=True)
    with client(server) as c:
        ledger = Ledger(c)
        ledger.add("lead", LEAD)
        ledger.disposable_lead = LEAD

        # When the run cleans up
        ledger.cleanup()

    # Then only what a GET of its id shows on the run's own lead was deleted
    assert "custobj_other" not in server.deletes
    assert server.objects == {"custobj_other": "lead_mine"}
    assert set(server.deletes) == {"custobj_stray", LEAD}


class Crowded(Server):
    """A server that answers a DELETE 20 ms late and notes which deletes overlapped
    another."""

    def __init__(self, objects: dict[str, str], leads: set[str]) -> None:
        super().__init__(objects)
        self.leads |= leads
        self.running: set[str] = set()
        self.overlapped: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method != "DELETE":
            return super().__call__(request)
        object_id = request.url.path.rstrip("/").split("/")[-1]
        with self.lock:
            if self.running:
                self.overlapped |= self.running | {object_id}
            self.running.add(object_id)
        time.sleep(0.02)
        try:
            with self.lock:
                return super().__call__(request)
        finally:
            with self.lock:
                self.running.discard(object_id)


def test_a_concurrent_cleanup_deletes_referable_instances_last_and_one_by_one() -> None:
    # Given a run with four leads of its own; on the first, two reference instances other
    # instances point to; an instance it knows on each lead, and a stray (a create
    # answered 5xx) on each that only the search at cleanup finds
    leads = [f"lead_own{n}" for n in range(4)]
    objects = {f"custobj_ref{n}": leads[0] for n in range(2)}
    objects |= {f"custobj_known{n}": lead for n, lead in enumerate(leads)}
    objects |= {f"custobj_stray{n}": lead for n, lead in enumerate(leads)}
    server = Crowded({**objects, "custobj_other": "lead_mine"}, set(leads))
    with client(server) as c:
        ledger = Ledger(c)
        for n, lead in enumerate(leads):
            ledger.add("lead", lead)
            ledger.own_lead(lead, main=n == 0)
        for n in range(2):
            ledger.add("custom_object", f"custobj_ref{n}")
            ledger.referable.add(f"custobj_ref{n}")
        for n in range(4):
            ledger.add("custom_object", f"custobj_known{n}")

        # When it cleans up with four workers
        deleted, leftovers = ledger.cleanup(workers=4)

    # Then everything it made is gone, and nothing else
    assert (deleted, leftovers) == (14, ())
    assert server.objects == {"custobj_other": "lead_mine"}
    assert server.leads == {LEAD, "lead_mine"}
    # ... the instances nothing refers to first, several at a time
    order = server.deletes
    assert set(order[:8]) == set(objects) - {"custobj_ref0", "custobj_ref1"}
    assert len(server.overlapped & set(order[:8])) > 1
    # ... then the referable ones, last made first, each alone
    assert order[8:10] == ["custobj_ref1", "custobj_ref0"]
    assert not server.overlapped & {"custobj_ref0", "custobj_ref1"}
    # ... and the leads, which nothing else refers to, at the same time, last
    assert set(order[10:]) == set(leads)
    assert len(server.overlapped & set(leads)) > 1
