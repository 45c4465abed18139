"""Each registered check on hand-built exchanges: silent on a good one, raising on a bad one."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from typing import Any, Literal

import httpx
import pytest
from jsonschema import Draft202012Validator
from support.exchanges import FIELD, INSTANCE, LEAD_ID, OBJECT_ID, TYPE_ID, ctx, exchange, post

from contract.checks import CHECKS, CheckContext, run_checks, violation
from contract.client import CloseClient
from contract.errors import ContractViolation

SCHEMA = Draft202012Validator(
    {
        "type": "object",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "string", "pattern": "^custobj_"},
            "name": {"type": "string"},
        },
    }
)
SENT = {"name": "Rocket", "lead_id": LEAD_ID, "custom_object_type_id": TYPE_ID, FIELD: 5.0}
EXPECTED = {"name": "Rocket", FIELD: 5}
LISTED = {"data": [{"id": OBJECT_ID}], "has_more": False}

# check -> pairs of (a context it accepts, a context it rejects)
CASES: dict[str, list[tuple[CheckContext, CheckContext]]] = {
    "not_a_server_error": [
        (ctx(exchange(400, {"error": "x"}), "create", 400), ctx(exchange(500, {}), "create", 400)),
        (ctx(post(201, INSTANCE), "create"), ctx(exchange(503, raw=b"<html>"))),
    ],
    "status_conformance": [
        (
            ctx(exchange(400, {"error": "x"}), "create", 400),
            ctx(exchange(201, INSTANCE), "create", 400),
        ),
        (ctx(exchange(404, {"error": "x"}), "probe", 404), ctx(exchange(400, {}), "probe", 404)),
    ],
    "auth_enforced": [
        (
            ctx(exchange(401, {"error": "x"}), "create", 401),
            ctx(exchange(201, INSTANCE), "create", 401),
        ),
        (ctx(exchange(401, {"error": "x"}), "probe", 401), ctx(exchange(404, {}), "probe", 401)),
    ],
    "content_type_conformance": [
        (
            ctx(exchange(400, {"error": "x"})),
            ctx(exchange(400, raw=b"<h1>Bad</h1>", content_type="text/html")),
        ),
        (ctx(exchange(204, content_type=None)), ctx(exchange(204, {"deleted": True}))),
        (
            ctx(exchange(400, {"error": "x"}, content_type="application/problem+json")),
            ctx(exchange(200, raw=b"{not json", content_type="application/json")),
        ),
    ],
    "response_schema_conformance": [
        (
            ctx(exchange(201, INSTANCE), "create", validator=SCHEMA),
            ctx(exchange(201, {**INSTANCE, "id": "co_1"}), "create", validator=SCHEMA),
        ),
        (
            ctx(exchange(200, INSTANCE), validator=SCHEMA),
            ctx(exchange(200, {"name": "Rocket"}), validator=SCHEMA),
        ),
    ],
    "echo_conformance": [
        (
            ctx(exchange(201, INSTANCE), "create", sent=SENT),
            ctx(exchange(201, {**INSTANCE, FIELD: "5"}), "create", sent=SENT),
        ),
        (
            ctx(
                exchange(200, INSTANCE), "update", sent={"name": "Rocket"}, removed=("custom.cf_x",)
            ),
            ctx(
                exchange(200, {**INSTANCE, "custom.cf_x": 1}),
                "update",
                removed=("custom.cf_x",),
                sent={},
            ),
        ),
    ],
    "read_after_create": [
        (
            ctx(exchange(200, INSTANCE), expected=EXPECTED),
            ctx(exchange(404, {}), expected=EXPECTED),
        ),
        (
            ctx(exchange(200, INSTANCE), expected=EXPECTED),
            ctx(exchange(200, {**INSTANCE, FIELD: 6}), expected=EXPECTED),
        ),
    ],
    "listed_after_create": [
        (
            ctx(exchange(200, LISTED), "list", instance_id=OBJECT_ID),
            ctx(exchange(200, {"data": [], "has_more": False}), "list", instance_id=OBJECT_ID),
        ),
        (
            ctx(exchange(200, LISTED), "list", instance_id=OBJECT_ID),
            ctx(exchange(400, {"error": "x"}), "list", instance_id=OBJECT_ID),
        ),
    ],
    "update_conformance": [
        (ctx(exchange(200, INSTANCE), "update"), ctx(exchange(400, {"error": "x"}), "update")),
        (
            ctx(exchange(200, INSTANCE), expected=EXPECTED, removed=("custom.cf_x",)),
            ctx(exchange(200, {**INSTANCE, "name": "Old"}), expected=EXPECTED),
        ),
        (
            ctx(exchange(200, INSTANCE), expected=EXPECTED, removed=("custom.cf_x",)),
            ctx(exchange(200, {**INSTANCE, "custom.cf_x": "kept"}), removed=("custom.cf_x",)),
        ),
    ],
    "gone_after_delete": [
        (ctx(exchange(204, content_type=None), "delete"), ctx(exchange(200, {}), "delete")),
        (ctx(exchange(404, {"error": "x"})), ctx(exchange(200, INSTANCE))),
    ],
    "org_isolation": [
        (ctx(exchange(404, {"error": "x"}), "probe"), ctx(exchange(200, INSTANCE), "probe")),
        (
            ctx(exchange(403, {"error": "x"}), "probe"),
            ctx(exchange(204, content_type=None), "probe"),
        ),
        (
            ctx(exchange(200, {"data": [], "has_more": False}), "list", instance_id=OBJECT_ID),
            ctx(exchange(200, LISTED), "list", instance_id=OBJECT_ID),
        ),
        (
            ctx(exchange(200, INSTANCE), "intact", expected=EXPECTED, instance_id=OBJECT_ID),
            ctx(exchange(404, {"error": "x"}), "intact", expected=EXPECTED, instance_id=OBJECT_ID),
        ),
        (
            ctx(exchange(200, INSTANCE), "intact", expected=EXPECTED, instance_id=OBJECT_ID),
            ctx(exchange(200, {**INSTANCE, "name": "x"}), "intact", expected=EXPECTED),
        ),
    ],
}
# The key's user, and another one (of the organization, or not) named as the author.
USER, STRANGER = "user_" + "K" * 43, "user_" + "S" * 43
AUTHORED = {**INSTANCE, "created_by": USER, "updated_by": USER}
CASES["authored_by_the_key"] = [
    (
        ctx(post(201, AUTHORED), "create", 201, step="create", user_id=USER),
        ctx(post(201, {**AUTHORED, "created_by": STRANGER}), "create", step="create", user_id=USER),
    ),
    (
        ctx(exchange(200, AUTHORED), "update", step="update", user_id=USER),
        ctx(exchange(200, {**AUTHORED, "updated_by": STRANGER}), "update", user_id=USER),
    ),
]
# Each hand-built answer took 10 ms (support.exchanges): within 50 ms, past 5 ms.
CASES["max_response_time"] = [
    (
        ctx(post(201, INSTANCE), "create", 201, max_response_time=50.0),
        ctx(post(201, INSTANCE), "create", 201, max_response_time=5.0),
    ),
]
PAIRS = [
    pytest.param(name, good, bad, id=f"{name}-{i}")
    for name, pairs in CASES.items()
    for i, (good, bad) in enumerate(pairs)
]


def test_every_check_of_the_module_is_tested() -> None:
    # The model's checks judge an answer against a prediction of the whole sequence before
    # it; each is shown failing on the emulator fault made for it and holding on the
    # faithful emulator in test_engine_model_faults. The HTTP-semantics checks (some of
    # which only warn) have their own file, test_http_checks.
    registered = {
        name
        for name, fn in CHECKS.items()
        if fn.__module__.startswith("contract.checks.")
        and fn.__module__
        not in (
            "contract.checks._model",
            "contract.checks._http",
            # Timestamps, other organizations' ids: test_time_checks, test_other_org_checks
            "contract.checks._time",
            "contract.checks._other_org",
            # Query parameters: test_query_checks
            "contract.checks._query",
            # Cases Close may accept or refuse: test_accepted_checks
            "contract.checks._accepted",
            # Histories of requests sent at once: tests/concurrency/test_concurrency_checks
            "contract.checks._concurrency",
        )
    }
    assert registered == set(CASES)


@pytest.mark.parametrize(("name", "good", "bad"), PAIRS)
def test_check_passes_good_and_raises_on_bad(
    name: str, good: CheckContext, bad: CheckContext
) -> None:
    CHECKS[name](good)
    with pytest.raises(ContractViolation) as raised:
        CHECKS[name](bad)
    found = raised.value
    assert isinstance(found, AssertionError)
    assert found.check == name
    assert found.title and found.severity == "error"
    assert found.reproduction.startswith("curl ")
    assert found.response is not None and found.response["status"] == bad.exchange.status
    assert found.request is not None and found.request["method"] == bad.exchange.method
    assert "status" not in found.request


def test_a_server_error_is_not_also_a_status_or_auth_violation() -> None:
    # A 5xx belongs to not_a_server_error alone; counting it thrice would inflate reports.
    crashed = ctx(exchange(500, raw=b"oops", content_type="text/plain"), "create", 400)
    found = run_checks(
        ["not_a_server_error", "status_conformance", "auth_enforced", "content_type_conformance"],
        crashed,
    )
    assert [v.check for v in found] == ["not_a_server_error"]


def test_status_conformance_says_what_was_expected_and_why() -> None:
    case = {"mutation": "name_empty", "reason": "Close requires a non-empty name"}
    bad = ctx(post(201, INSTANCE), "create", 400, case=case)
    with pytest.raises(ContractViolation) as raised:
        CHECKS["status_conformance"](bad)
    assert "expected 400" in raised.value.title
    assert "name_empty" in raised.value.message
    assert "non-empty name" in raised.value.message
    assert raised.value.case == case


def test_any_2xx_is_a_successful_create() -> None:
    ok = frozenset(range(200, 300))
    for status in (200, 201):
        CHECKS["status_conformance"](CheckContext(post(status, INSTANCE), "create", ok))


def test_echo_accepts_equal_values_in_another_form() -> None:
    # Given values Close may normalise: 5 for 5.0, the same instant at another offset, a
    # multi-value list in another order, a date as its midnight
    sent = {
        "name": "Rocket",
        "custom.cf_n": 5.0,
        "custom.cf_t": "2024-01-02T03:04:05+02:00",
        "custom.cf_m": ["a", "b"],
        "custom.cf_d": "2024-01-02",
    }
    got = {
        "name": "Rocket",
        "custom.cf_n": 5,
        "custom.cf_t": "2024-01-02T01:04:05.000000+00:00",
        "custom.cf_m": ["b", "a"],
        "custom.cf_d": "2024-01-02T00:00:00+00:00",
    }
    types = {"custom.cf_n": "number", "custom.cf_t": "datetime", "custom.cf_m": "choices"}
    types |= {"custom.cf_d": "date"}

    # Then the echo holds; and a real difference (true for 1) is still one
    CHECKS["echo_conformance"](ctx(exchange(200, got), "update", sent=sent, field_types=types))
    with pytest.raises(ContractViolation):
        CHECKS["echo_conformance"](
            ctx(exchange(200, {**got, "custom.cf_n": True}), "update", sent={"custom.cf_n": 1})
        )


def test_run_checks_collects_every_violation_of_one_response() -> None:
    # Given one create answer that is wrong in three ways: status, shape and echo
    answer = post(201, {"id": "co_1", "name": "Other"})
    context = ctx(answer, "create", 400, validator=SCHEMA, sent=SENT)

    # When every create check runs on it
    names = [
        "not_a_server_error",
        "content_type_conformance",
        "status_conformance",
        "response_schema_conformance",
        "echo_conformance",
    ]
    found = run_checks(names, context)

    # Then each broken property is reported, in order, none stopping the others
    assert [v.check for v in found] == [
        "status_conformance",
        "response_schema_conformance",
        "echo_conformance",
    ]
    assert run_checks(names[:2], context) == []


def _mock_transport(status: int, body: Any) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body))


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_violation_reproduction_never_holds_the_key(scheme: Literal["basic", "bearer"]) -> None:
    # Given a real client whose key the server echoes back in its body
    key = "canary-key-8f1e2d"
    transport = _mock_transport(201, {"id": "co_1", "name": key})
    with CloseClient(
        "https://api.close.example/api/v1",
        key,
        auth_scheme=scheme,
        transport=transport,
    ) as client:
        answer = client.post("custom_object/", json={"name": key, "lead_id": LEAD_ID})

    # When its answer breaks several checks
    found = run_checks(
        ["status_conformance", "response_schema_conformance", "echo_conformance"],
        ctx(answer, "create", 400, validator=SCHEMA, sent={"name": "x"}),
    )

    # Then no violation, in no form, carries the key; the curl names the variable instead
    assert len(found) == 3
    basic = base64.b64encode(f"{key}:".encode()).decode()
    for v in found:
        text = json.dumps(v.to_dict()) + str(v)
        assert key not in text and basic.rstrip("=") not in text
        assert "$CLOSE_API_KEY" in v.reproduction
        assert v.reproduction.startswith("curl -X POST")


def test_violation_helper_fills_the_reproduction() -> None:
    answer = replace(exchange(404, {"error": "x"}), request_body=b'{"name":"x"}', method="PUT")
    found = violation(ctx(answer, "probe", 404), "status_conformance", "t", "m")
    assert found.reproduction == answer.curl()
    assert found.request is not None and found.request["request_body"] == '{"name":"x"}'
    assert found.response is not None and found.response["response_body"] == '{"error": "x"}'
