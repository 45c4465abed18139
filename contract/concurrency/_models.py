"""The sequential models that judge the concurrency phase's histories.

:class:`Registers` is one instance under partial updates (Close documents that every PUT
behaves as a PATCH): each watched key holds one version, a write sets its own key, and an
answer (a PUT's, a read's) must show, for each key, a value that version could be.
:class:`Members` is the instances on one lead: a create adds its id, a read of an id finds
it exactly when its create took effect, and a list shows exactly the created ones among
the ids the history knows (a list cut short by the page bound: only created ones).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract.concurrency._history import Op
from contract.concurrency._linearizable import Mismatch

__all__ = ["Members", "Registers", "version_name"]


def version_name(version: int) -> str:
    """How an explanation names a version: ``the value before the writes``, ``write 2's``."""
    return "the value before the writes" if version == 0 else f"write {version}'s value"


def _names(versions: frozenset[int]) -> str:
    return " or ".join(version_name(v) for v in sorted(versions))


@dataclass(frozen=True, slots=True)
class Registers:
    """An instance's watched ``keys``; a state is the version each holds.

    A write's ``arg`` is ``(key, version)``; a write's or a read's ``result`` is, for each
    key in order, the versions the answer's value could be (None: it shows nothing to
    place there), or None as a whole for an answer that shows nothing.
    """

    keys: tuple[str, ...]

    def initial(self) -> tuple[int, ...]:
        """Every key at version 0, its value before the writes."""
        return (0,) * len(self.keys)

    def apply(self, state: tuple[int, ...], op: Op) -> tuple[int, ...] | Mismatch:
        """Set a write's key, then compare the answer with the state."""
        if op.kind == "write":
            key, version = _write(op)
            index = self.keys.index(key)
            state = (*state[:index], version, *state[index + 1 :])
        elif op.kind != "read":
            raise ValueError(f"{op.label}: Registers judges writes and reads, not {op.kind}")
        shown = op.result
        if shown is None or op.ret is None:
            return state
        if not isinstance(shown, Sequence) or len(shown) != len(self.keys):
            raise ValueError(f"{op.label}: a result names one set of versions per key")
        for key, could_be, held in zip(self.keys, shown, state, strict=True):
            if could_be is not None and held not in could_be:
                return Mismatch(
                    f"it showed {key} as {_names(could_be)}, where this order leaves "
                    f"{version_name(held)}"
                )
        return state


def _write(op: Op) -> tuple[str, int]:
    arg = op.arg
    if not (isinstance(arg, tuple) and len(arg) == 2):
        raise ValueError(f"{op.label}: a write's arg is (key, version), got {arg!r}")
    key, version = arg
    return str(key), int(version)


@dataclass(frozen=True, slots=True)
class Members:
    """The instances of one lead that the history created; a state is the set of ids.

    A create's ``arg`` is its id; a read's ``arg`` the id it read and its ``result``
    whether it found it; a list's ``result`` is ``(ids it showed among the history's,
    whether it was walked to its end)``.
    """

    def initial(self) -> frozenset[str]:
        """No instance of the history yet."""
        return frozenset()

    def apply(self, state: frozenset[str], op: Op) -> frozenset[str] | Mismatch:
        """Add a create's id; compare a read's or a list's answer with the state."""
        if op.kind == "create":
            return state | {str(op.arg)} if op.arg is not None else state
        if op.result is None or op.ret is None:
            return state
        if op.kind == "read":
            created = op.arg in state
            if op.result != created:
                return Mismatch(
                    f"it found {op.arg}, which this order has not created yet"
                    if op.result
                    else f"it did not find {op.arg}, which this order has created"
                )
            return state
        if op.kind == "list":
            shown, whole = _listed(op)
            extra = sorted(shown - state)
            if extra:
                return Mismatch(f"it listed {', '.join(extra)}, not created yet in this order")
            missing = sorted(state - shown)
            if whole and missing:
                return Mismatch(f"it left out {', '.join(missing)}, created in this order")
            return state
        raise ValueError(f"{op.label}: Members judges creates, reads and lists, not {op.kind}")


def _listed(op: Op) -> tuple[frozenset[str], bool]:
    result = op.result
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ValueError(f"{op.label}: a list's result is (ids, whole), got {result!r}")
    shown, whole = result
    return frozenset(str(i) for i in shown), bool(whole)
