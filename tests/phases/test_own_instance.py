"""The probes of the run's own instance on hand-made answers: what they send, in which order,
what they compare, and which findings fail nothing (no server)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from jsonschema import Draft202012Validator
from support.exchanges import INSTANCE, OBJECT_ID, exchange

from contract.client import Exchange
from contract.discovery import TypeContract
from contract.phases._own_instance import MADE_UP_METHOD, own_instance_probes
from contract.session import Outcome, Session

PATH = f"custom_object/{OBJECT_ID}/"
STORED = {**INSTANCE, "date_updated": "2024-01-01T00:00:00+00:00"}
UPDATE = {"name": "Rocket"}
ALLOW = (("Allow", "DELETE, GET, HEAD, PUT"),)
Answer = Callable[[str, str, dict[str, Any]], Exchange]


def refusing(method: str, path: str, options: dict[str, Any]) -> Exchange:
    """A faithful server: 405 with Allow for the methods it lacks, 404 for malformed ids,
    the stored instance otherwise (a PUT changes only date_updated)."""
    if method in ("PATCH", "POST", "OPTIONS", MADE_UP_METHOD):
        made = exchange(405, {"error": "Method Not Allowed"}, method=method, path=path)
        return dataclasses.replace(made, response_headers=made.response_headers + ALLOW)
    if path != PATH:
        return exchange(404, {"error": "Not Found"}, method=method, path=path)
    later = {**STORED, "date_updated": "2024-01-01T00:00:09+00:00"}
    return exchange(200, later if method == "PUT" else STORED, method=method, path=path)


class FakeSession:
    """What the probes use of a session: ``send`` (answered by ``answer``) and a ledger."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.claimed: list[str] = []
        self.ledger = SimpleNamespace(created=self._created, prove=lambda _: None)

    def _created(self, answered: str, **_: Any) -> str:
        self.claimed.append(answered)
        return answered

    def send(self, outcome: Outcome, kind: str, method: str, path: str, **options: Any) -> Exchange:
        self.sent.append((method, path, options))
        answered = self.answer(method, path, options)
        outcome.exchanges.append(answered)
        return answered


def probe(answer: Answer = refusing, *, first: int = 200) -> tuple[FakeSession, Outcome]:
    """Run the probes after a lifecycle's update (answered ``first``) and its read."""
    fake = FakeSession(answer)
    outcome = Outcome("valid", "Asset: valid", "cotype_x", None)
    outcome.exchanges += [
        exchange(first, STORED if first == 200 else {"error": "x"}, method="PUT"),
        exchange(200, STORED),
    ]
    tc = SimpleNamespace(
        type_id="cotype_x", response_validator=Draft202012Validator({}), field_types={}
    )
    own_instance_probes(
        cast(Session, fake), outcome, cast(TypeContract, tc), OBJECT_ID, dict(UPDATE)
    )
    return fake, outcome


def test_the_probes_go_to_the_own_instance_only_and_in_order() -> None:
    fake, outcome = probe()

    sent = [(method, path, sorted(options)) for method, path, options in fake.sent]
    assert sent == [
        ("PUT", PATH, ["json"]),
        ("GET", PATH, []),
        ("PATCH", PATH, ["json"]),
        ("POST", PATH, ["json"]),
        (MADE_UP_METHOD, PATH, ["json"]),
        ("OPTIONS", PATH, []),
        ("GET", PATH, []),
        ("GET", PATH, ["params"]),
        ("GET", f"custom_object/{OBJECT_ID}%3F%3F/", ["params"]),
        ("GET", f"custom_object/{OBJECT_ID}/%3F/", ["params"]),
        ("GET", f"custom_object/{OBJECT_ID}/{OBJECT_ID}/", ["params"]),
        ("GET", f"custom_object/{OBJECT_ID}%21/", ["params"]),
    ]
    # The PUT is the lifecycle's own body again; the query string is RESTler's
    assert fake.sent[0][2]["json"] == UPDATE
    assert fake.sent[7][2]["params"] == {"injected_query_string": "123"}
    # On a faithful server, nothing is found, and every check that applies ran
    assert outcome.violations == [] and outcome.warnings == []
    for name in ("put_idempotent", "unsupported_method", "allow_header_conformance"):
        assert outcome.verdicts[name][1] == 0 and outcome.verdicts[name][0] > 0, name
    assert outcome.verdicts["malformed_id_refused"] == (5, 0)
    assert fake.claimed == []


def test_no_repeat_when_the_lifecycle_s_update_was_refused() -> None:
    fake, outcome = probe(first=400)
    assert [m for m, _, _ in fake.sent][:2] == ["PATCH", "POST"]
    assert "put_idempotent" not in outcome.verdicts


def test_a_method_served_is_an_error_and_what_allow_lists_only_a_warning() -> None:
    def served(method: str, path: str, options: dict[str, Any]) -> Exchange:
        if method == "PATCH":
            return exchange(200, {**STORED, "name": "changed"}, method=method, path=path)
        answered = refusing(method, path, options)
        if answered.status == 405:
            allow = (("Allow", "GET"),)
            return dataclasses.replace(
                answered, response_headers=answered.response_headers[:1] + allow
            )
        return answered

    _, outcome = probe(served)

    assert {v.check for v in outcome.violations} == {"unsupported_method"}
    assert all(v.severity == "error" for v in outcome.violations)
    assert {w.check for w in outcome.warnings} == {"allow_header_conformance"}
    assert all(w.severity == "warning" for w in outcome.warnings)


def test_a_method_that_answers_another_instance_hands_it_to_the_ledger() -> None:
    other = {**STORED, "id": "custobj_" + "n" * 43}

    def creates(method: str, path: str, options: dict[str, Any]) -> Exchange:
        if method == "POST":
            return exchange(201, other, method=method, path=path)
        return refusing(method, path, options)

    fake, outcome = probe(creates)
    assert fake.claimed == [other["id"]]
    assert [v.check for v in outcome.violations] == ["unsupported_method"]


def test_a_second_put_that_changes_the_instance_is_caught_on_answer_and_read() -> None:
    # Given a server that renames the instance from the probe's own PUT on
    def renaming(method: str, path: str, options: dict[str, Any]) -> Exchange:
        answered = refusing(method, path, options)
        if path == PATH and answered.status == 200:
            body = {**json.loads(answered.response_body), "name": "Rocket (2)"}
            return exchange(200, body, method=method, path=path)
        return answered

    _, outcome = probe(renaming)

    # Then the second answer and the read after it both differ from the first ones
    repeated = [v for v in outcome.violations if v.check == "put_idempotent"]
    assert len(repeated) == 2
    assert all("'Rocket' before, 'Rocket (2)' now" in v.message for v in repeated)
