"""A concurrent history: operations with their call and return times and what they answered.

An :class:`Op` is one request as the history knows it: when it was called and when its
answer came back (``ret``; ``None`` when none came: it may have taken effect at any time
after its call, or never), what it asked (``arg``) and what it answered (``result``), both
hashable so that a search can remember the states it has seen. Values that answers show
are classified by :class:`Versions` into the writes that could have left them, so that a
model compares which write a read saw, never how a server spells a value (echoes are
``echo_conformance``'s to judge).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Op", "OpKind", "Versions", "form_of", "timeline"]

OpKind = Literal["write", "read", "create", "list"]
"""What an operation did: a partial update, a read of one instance, a create, a list."""


@dataclass(frozen=True, slots=True)
class Op:
    """One operation of a history.

    ``call`` and ``ret`` are seconds on one monotonic clock: when the request was handed
    to the client (before any pacing wait or retry) and when its final answer was read.
    Widening an interval only adds orders a search may try, so the times err early for
    ``call`` and late for ``ret``. ``label`` names it in explanations (``writer 2: PUT
    custom.Seats``).
    """

    label: str
    kind: OpKind
    call: float
    ret: float | None
    arg: Hashable = None
    result: Hashable = None

    @property
    def pending(self) -> bool:
        """No answer came back: it may have taken effect, or not."""
        return self.ret is None

    def precedes(self, other: Op) -> bool:
        """Whether this operation returned before ``other`` was called (real-time order)."""
        return self.ret is not None and self.ret < other.call


Form = Hashable


def form_of(value: Any) -> Form:
    """``value`` as a comparable form: numbers by their value (``1`` is ``1.0``), booleans
    apart from numbers, objects by their sorted keys, lists in their order."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, list | tuple):
        return ("list", tuple(form_of(v) for v in value))
    if isinstance(value, Mapping):
        return ("object", tuple(sorted((str(k), form_of(v)) for k, v in value.items())))
    return ("other", repr(value))


@dataclass(slots=True)
class Versions:
    """Which write of a key each value could come from.

    Version 0 is the value before the writes (as the instance's first read showed it);
    version ``n`` is the n-th write's (as it was sent, and as its own answer showed it).
    """

    forms: dict[str, dict[int, set[Form]]] = field(default_factory=dict)

    def add(self, key: str, version: int, value: Any) -> None:
        """``value`` is a form of ``key``'s version ``version``."""
        self.forms.setdefault(key, {}).setdefault(version, set()).add(form_of(value))

    def of(self, key: str, value: Any) -> frozenset[int] | None:
        """The versions of ``key`` that ``value`` could be; None for a value no write
        made (the history cannot place it: judged by the echo checks, never here)."""
        form = form_of(value)
        found = frozenset(v for v, forms in self.forms.get(key, {}).items() if form in forms)
        return found or None

    def shown(
        self, keys: Sequence[str], body: Mapping[str, Any]
    ) -> tuple[frozenset[int] | None, ...]:
        """For each of ``keys``, the versions ``body`` shows (a key absent is null)."""
        return tuple(self.of(key, body.get(key)) for key in keys)


def timeline(ops: Iterable[Op], *, start: float) -> list[str]:
    """Each operation on one line, by call time: its interval after ``start`` and label."""
    lines = []
    for op in sorted(ops, key=lambda o: (o.call, o.label)):
        end = "no answer" if op.ret is None else f"+{op.ret - start:.3f} s"
        lines.append(f"[+{op.call - start:.3f} s → {end}] {op.label}")
    return lines
