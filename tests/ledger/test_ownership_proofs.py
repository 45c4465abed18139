"""Ownership is proven, never assumed: on a scripted server that lies, the run writes only
to what a GET proved its own, and cleanup lists the rest as left alone."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from contract.client import CloseClient, RetryPolicy
from contract.config import Config
from contract.discovery import Organization
from contract.errors import ConfigurationError, NotProvablyOurs
from contract.ledger import Ledger
from contract.ledger._ownership import prove_instance, prove_lead
from contract.phases._lifecycle import OWNERSHIP, post_create, prove_created
from contract.phases._setup import prepare_lead
from contract.session._session import Outcome, Session

ROOT = "https://api.close.example/api/v1"
KEY = "api_ownership_test_key_0123"
USER = "user_" + "U" * 43
ORG = "orga_" + "O" * 43
TYPE = "cotype_" + "T" * 22
CUSTOMER_LEAD = "lead_" + "C" * 43
CUSTOMER_OBJECT = "custobj_" + "C" * 43
TOKEN = "t0k3n"


class Org:
    """Leads and custom objects of one organization, with what can be made to lie: the id
    a create answers, and the lead a list says its items are on."""

    def __init__(self) -> None:
        self.leads: dict[str, dict[str, Any]] = {
            CUSTOMER_LEAD: self._lead(CUSTOMER_LEAD, "Customer Ltd", [{"id": "cont_customer"}])
        }
        self.objects: dict[str, dict[str, Any]] = {
            CUSTOMER_OBJECT: self._object(CUSTOMER_OBJECT, CUSTOMER_LEAD, "Customer laptop")
        }
        self.next = 0
        self.writes: list[str] = []
        self.lead_answer: str | None = None  # the id a lead create answers instead
        self.object_answers: list[Any] = []  # the ids instance creates answer instead
        self.lying_list = False  # a list puts every instance on the lead it was asked for
        self.unreadable_list = False  # a list answers 200 with truncated JSON

    def _lead(self, lead_id: str, name: str, contacts: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": lead_id, "name": name, "created_by": USER, "organization_id": ORG,
                "contacts": contacts, "tasks": [], "opportunities": []}  # fmt: skip

    def _object(self, object_id: str, lead: str, name: str) -> dict[str, Any]:
        return {"id": object_id, "lead_id": lead, "name": name, "custom_object_type_id": TYPE,
                "created_by": USER, "organization_id": ORG}  # fmt: skip

    def _new(self, prefix: str) -> str:
        self.next += 1
        return f"{prefix}{self.next:043d}"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1/")
        parts = [p for p in path.split("/") if p]
        method = request.method
        if method != "GET":
            self.writes.append(f"{method} {path}")
        if method == "POST" and parts == ["lead"]:
            body = json.loads(request.content)
            lead_id = self._new("lead_")
            contacts = [{"id": self._new("cont_"), **c} for c in body.get("contacts", [])]
            self.leads[lead_id] = self._lead(lead_id, body["name"], contacts)
            answer = {**self.leads[lead_id], "id": self.lead_answer or lead_id}
            return httpx.Response(200, json=answer)
        if method == "POST" and parts == ["custom_object"]:
            body = json.loads(request.content)
            object_id = self._new("custobj_")
            self.objects[object_id] = self._object(object_id, body["lead_id"], body["name"])
            answered = self.object_answers.pop(0) if self.object_answers else object_id
            return httpx.Response(201, json={**self.objects[object_id], "id": answered})
        if method == "GET" and parts == ["custom_object"]:
            if self.unreadable_list:
                return httpx.Response(200, content=b'{"data": [{"id": "custobj_')
            lead = request.url.params.get("lead_id")
            data = [
                {**o, "lead_id": lead} if self.lying_list else o
                for o in self.objects.values()
                if self.lying_list or o["lead_id"] == lead
            ]
            return httpx.Response(200, json={"data": data, "has_more": False})
        if len(parts) == 2 and parts[0] in ("lead", "custom_object"):
            store = self.leads if parts[0] == "lead" else self.objects
            if parts[1] not in store:
                return httpx.Response(404, json={"error": "not found"})
            if method == "GET":
                return httpx.Response(200, json=store[parts[1]])
            if method == "DELETE":
                gone = store.pop(parts[1])
                if parts[0] == "lead":
                    self.objects = {
                        k: o for k, o in self.objects.items() if o["lead_id"] != gone["id"]
                    }
                return httpx.Response(204 if parts[0] == "custom_object" else 200)
            if method == "PUT":
                store[parts[1]].update(json.loads(request.content))
                return httpx.Response(200, json=store[parts[1]])
        return httpx.Response(400, json={"error": f"unexpected {method} {path}"})

    @property
    def foreign_writes(self) -> list[str]:
        """Writes that reached the customer's lead or instance."""
        return [w for w in self.writes if CUSTOMER_LEAD in w or CUSTOMER_OBJECT in w]


