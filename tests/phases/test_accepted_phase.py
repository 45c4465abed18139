"""Cases Close may accept or refuse, on hand-made answers: what the phase sends, in which
order, and where it stops (no server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from jsonschema import Draft202012Validator
from support.exchanges import LEAD_ID, OBJECT_ID, TYPE_ID, exchange

from contract.client import Exchange
from contract.discovery import TypeContract
from contract.ledger import Verdict
from contract.phases import mutation_case
from contract.session import Outcome, Session
from strategies import READ_ONLY_KEYS, TEXT_LENGTHS, Case, long_text

NOTES = "custom.cf_" + "n" * 43
BASE = {"custom_object_type_id": TYPE_ID, "lead_id": LEAD_ID, "name": "Rocket"}
READ_ONLY = {key: f"{key}-sent" for key in READ_ONLY_KEYS}
Answer = Callable[[str, str, Any], Exchange]
OK_OR_400 = frozenset(range(200, 300)) | {400}


def instance(sent: dict[str, Any]) -> dict[str, Any]:
    """What a faithful server answers for ``sent``: its values, and its own read-only keys."""
    kept = {k: v for k, v in sent.items() if k not in READ_ONLY_KEYS}
    return {**kept, "id": OBJECT_ID, "organization_id": "orga_" + "o" * 43}


class FakeSession:
    """What the phase uses of a session: ``outcome``, ``send`` (answered by ``answer``), a
    ledger that takes every answered id as the run's own, and the configuration."""

    def __init__(self, answer: Answer, *, lead_id: str | None = None) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, Any]] = []
        self.stored: dict[str, Any] = {}
        self.config = SimpleNamespace(lead_id=lead_id, max_response_time=None)
        self.ledger = SimpleNamespace(
            note=lambda *_, **__: None,
            created=lambda answered, **_: answered,
            claims={OBJECT_ID: None},
            judge=lambda *_: Verdict(True),
        )

    def outcome(self, phase: str, label: str, type_id: str | None, case: Any) -> Outcome:
        return Outcome(phase, label, type_id, case)

    def send(self, outcome: Outcome, kind: str, method: str, path: str, **options: Any) -> Exchange:
        sent = options.get("json")
        if sent is None and options.get("body") is not None:
            sent = json.loads(options["body"])
        self.sent.append((method, path, sent))
        answered = self.answer(method, path, sent)
        outcome.exchanges.append(answered)
        return answered


def faithful(refuse: Callable[[Any], bool] = lambda sent: False) -> Answer:
    """A server that refuses what ``refuse`` says, keeps the rest and ignores read-only
    keys."""
    stored: dict[str, Any] = {}

    def answer(method: str, path: str, sent: Any) -> Exchange:
        if method in ("POST", "PUT") and refuse(sent):
            return exchange(400, {"errors": [], "field-errors": {}}, method=method, path=path)
        if method == "POST":
            stored.update(instance(sent))
            return exchange(201, stored, method=method, path=path)
        if method == "PUT":
            stored.update(instance(sent))
        return exchange(200, stored, method=method, path=path)

    return answer


def contract_of() -> TypeContract:
    anything = Draft202012Validator({})
    found = SimpleNamespace(
        name="Event",
        type_id=TYPE_ID,
        field_types={NOTES: "text"},
        request_validator=anything,
        response_validator=anything,
    )
    return cast(TypeContract, found)


def run(case: Case, answer: Answer, **options: Any) -> tuple[FakeSession, Outcome]:
    session = FakeSession(answer, **options)
    outcome = mutation_case(cast(Session, session), contract_of(), case)
    return session, outcome


def case(mutation: str, payload: dict[str, Any], **more: Any) -> Case:
    return Case(payload, mutation, "why", OK_OR_400, **more)


def test_read_only_keys_refused_on_create_go_in_a_put_of_a_clean_instance() -> None:
    # Given a server that refuses a create naming read-only keys, and ignores them on PUT
    def refuse(sent: Any) -> bool:
        return "id" in sent and "custom_object_type_id" in sent

    session, outcome = run(case("read_only_keys", {**BASE, **READ_ONLY}), faithful(refuse))
    # Then a clean instance is made, read and proven, and the keys go in a PUT of it
    methods = [
        (method, sorted(set(sent or {}) & set(READ_ONLY))) for method, _, sent in session.sent
    ]
    assert methods == [
        ("POST", sorted(READ_ONLY)),
        ("POST", []),
        ("GET", []),
        ("PUT", sorted(READ_ONLY)),
        ("GET", []),
    ]
    assert session.sent[3][2]["name"] == "Rocket"
    assert outcome.violations == [] and outcome.warnings == []


def test_a_stored_author_is_found_on_the_put_and_the_read_after_it() -> None:
    server = faithful()

    def storing(method: str, path: str, sent: Any) -> Exchange:
        if method == "GET":
            return exchange(200, {**instance(BASE), "created_by": READ_ONLY["created_by"]})
        return server(method, path, sent)

    _, outcome = run(case("read_only_keys", {**BASE, **READ_ONLY}), storing)
    assert {v.check for v in outcome.violations} == {"read_only_ignored"}
    assert all(v.severity == "error" for v in outcome.violations)


def test_the_ladder_climbs_until_the_first_refusal() -> None:
    # Given a server that refuses texts longer than 4,096 characters
    def refuse(sent: Any) -> bool:
        return any(isinstance(v, str) and len(v) > 4096 for v in sent.values())

    payload = {**BASE, "name": long_text(256, "name"), NOTES: long_text(256, NOTES)}
    session, outcome = run(case("text_lengths", payload), faithful(refuse))
    # Then each length up to 4,096 is created and read back, and 16,384 is the last sent
    posts = [len(sent["name"]) for method, _, sent in session.sent if method == "POST"]
    assert posts == [256, 1024, 4096, 16384]
    assert [m for m, _, _ in session.sent].count("GET") == 3
    assert all(len(s[NOTES]) == len(s["name"]) for m, _, s in session.sent if m == "POST")
    assert outcome.violations == []


def test_the_ladder_stops_at_a_cut_text_and_reports_it() -> None:
    server = faithful()

    def cutting(method: str, path: str, sent: Any) -> Exchange:
        made = server(method, path, sent)
        body = json.loads(made.response_body)
        body["name"] = body["name"][:4096]
        return exchange(made.status, body, method=method, path=path)

    payload = {**BASE, "name": long_text(256, "name")}
    session, outcome = run(case("text_lengths", payload), cutting)
    posts = [len(sent["name"]) for method, _, sent in session.sent if method == "POST"]
    assert posts == list(TEXT_LENGTHS[:4])  # 16,384 came back cut: the last sent
    assert {v.check for v in outcome.violations} >= {"echo_conformance", "read_after_create"}


def test_on_the_customers_lead_the_name_stays_plain_and_a_duplicated_name_is_not_sent() -> None:
    zero = "Zero\u200bwidth"
    unusual = case("unicode_zero_width", {**BASE, "name": zero, NOTES: zero})
    session, _ = run(unusual, faithful(), lead_id=LEAD_ID)
    (_, _, sent), *_ = session.sent
    assert sent["name"] == "close-contract unicode_zero_width" and sent[NOTES] == zero
    body = b'{"name":"First",' + json.dumps(BASE).encode()[1:]
    twice = case("duplicate_key", BASE, target="name", body=body)
    session, outcome = run(twice, faithful(), lead_id=LEAD_ID)
    assert session.sent == [] and outcome.exchanges == []
    # Elsewhere both go as they are
    session, _ = run(twice, faithful())
    assert [m for m, _, _ in session.sent] == ["POST", "GET"]
