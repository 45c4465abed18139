"""Custom fields named by their names beside their ids, in what a run reports.

A custom field's key is ``custom.<field id>`` (``custom.cf_JwHry…``): exact, but nobody
recognises a field by its id, and the baseline's findings already say ``custom.Seats``.
So the title and the message of every violation name each field of the run's types as
``custom.Seats (cf_JwHry…)``. Reproductions, steps, JSON paths and bodies keep the bare
keys: they are what the API is sent and answers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from typing import Any

from contract.errors import ContractViolation
from contract.events import CaseFinished

__all__ = ["FieldNames"]

# The key of a custom field: its id, which Close makes of a prefix and base62 characters.
_KEY = re.compile(r"custom\.(cf_[A-Za-z0-9]+)")


class FieldNames:
    """Names the custom fields of ``names`` (field id -> field name) in violations."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self.names = dict(names)

    @classmethod
    def of(cls, fields: Iterable[Mapping[str, Any]]) -> FieldNames:
        """From field definitions (each with an ``id`` and a ``name``)."""
        return cls(
            {
                str(f["id"]): str(f["name"])
                for f in fields
                if isinstance(f.get("id"), str) and isinstance(f.get("name"), str)
            }
        )

    def text(self, text: str) -> str:
        """``text`` with each known ``custom.<id>`` as ``custom.<name> (<id>)``."""

        def named(match: re.Match[str]) -> str:
            name = self.names.get(match.group(1))
            if name is None:
                return match.group(0)
            return f"custom.{name} ({match.group(1)})"

        return _KEY.sub(named, text) if "custom.cf_" in text else text

    def violation(self, found: ContractViolation) -> ContractViolation:
        """``found`` with its title and message naming the fields (itself if none is)."""
        title, message = self.text(found.title), self.text(found.message)
        if (title, message) == (found.title, found.message):
            return found
        return dataclasses.replace(found, title=title, message=message)

    def case(self, event: CaseFinished) -> CaseFinished:
        """``event`` with every violation (and warning) naming the fields."""
        if not event.violations and not event.warnings:
            return event
        return dataclasses.replace(
            event,
            violations=tuple(self.violation(v) for v in event.violations),
            warnings=tuple(self.violation(w) for w in event.warnings),
        )
