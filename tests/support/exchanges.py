"""Hand-built answers and check contexts, for the tests of single checks."""

from __future__ import annotations

import json
from typing import Any

from contract.checks import CheckContext, Operation
from contract.client import Exchange

OBJECT_ID = "custobj_" + "a" * 43
TYPE_ID = "cotype_" + "b" * 22
LEAD_ID = "lead_" + "c" * 43
FIELD = "custom.cf_" + "d" * 43
INSTANCE = {
    "id": OBJECT_ID,
    "name": "Rocket",
    "lead_id": LEAD_ID,
    "custom_object_type_id": TYPE_ID,
    FIELD: 5,
}


def exchange(
    status: int,
    body: Any = None,
    *,
    raw: bytes | None = None,
    content_type: str | None = "application/json",
    method: str = "GET",
    path: str = f"custom_object/{OBJECT_ID}/",
) -> Exchange:
    """One answered request; ``body`` is sent as JSON unless ``raw`` bytes are given."""
    payload = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    headers = (("Content-Type", content_type),) if content_type else ()
    return Exchange(
        method=method,
        url=f"https://api.close.example/api/v1/{path}",
        path=path,
        params=(),
        request_headers=(),
        request_body=None,
        status=status,
        response_headers=headers,
        response_body=payload,
        elapsed=0.01,
        attempts=1,
        auth="basic",
    )


def ctx(
    answer: Exchange, operation: Operation = "retrieve", *statuses: int, **more: Any
) -> CheckContext:
    return CheckContext(answer, operation, frozenset(statuses or (200,)), **more)


def post(status: int, body: Any) -> Exchange:
    """The answer to a create."""
    return exchange(status, body, method="POST", path="custom_object/")