def session(server: Org, **config: Any) -> Session:
    client = CloseClient(
        ROOT,
        KEY,
        transport=httpx.MockTransport(server),
        retry=RetryPolicy(max_attempts=1),
        sleep=lambda seconds: None,
        pacer=None,
    )
    return Session(Config(**config), client, Ledger(client), run_token=TOKEN)


ORGANIZATION = Organization(USER, ORG, (), (ORG,))


def own_lead(s: Session) -> str:
    lead, _ = prepare_lead(s, Outcome("setup", "disposable lead", None, None), ORGANIZATION)
    return lead


def create(s: Session, lead: str, name: str = "made by the run") -> tuple[Outcome, str | None]:
    outcome = s.outcome("valid", "create", TYPE, None)
    payload = {"lead_id": lead, "custom_object_type_id": TYPE, "name": name}
    _, object_id = post_create(s, outcome, "valid:create", payload, json=payload)
    if object_id is not None and not prove_created(s, outcome, object_id):
        return outcome, None
    return outcome, object_id


def test_a_fresh_lead_and_its_instance_prove_the_run_s_own() -> None:
    # Given a server that tells the truth
    server = Org()
    s = session(server)

    # When the run makes its lead and an instance on it
    lead = own_lead(s)
    outcome, made = create(s, lead)

    # Then both are proven, the guard lets writes to them out, and cleanup deletes both
    assert made is not None and outcome.violations == []
    assert s.ledger.is_ours(made) and s.ledger.guard is not None
    assert s.ledger.guard.allows("custom_object", made) and s.ledger.guard.allows("lead", lead)
    deleted, leftovers = s.ledger.cleanup()
    assert (deleted, leftovers) == (2, ())
    assert server.foreign_writes == []
    assert (
        prove_lead(
            s.client,
            CUSTOMER_LEAD,
            token=TOKEN,
            user_id=USER,
            organization_ids={ORG},
            known_contacts=set(),
            known_instances=set(),
        )
        == f"lead {CUSTOMER_LEAD}: its GET shows the name 'Customer Ltd', without the run's "
        f"token {TOKEN!r}"
    )


def test_a_lead_create_that_answers_an_existing_lead_s_id_writes_nothing() -> None:
    # Given a server whose lead create answers the customer's lead id
    server = Org()
    server.lead_answer = CUSTOMER_LEAD
    s = session(server)

    # When the run makes its disposable lead, it refuses to go on (exit 3)
    with pytest.raises(NotProvablyOurs, match="not provably its own") as refused:
        own_lead(s)
    assert refused.value.exit_code == 3
    assert "\n" not in str(refused.value)

    # Then cleanup deletes nothing, and lists the lead as left alone
    deleted, leftovers = s.ledger.cleanup()
    assert deleted == 0
    assert [line.split(":")[0] for line in leftovers] == [f"lead {CUSTOMER_LEAD}"]
    assert "left alone: not provably ours" in leftovers[0]
    assert server.writes == ["POST lead/"]
    assert CUSTOMER_LEAD in server.leads and CUSTOMER_OBJECT in server.objects


def test_a_create_that_answers_a_foreign_instance_s_id_is_reported_never_written() -> None:
    # Given the run's own lead, and a create that answers the customer's instance id
    server = Org()
    s = session(server)
    lead = own_lead(s)
    server.object_answers = [CUSTOMER_OBJECT]

    # When the run creates an instance and reads it to prove it
    outcome, made = create(s, lead)

    # Then the read placed it on another lead: a violation, and not the run's
    assert made is None
    assert [v.check for v in outcome.violations] == [OWNERSHIP]
    assert "lead_id" in outcome.violations[0].message
    assert s.ledger.guard is not None
    assert not s.ledger.guard.allows("custom_object", CUSTOMER_OBJECT)

    # And cleanup deleted the run's lead (with what it holds), never the customer's instance
    deleted, leftovers = s.ledger.cleanup()
    assert server.foreign_writes == []
    assert server.objects.get(CUSTOMER_OBJECT, {}).get("lead_id") == CUSTOMER_LEAD
    assert any(
        line.startswith(f"custom_object {CUSTOMER_OBJECT}: left alone: not provably ours")
        for line in leftovers
    )
    assert lead not in server.leads


