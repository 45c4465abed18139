"""Malformed answers as the checks see them: a finding where the contract is clear, and
never an exception out of the checks, whatever the body."""

from __future__ import annotations

from typing import Any

import pytest

from contract.checks import CHECKS, CheckContext, Operation, run_checks
from contract.client import Exchange
from contract.schemas import validator_for

ROOT = "http://127.0.0.1:8000/api/v1"
TWO_XX = frozenset(range(200, 300))

HOSTILE: dict[str, bytes] = {
    "invalid": b"{not json",
    "latin-1": b'{"name": "caf\xe9"}',
    "utf-16": '{"id": "custobj_1"}'.encode("utf-16"),
    "nan": b'{"id": NaN}',
    "deep": b"[" * 5000 + b"]" * 5000,
    "empty": b"",
    "null": b"null",
    "a string": b'"custobj_1"',
    "list ids": b'{"id": ["custobj_1"], "data": [{"id": ["x"], "lead_id": {"a": 1}}], '
    b'"has_more": [1], "date_updated": 5, "organization_id": []}',
    "wrong types": b'{"id": 1, "data": "x", "custom": [], "name": {}, "lead_id": 3}',
}


def answer(
    body: bytes,
    status: int = 200,
    method: str = "POST",
    content_type: str = "application/json",
) -> Exchange:
    headers = (("Content-Type", content_type),) if content_type else ()
    return Exchange(
        method,
        f"{ROOT}/custom_object/",
        "custom_object/",
        (("lead_id", "lead_1"),),
        (),
        b"{}",
        status,
        headers,
        body,
        0.01,
        1,
    )


def judged(exchange: Exchange, *names: str) -> list[str]:
    ctx = CheckContext(exchange, "create", TWO_XX, validator=validator_for({"type": "object"}))
    return [v.check for v in run_checks(names, ctx)]


@pytest.mark.parametrize(
    "name", ["invalid", "latin-1", "utf-16", "nan", "deep", "empty", "a string"]
)
def test_a_2xx_body_that_is_not_utf8_json_is_one_violation(name: str) -> None:
    found = judged(answer(HOSTILE[name]), "content_type_conformance", "response_schema_conformance")
    if name == "a string":
        # JSON, but not the documented object: the schema's finding, not the media type's
        assert found == ["response_schema_conformance"]
    else:
        assert found == ["content_type_conformance"]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_throttle_and_server_error_bodies_are_never_judged_as_json(status: int) -> None:
    exchange = answer(HOSTILE["invalid"], status=status, content_type="text/html")
    assert judged(exchange, "content_type_conformance", "response_schema_conformance") == []


@pytest.mark.parametrize(
    ("status", "method"), [(204, "DELETE"), (304, "GET"), (200, "HEAD")], ids=str
)
def test_answers_without_a_body_are_not_judged_as_json(status: int, method: str) -> None:
    exchange = answer(b"", status=status, method=method, content_type="")
    assert judged(exchange, "content_type_conformance", "response_schema_conformance") == []


def _contexts(exchange: Exchange) -> list[CheckContext]:
    prediction: dict[str, Any] = {
        "values": {"name": "x", "custom.cf_a": 1},
        "kept": ("name",),
        "removed": ("custom.cf_b",),
        "fixed": {"lead_id": "lead_1"},
        "organization_id": "orga_1",
        "date_updated": "2024-01-01T00:00:00+00:00",
        "after_rejected": 400,
        "deleted": False,
        "live": {"custobj_1": {"name": "x"}},
        "lead_id": "lead_1",
        "custom_object_type_id": "cotype_1",
        "elsewhere": {"custobj_9"},
        "maybe": set(),
        "exact": True,
        "limit": 2,
        "pages": [["custobj_1"]],
        "unpaged": ["custobj_1"],
    }
    common: dict[str, Any] = {
        "sent": {"name": "x", "lead_id": "lead_1", "custom.cf_a": 1},
        "expected": {"name": "x"},
        "removed": ("custom.cf_b",),
        "field_types": {"custom.cf_a": "number"},
        "instance_id": "custobj_1",
        "validator": validator_for({"type": "object", "required": ["id"]}),
        "case": {"mutation": "drops name", "reason": "required"},
    }
    operations: tuple[Operation, ...] = (
        "create",
        "retrieve",
        "list",
        "update",
        "delete",
        "probe",
        "intact",
    )
    return [
        CheckContext(exchange, op, TWO_XX, prediction=p, **common)
        for op in operations
        for p in (None, prediction, {**prediction, "deleted": True})
    ]


@pytest.mark.parametrize("status", [200, 201, 204, 400, 404, 429, 500])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_check_raises_on_any_body(name: str, status: int) -> None:
    # Given a hostile body under every operation and prediction a check may meet
    for ctx in _contexts(answer(HOSTILE[name], status=status)):
        # When every registered check judges it, Then each reports or passes, never raises
        for violation in run_checks(sorted(CHECKS), ctx):
            assert violation.title and violation.check in CHECKS
