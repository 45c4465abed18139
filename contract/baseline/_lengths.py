"""The longest name and text values a target accepted, as the length ladder found them.

Close documents no maximum length. The ``text_lengths`` mutation sends a type's name and
first text values at growing lengths (:data:`strategies.TEXT_LENGTHS`, 256 up to 65,536
characters), stopping at the first refusal. A baseline keeps, per type and key, the
longest length a create accepted *and* answered exactly (0 when the first was refused or
changed), so a later run that finds a shorter limit reports it
(``max-accepted-length-decreased``). The lengths are the ladder's fixed steps, never a
drawn value: two runs of one server record the same. A key is recorded only where its
ladder ended (a length refused or changed, or the last one accepted): one the network or
the run's budget cut short says nothing of a limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from contract.baseline._names import NamedType
from contract.errors import CassetteError
from strategies import TEXT_LENGTHS

__all__ = ["LADDER_KIND", "LADDER_TOP", "ladder_lengths", "lengths_from", "shorter_lengths"]

LADDER_KIND: Final = "invalid:text_lengths"
"""The case kind of the ladder's creates (``invalid:`` and the mutation's name)."""

LADDER_TOP: Final = TEXT_LENGTHS[-1]
"""The ladder's last length: accepted there, a key has no limit the ladder can find."""

Lengths = dict[str, dict[str, int]]
"""Type key → name or text field key (portable) → the longest length accepted."""


def ladder_lengths(
    named: NamedType, request: Mapping[str, Any], status: int, answer: Any
) -> dict[str, int]:
    """What one create of the ladder says, per key it sent long: the length when the
    answer is a 2xx holding the value exactly, else 0.

    The ladder's keys are the name and text values at least as long as the ladder's
    first step; the case sends every other value short.
    """
    accepted = 200 <= status < 300 and isinstance(answer, Mapping)
    found: dict[str, int] = {}
    for key, value in request.items():
        portable = named.fields.get(key, key)
        text = key == "name" or named.declared.get(portable, {}).get("type") == "text"
        if not (text and isinstance(value, str) and len(value) >= TEXT_LENGTHS[0]):
            continue
        kept = accepted and isinstance(answer, Mapping) and answer.get(key) == value
        found[portable] = len(value) if kept else 0
    return found


def lengths_from(value: Any, source: str) -> Lengths:
    """A baseline file's ``lengths``, checked (a ``CassetteError`` naming ``source``)."""
    if not isinstance(value, dict) or not all(
        isinstance(keys, dict) and all(type(n) is int and n >= 0 for n in keys.values())
        for keys in value.values()
    ):
        raise CassetteError(
            f"{source}: malformed baseline: 'lengths' must map types to keys to "
            f"non-negative lengths, got {value!r:.120}"
        )
    return {str(t): {str(k): n for k, n in keys.items()} for t, keys in value.items()}


def shorter_lengths(old: Lengths, new: Lengths) -> list[tuple[str, str, int, int]]:
    """``(type, key, old length, new length)`` for each key both sides reached whose
    longest accepted length is shorter on the new side."""
    return [
        (type_key, key, old[type_key][key], new[type_key][key])
        for type_key in sorted(old.keys() & new.keys())
        for key in sorted(old[type_key].keys() & new[type_key].keys())
        if new[type_key][key] < old[type_key][key]
    ]