@pytest.mark.parametrize(
    "answered",
    [f"../lead/{CUSTOMER_LEAD}", "custobj_abc\nX-Injected: 1", "custobj_" + "a" * 64 * 1024],
    ids=["traversal", "newline", "64KB"],
)
def test_an_id_of_the_wrong_shape_never_goes_into_a_url(answered: str) -> None:
    # Given a create that answers an id no request can name
    server = Org()
    s = session(server)
    lead = own_lead(s)
    server.object_answers = [answered]

    # When the run creates an instance
    outcome, made = create(s, lead)

    # Then it is a violation, shown short, and nothing is ever sent to it
    assert made is None
    assert [v.check for v in outcome.violations] == [OWNERSHIP]
    assert len(outcome.violations[0].title) < 200
    deleted, leftovers = s.ledger.cleanup()
    assert server.foreign_writes == []
    assert all(answered not in w for w in server.writes)
    assert CUSTOMER_LEAD in server.leads
    # The lead the instance was made on is the run's own and goes, and the instance too
    # (the search of the run's own lead found it under its real id, proven by a GET)
    assert lead not in server.leads and deleted == 2 and len(server.objects) == 1
    assert any(f"custom_object on lead {lead}: left alone" in line for line in leftovers)
    assert all(len(line) < 400 for line in leftovers)


def test_a_list_that_lies_about_its_items_lead_hands_cleanup_nothing_foreign() -> None:
    # Given the run's own lead, and a list that says every instance is on the lead asked for
    server = Org()
    s = session(server)
    own_lead(s)
    server.lying_list = True

    # When cleanup looks for instances the ledger missed on the run's lead
    deleted, leftovers = s.ledger.cleanup()

    # Then the GET of the customer's instance showed its real lead: it was left alone
    assert server.foreign_writes == []
    assert CUSTOMER_OBJECT in server.objects and CUSTOMER_LEAD in server.leads
    assert (deleted, leftovers) == (1, ())


def test_an_id_two_creates_answered_is_never_the_run_s() -> None:
    server = Org()
    s = session(server)
    lead = own_lead(s)
    _, first = create(s, lead)
    assert first is not None
    server.object_answers = [first]

    outcome, second = create(s, lead)

    assert second is None and [v.check for v in outcome.violations] == [OWNERSHIP]
    assert not s.ledger.is_ours(first)
    _, leftovers = s.ledger.cleanup()
    assert any(f"{first}: left alone: not provably ours" in line for line in leftovers)


def test_on_the_user_s_lead_its_own_instances_are_never_the_run_s() -> None:
    # Given the user's own lead, holding an instance of theirs
    server = Org()
    s = session(server, lead_id=CUSTOMER_LEAD)
    lead, contacts = prepare_lead(s, Outcome("setup", "lead", None, None), ORGANIZATION)
    assert (lead, contacts, s.ledger.preexisting) == (
        CUSTOMER_LEAD,
        ["cont_customer"],
        {CUSTOMER_OBJECT},
    )

    # When a create answers that instance's id, and another one an instance whose read
    # shows a name the run did not send
    server.object_answers = [CUSTOMER_OBJECT]
    first, not_made = create(s, lead)
    made_id = server._new("custobj_")
    server.objects[made_id] = server._object(made_id, CUSTOMER_LEAD, "someone else's")
    server.object_answers = [made_id]
    second, renamed = create(s, lead)
    third, made = create(s, lead)

    # Then neither is the run's, and only the instance proven its own is deleted
    assert not_made is None and renamed is None and made is not None
    assert [v.check for v in first.violations + second.violations] == [OWNERSHIP, OWNERSHIP]
    deleted, leftovers = s.ledger.cleanup()
    assert deleted == 1 and made not in server.objects
    assert CUSTOMER_OBJECT in server.objects and made_id in server.objects
    assert server.foreign_writes == []
    assert CUSTOMER_LEAD in server.leads
    assert sum("left alone: not provably ours" in line for line in leftovers) == 2


