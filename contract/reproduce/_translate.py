"""The ids of an earlier run, translated to the ones a reproduction made.

A finding's case names the lead, contacts and reference instances of the run that found
it, which its cleanup deleted: sent again as they are, they would be refused for that
alone ("Object does not exist"). The reproduction makes its own (the setup of a run) and
each earlier id becomes one of them, of the same kind: ``lead_id`` a lead of the
reproduction, a reference field's value an instance of the kind that field points to.
The same earlier id always becomes the same new one, and two different ones become
different ones while the kind has enough, so a case or a sequence that used one lead
twice, or two leads, still does.

What the case broke on purpose stays as it was: the value of the key its mutation
targets (an unknown lead, a malformed reference) is what it tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from contract.discovery import Organization
from contract.statuses import parse_status_set

__all__ = ["Translation"]

# Close ids: a prefix, an underscore, then letters and digits (see contract.ids).
_ID = re.compile(r"\b(lead|cont|user|custobj)_[A-Za-z0-9]{8,}\b")
_KIND_OF_PREFIX = {"lead": "lead", "cont": "contact", "user": "user"}


class Translation:
    """Earlier ids to new ones, by kind: ``pools`` holds the new ids of each kind (as
    the references of a run are keyed: ``lead``, ``contact``, ``user``,
    ``custom_object:cotype_…``)."""

    def __init__(self, org: Organization, pools: Mapping[str, Sequence[str]]) -> None:
        self.pools = {kind: list(dict.fromkeys(ids)) for kind, ids in pools.items()}
        self.mapped: dict[str, str] = {}
        # Field ids are the organization's, unique across its types: an update body, which
        # names no type, is translated as well as a create.
        self._kinds = {
            k: v for tc in org.types for k, v in _reference_kinds(tc.request_schema).items()
        }
        self._new = {new for ids in self.pools.values() for new in ids}

    def id(self, old: str, kind: str | None) -> str:
        """The new id for ``old``, an id of ``kind`` (None: by its prefix, where that says
        the kind; else it stays)."""
        if old in self.mapped:
            return self.mapped[old]
        if old in self._new:
            return old
        if kind is None:
            prefix = old.partition("_")[0]
            kind = _KIND_OF_PREFIX.get(prefix)
        pool = self.pools.get(kind or "")
        if not pool:
            return old
        used = set(self.mapped.values())
        fresh = [new for new in pool if new not in used]
        self.mapped[old] = fresh[0] if fresh else pool[len(self.mapped) % len(pool)]
        return self.mapped[old]

    def payload(self, payload: Any, keep: str | None = None) -> Any:
        """A create or update body with its ids translated; the value of ``keep`` (the
        key a mutation broke on purpose) stays."""
        if not isinstance(payload, Mapping):
            return payload
        kinds = self._kinds
        out: dict[str, Any] = {}
        for key, value in payload.items():
            if key == keep:
                out[key] = value
            elif key == "lead_id":
                out[key] = self._value(value, "lead")
            elif key in kinds:
                out[key] = self._value(value, kinds[key])
            else:
                out[key] = value
        return out

    def _value(self, value: Any, kind: str) -> Any:
        if isinstance(value, str):
            return self.id(value, kind)
        if isinstance(value, list):
            return [self.id(v, kind) if isinstance(v, str) else v for v in value]
        return value

    def text(self, text: str) -> str:
        """A raw body (not JSON, or JSON with a twist) with every id it names translated:
        those seen in payloads as they were, leads, contacts and users by prefix."""
        return _ID.sub(lambda m: self.id(m.group(0), None), text)

    def case(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A case as :meth:`strategies.Case.to_dict` writes it, its ids translated."""
        keep = data.get("target") if data.get("mutation") else None
        out = {**data, "payload": self.payload(data.get("payload"), keep)}
        statuses = data.get("expected_statuses")
        if isinstance(statuses, str):  # a report writes them as people read them
            out["expected_statuses"] = sorted(parse_status_set(statuses))
        if isinstance(out.get("body"), str) and data.get("body_encoding") == "utf-8":
            out["body"] = self.text(out["body"])
        if isinstance(out.get("update"), Mapping):
            out["update"] = self.case(out["update"])
        return out

    def sequence(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """A stateful sequence's record with the ids of its steps translated: a step's
        ``lead`` and the cases it sends (instances are model handles, not ids)."""
        steps = []
        for step in record.get("steps", ()):
            args = dict(step.get("args") or {})
            for name, value in args.items():
                if name == "lead" and isinstance(value, str):
                    args[name] = self.id(value, "lead")
                elif isinstance(value, Mapping) and "payload" in value:
                    args[name] = self.case(value)
                elif isinstance(value, Mapping):
                    args[name] = self.payload(value)
            steps.append({**step, "args": args})
        return {**record, "steps": steps}


def _reference_kinds(request_schema: Mapping[str, Any]) -> dict[str, str]:
    """``custom.cf_…`` key → the kind of id its field holds (the ``reference`` of its
    ``x-close-field`` annotation: ``contact``, ``user``, ``custom_object:cotype_…``)."""
    kinds: dict[str, str] = {}
    for key, schema in (request_schema.get("properties") or {}).items():
        note = schema.get("x-close-field") if isinstance(schema, Mapping) else None
        if isinstance(note, Mapping) and isinstance(note.get("reference"), str):
            kinds[key] = note["reference"]
    return kinds
