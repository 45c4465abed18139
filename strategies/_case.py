"""The value every strategy draws: one request to send and what the API must answer."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["SUCCESS", "Case", "compact_json"]

# The documented layer accepts any 2xx for a create: Close's OpenAPI says 201, the
# mission text says 200, and the exact code is pinned by baselines, not here.
SUCCESS: frozenset[int] = frozenset(range(200, 300))

_JSON = "application/json"


def compact_json(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON, the exact bytes a case sends.

    ``allow_nan=False`` because NaN and infinities are not JSON: a strategy that produced
    one is a bug that must surface here, not as a confusing server answer.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class Case:
    """One create request and the statuses the contract allows for it.

    ``payload`` is the JSON value sent (``None`` when ``body`` holds raw bytes that are not
    JSON). ``mutation`` names the rule the case breaks (``None`` for a valid case) and
    ``reason`` says in one line what is invalid and why it must be rejected, or why a
    valid case must be accepted. ``target`` is the key the mutation acts on, if any.
    ``headers`` are extra request headers; when ``send_credentials`` is false the sender
    must not add its own credentials (auth cases carry their own, or none).
    ``schema_valid`` is true when the payload validates against the request schema by
    design (valid cases, and invalid ones that break a rule the schema cannot express).
    """

    payload: Any
    mutation: str | None
    reason: str
    expected_statuses: frozenset[int]
    target: str | None = None
    body: bytes | None = None
    content_type: str | None = _JSON
    headers: tuple[tuple[str, str], ...] = ()
    send_credentials: bool = True
    schema_valid: bool = True

    def request_body(self) -> bytes:
        """The exact request body: ``body`` when set, else the payload as compact JSON."""
        if self.body is not None:
            return self.body
        return compact_json(self.payload)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form that :meth:`from_dict` restores exactly.

        Stored corpora use it, so replay does not depend on the Hypothesis version. A raw
        body is kept as text when it is valid UTF-8 (readable in diffs), else as base64.
        """
        data: dict[str, Any] = {
            "payload": self.payload,
            "mutation": self.mutation,
            "reason": self.reason,
            "expected_statuses": sorted(self.expected_statuses),
            "target": self.target,
            "body": None,
            "body_encoding": None,
            "content_type": self.content_type,
            "headers": [[name, value] for name, value in self.headers],
            "send_credentials": self.send_credentials,
            "schema_valid": self.schema_valid,
        }
        if self.body is not None:
            try:
                data["body"], data["body_encoding"] = self.body.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                data["body"] = base64.b64encode(self.body).decode("ascii")
                data["body_encoding"] = "base64"
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Case:
        """Rebuild a case written by :meth:`to_dict`."""
        body: bytes | None = None
        raw = data.get("body")
        if raw is not None:
            encoding = data.get("body_encoding", "utf-8")
            if encoding == "base64":
                body = base64.b64decode(raw)
            elif encoding == "utf-8":
                body = raw.encode("utf-8")
            else:
                raise ValueError(
                    f"unknown body_encoding {encoding!r} in a stored case: "
                    "expected 'utf-8' or 'base64'"
                )
        return cls(
            payload=data.get("payload"),
            mutation=data.get("mutation"),
            reason=data["reason"],
            expected_statuses=frozenset(int(s) for s in data["expected_statuses"]),
            target=data.get("target"),
            body=body,
            content_type=data.get("content_type", _JSON),
            headers=tuple((str(name), str(value)) for name, value in data.get("headers", ())),
            send_credentials=bool(data.get("send_credentials", True)),
            schema_valid=bool(data.get("schema_valid", data.get("mutation") is None)),
        )