@pytest.mark.parametrize("given", ["lead_x/../../me", "lead_x lead_y", "custobj_x", "lead_"])
def test_lead_id_must_be_exactly_one_lead_id(given: str) -> None:
    s = session(Org(), lead_id=given)
    # (the message names the option as the door spells it: lead_id from Python)
    with pytest.raises(ConfigurationError, match="lead_id|--lead-id"):
        prepare_lead(s, Outcome("setup", "lead", None, None), ORGANIZATION)


def test_values_that_differ_leave_the_instance_the_run_s_own() -> None:
    # Given a server that stores another name than the one sent, on the run's own lead
    server = Org()
    s = session(server)
    lead = own_lead(s)
    outcome, made = create(s, lead)
    assert made is not None
    server.objects[made]["name"] = "not what was sent"

    # Then the instance is still proven the run's own (values are the checks' matter)
    assert (
        prove_instance(s.client, made, lead_id=lead, type_id=TYPE, organization_ids={ORG}) is None
    )
    assert s.ledger.cleanup() == (2, ())


def test_a_lead_that_gained_what_the_run_did_not_make_is_left_alone() -> None:
    # Given the run's own lead, to which someone else then adds an instance
    server = Org()
    s = session(server)
    lead = own_lead(s)
    intruder = "custobj_" + "I" * 43
    server.objects[intruder] = server._object(intruder, lead, "someone else's")
    server.objects[intruder]["created_by"] = "user_" + "X" * 43

    # When cleanup comes to delete the lead, it reads it again first
    deleted, leftovers = s.ledger.cleanup()

    # Then it leaves the lead (and so the intruder) alone
    assert deleted == 0 and lead in server.leads and intruder in server.objects
    assert leftovers == (
        f"lead {lead}: left alone: lead {lead}: it holds the instance {intruder}, "
        "which the run did not make",
    )


def test_past_its_deadline_cleanup_starts_no_delete_and_lists_what_is_left() -> None:
    server = Org()
    s = session(server)
    lead = own_lead(s)
    _, made = create(s, lead)
    writes = len(server.writes)

    deleted, leftovers = s.ledger.cleanup(deadline=time.monotonic() - 1)

    assert deleted == 0 and len(server.writes) == writes
    assert set(leftovers) == {
        f"custom_object {made}: not deleted: the cleanup timeout ran out",
        f"lead {lead}: not deleted: the cleanup timeout ran out",
    }


def test_the_journal_hears_of_every_create_before_and_after_and_every_delete() -> None:
    server = Org()
    s = session(server)
    heard: list[dict[str, Any]] = []
    s.ledger.journal = heard.append
    lead = own_lead(s)
    _, made = create(s, lead)
    s.ledger.cleanup()

    events = [(e["event"], e.get("id")) for e in heard]
    assert events == [
        ("lead_intent", None),
        ("lead_created", lead),
        ("instance_intent", None),
        ("instance_created", made),
        ("deleted", made),
        ("deleted", lead),
    ]
    assert heard[0]["token"] == TOKEN and TOKEN in heard[0]["name"]
    assert heard[1]["contacts"] and heard[2] == {
        "event": "instance_intent",
        "lead_id": lead,
        "type_id": TYPE,
    }


def test_a_lead_whose_instances_cannot_be_listed_is_never_deleted() -> None:
    # Given a run whose lead is proven, and a list endpoint that then breaks
    server = Org()
    s = session(server)
    lead = own_lead(s)
    server.unreadable_list = True

    # When cleanup comes to the lead: deleting a lead deletes whatever is on it
    deleted, leftovers = s.ledger.cleanup()

    # Then the lead is left alone, with the reason, and no DELETE went out
    assert deleted == 0 and not [w for w in server.writes if w.startswith("DELETE")]
    (line,) = leftovers
    assert lead in line and "not a readable list" in line


def test_a_fresh_lead_is_proven_even_when_its_instances_cannot_be_listed() -> None:
    # Given a list endpoint broken from the start (a regression the run must report)
    server = Org()
    server.unreadable_list = True
    s = session(server)

    # When the run makes its lead, Then the fresh token proves it the run's own
    lead = own_lead(s)
    assert s.ledger.guard is not None and s.ledger.guard.allows("lead", lead)
