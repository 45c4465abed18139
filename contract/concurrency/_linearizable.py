"""Whether some order of a concurrent history's operations explains every answer.

A history is *linearizable* (Herlihy and Wing) when its operations can be put in one order
that keeps real-time precedence (an operation that returned before another was called
comes first) and in which a sequential model, applying them one after another, gives
every answer the history saw. Operations without an answer may take their place anywhere
after their call, or none.

:func:`check_history` searches the orders depth first, as Wing and Gong's algorithm does,
remembering each (operations placed, model state) pair it has explored so that no pair is
explored twice. With a fan-out of four the search is tiny (at most a few hundred pairs);
its cost is bounded all the same: past ``max_states`` explored pairs it stops and says
``undecided``, never a verdict it did not reach.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from contract.concurrency._history import Op

__all__ = [
    "DEFAULT_MAX_STATES",
    "Mismatch",
    "Model",
    "Verdict",
    "VerdictKind",
    "check_history",
]

DEFAULT_MAX_STATES = 20_000
"""Explored (placed operations, model state) pairs past which a search is undecided."""

S = TypeVar("S", bound=Hashable)
VerdictKind = Literal["linearizable", "not linearizable", "undecided"]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """An operation's answer that the model's state cannot give, and why."""

    why: str


class Model(Protocol[S]):
    """A sequential model: its first state, and each operation's effect on a state.

    ``apply`` returns the state after ``op``, or a :class:`Mismatch` when ``op``'s answer
    is not what the model gives in ``state`` (an operation without an answer never
    mismatches: only its effect counts).
    """

    def initial(self) -> S:
        """The state before the history's first operation."""
        ...

    def apply(self, state: S, op: Op) -> S | Mismatch:
        """The state after ``op``, or why its answer does not fit ``state``."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the search found.

    ``order`` is an order that explains every answer (linearizable), or else the longest
    order of placed operations the search reached; ``stuck`` says, for that longest
    order, why no remaining operation could come next (each answer that did not fit).
    ``explored`` counts the (placed operations, state) pairs explored.
    """

    kind: VerdictKind
    order: tuple[int, ...] = ()
    stuck: tuple[str, ...] = ()
    explored: int = 0

    @property
    def linearizable(self) -> bool:
        """Some order explains every answer."""
        return self.kind == "linearizable"


class _Undecided(Exception):
    pass


def check_history(
    ops: Sequence[Op], model: Model[S], *, max_states: int = DEFAULT_MAX_STATES
) -> Verdict:
    """Search for an order of ``ops`` that keeps real-time precedence and in which
    ``model`` gives every answer; ``undecided`` once ``max_states`` pairs were explored.

    Deterministic: candidates are tried in the order of ``ops``.
    """
    if max_states < 1:
        raise ValueError(f"max_states must be at least 1, got {max_states}")
    answered = frozenset(i for i, op in enumerate(ops) if op.ret is not None)
    seen: set[tuple[frozenset[int], S]] = set()
    best: list[tuple[tuple[int, ...], tuple[str, ...]]] = [((), ())]

    def candidates(placed: frozenset[int]) -> list[int]:
        # An operation may come next unless one not yet placed returned before its call.
        rets = [op.ret for i, op in enumerate(ops) if i not in placed and op.ret is not None]
        first_return = min(rets, default=float("inf"))
        return [i for i, op in enumerate(ops) if i not in placed and op.call <= first_return]

    def search(placed: frozenset[int], state: S, order: tuple[int, ...]) -> tuple[int, ...] | None:
        if answered <= placed:
            return order
        if (placed, state) in seen:
            return None
        seen.add((placed, state))
        if len(seen) > max_states:
            raise _Undecided
        misfits: list[str] = []
        for index in candidates(placed):
            after = model.apply(state, ops[index])
            if isinstance(after, Mismatch):
                misfits.append(f"{ops[index].label}: {after.why}")
                continue
            found = search(placed | {index}, after, (*order, index))
            if found is not None:
                return found
        if len(order) > len(best[0][0]) or (len(order) == len(best[0][0]) and not best[0][1]):
            best[0] = (order, tuple(misfits))
        return None

    try:
        order = search(frozenset(), model.initial(), ())
    except _Undecided:
        return Verdict("undecided", best[0][0], best[0][1], len(seen))
    if order is not None:
        return Verdict("linearizable", order, (), len(seen))
    return Verdict("not linearizable", best[0][0], best[0][1], len(seen))
