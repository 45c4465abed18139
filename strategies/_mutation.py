"""What a mutation is: a named rule, the statuses it allows, and how it breaks a payload.

Every mutation starts from a valid payload (drawn by the valid generator) and changes one
thing, so a case isolates one rule. The invalid part is drawn from fixed, invalid-by-
construction values, so shrinking cannot walk it back into validity; ``invalid_payloads``
re-validates on top of that for the kinds the schema can judge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from hypothesis import strategies as st

from strategies._case import SUCCESS
from strategies._model import TypeModel

__all__ = [
    "ACCEPTED_OR_400",
    "AUTH",
    "Accepted",
    "BAD_REQUEST",
    "BAD_REQUEST_OR_NOT_FOUND",
    "UNSUPPORTED",
    "Builder",
    "Mutation",
    "Targets",
    "Variant",
    "no_target",
    "shown",
]

# Exact where Close documents the answer; a tolerant set where it leaves a choice open.
BAD_REQUEST: frozenset[int] = frozenset({400})
BAD_REQUEST_OR_NOT_FOUND: frozenset[int] = frozenset({400, 404})
UNSUPPORTED: frozenset[int] = frozenset({400, 415})
AUTH: frozenset[int] = frozenset({401})
ACCEPTED_OR_400: frozenset[int] = SUCCESS | BAD_REQUEST


@dataclass(frozen=True, slots=True)
class Variant:
    """The request a mutation makes out of a valid payload.

    ``detail`` says in a few words what was changed, e.g. ``name is 42 (a number)``.
    """

    payload: Any
    detail: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    send_credentials: bool = True


Accepted: TypeAlias = Literal["exact", "normalised", "invisible", "read_only", "either", "ladder"]
"""How the answer to a case Close may accept (2xx or 400) is judged when it is a 2xx:

- ``exact``: the target key's (oversized) value comes back as sent;
- ``normalised``: name and text values of visible text come back as sent, trimmed or in
  NFC, and otherwise it is an error;
- ``invisible``: the same for invisible or control characters, where a difference beyond
  trimming and NFC is only a warning (Close documents neither keeping nor cleaning them);
- ``read_only``: read-only keys sent along keep the server's own values;
- ``either``: a key sent twice holds one of its two values;
- ``ladder``: name and text values are sent at growing lengths, each echoed exactly or
  refused, and the longest accepted is recorded.
"""

Targets = Callable[[TypeModel], tuple[str | None, ...]]
# (draw, model, target, a fresh copy of a valid payload) -> the request to send
Builder = Callable[[st.DrawFn, TypeModel, str | None, dict[str, Any]], Variant]


@dataclass(frozen=True, slots=True)
class Mutation:
    """A named way to make a create request invalid, with the answer the API owes it.

    ``reason`` is one line saying why such a request must be rejected (or, for
    ``unknown_top_level_key``, why several answers are allowed). ``schema_valid`` is true
    when the payload still validates against the request schema by design (auth, content
    type, nonexistent references, undocumented keys): the schema cannot judge those.
    ``targets`` lists the keys of a type the mutation applies to (``None`` when it acts
    on the whole request); ``build`` makes the request from a valid payload.
    ``accepted`` (None for the mutations judged by their status alone) says how a 2xx
    answer is judged, for a case Close may accept (see :data:`Accepted`).
    """

    name: str
    reason: str
    expected_statuses: frozenset[int]
    schema_valid: bool
    targets: Targets
    build: Builder
    accepted: Accepted | None = None


def no_target(model: TypeModel) -> tuple[str | None, ...]:
    """Targets of a mutation that acts on the whole request: applies once to every type."""
    return (None,)


def shown(value: Any, limit: int = 60) -> str:
    """A short one-line repr of ``value`` for case reasons."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
