"""The reference model of the stateful phase: what the run knows, and so what each answer
must say.

It holds the key's user and organization (from ``me/``), the run's own disposable leads
and their contacts, the types and their contracts, and every instance the run created,
with the values each should hold now. An instance is referred to by its *handle* (its
place in :attr:`Model.instances`), never by the server's id, so a recorded sequence of
steps replays against ids the server hands out anew.

An exchange the network left undecided makes the model *unsure*: of one instance (it
predicts nothing more about it) or of a lead (a create on it went unanswered, so a list
of it may hold an instance the run never saw). Unsure is never a violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from contract.discovery import Organization, TypeContract

__all__ = ["IMMUTABLE", "Instance", "Model", "State"]

State = Literal["live", "deleted", "unsure"]

# Keys a PUT that does not name them leaves as they were (DOC fields.md: a PUT behaves as
# a PATCH); the server keeps updated_by and date_updated itself.
IMMUTABLE = (
    "id",
    "lead_id",
    "custom_object_type_id",
    "organization_id",
    "created_by",
    "date_created",
)


@dataclass(slots=True)
class Instance:
    """One instance the run created: where it lives and what it should hold now.

    ``values`` are the name and custom values it must show; ``kept`` the keys the last
    PUT left out (they must keep their value), ``removed`` the keys a PUT set to null
    (they must be absent); ``fixed`` the immutable keys as the create answered them.
    """

    handle: int
    type_id: str
    lead_id: str
    object_id: str
    values: dict[str, Any]
    fixed: dict[str, Any] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    date_updated: str | None = None
    state: State = "live"


@dataclass
class Model:
    """What the run knows about the organization and every instance it made."""

    user_id: str
    organization_id: str | None
    leads: tuple[str, ...]
    contacts: tuple[str, ...]
    types: dict[str, TypeContract]
    instances: list[Instance] = field(default_factory=list)
    # Leads with an unanswered create: a list of them may hold an instance never seen.
    unsure_leads: set[str] = field(default_factory=set)
    # Instances the run made before this model began (setup, earlier phases): a list may
    # show them, and the model predicts nothing else about them.
    background: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, org: Organization, leads: Iterable[str], contacts: Iterable[str]) -> Model:
        """A model of ``org`` with no instance yet, on the run's own ``leads``."""
        return cls(
            org.user_id,
            org.organization_id,
            tuple(leads),
            tuple(contacts),
            {tc.type_id: tc for tc in org.types},
        )

    def created(self, tc: TypeContract, lead: str, sent: Mapping[str, Any], body: Any) -> Instance:
        """A create answered 2xx with ``body``: a new live instance, as sent."""
        answer = body if isinstance(body, Mapping) else {}
        values = {
            k: v
            for k, v in sent.items()
            if (k == "name" or k.startswith("custom.")) and v is not None
        }
        instance = Instance(
            handle=len(self.instances),
            type_id=tc.type_id,
            lead_id=lead,
            object_id=str(answer["id"]),
            values=values,
            fixed={k: answer[k] for k in IMMUTABLE if k in answer},
        )
        self.instances.append(instance)
        self.observed(instance, answer)
        return instance

    def adopt(self, tc: TypeContract, lead: str, object_id: str) -> Instance:
        """An instance the run made but whose values it cannot predict (an invalid create
        the server accepted): deleted at the end, predicted never."""
        instance = Instance(len(self.instances), tc.type_id, lead, object_id, {}, state="unsure")
        self.instances.append(instance)
        return instance

    def updated(self, instance: Instance, body: Mapping[str, Any]) -> None:
        """A PUT of ``body`` answered 2xx: set what it names, drop what it nulls."""
        instance.kept = set(instance.values) - set(body)
        instance.removed = (instance.removed - set(body)) | {
            k for k, v in body.items() if v is None
        }
        for key, value in body.items():
            if value is None:
                instance.values.pop(key, None)
            elif key == "name" or key.startswith("custom."):
                instance.values[key] = value

    def observed(self, instance: Instance, body: Any) -> None:
        """Remember the latest ``date_updated`` an answer showed (it must not go back)."""
        if isinstance(body, Mapping) and isinstance(body.get("date_updated"), str):
            instance.date_updated = body["date_updated"]

    def live(self, lead: str, type_id: str | None = None) -> list[Instance]:
        """The live instances the model has on ``lead`` (of ``type_id`` when given)."""
        return [
            i
            for i in self.instances
            if i.state == "live" and i.lead_id == lead and (type_id is None or i.type_id == type_id)
        ]

    def listing(self, lead: str, type_id: str | None) -> dict[str, Any]:
        """What a list of ``lead`` (of ``type_id``) must show: the ids it must hold, the
        ids it may hold (unsure instances), the ids it must not (deleted ones), and whether
        nothing else may be in it."""
        mine = [i for i in self.instances if type_id is None or i.type_id == type_id]
        on_lead = [i for i in mine if i.lead_id == lead]
        return {
            "lead_id": lead,
            "custom_object_type_id": type_id,
            "live": {i.object_id: dict(i.values) for i in on_lead if i.state == "live"},
            "maybe": sorted(
                {i.object_id for i in on_lead if i.state == "unsure"} | self.background
            ),
            "deleted": sorted(i.object_id for i in self.instances if i.state == "deleted"),
            "elsewhere": sorted(
                i.object_id for i in self.instances if i.state == "live" and i not in on_lead
            ),
            "exact": lead not in self.unsure_leads,
        }

    def expectation(self, instance: Instance) -> dict[str, Any]:
        """What a read of a live ``instance`` must show (see :class:`Instance`)."""
        return {
            "values": dict(instance.values),
            "kept": sorted(instance.kept),
            "removed": sorted(instance.removed),
            "fixed": dict(instance.fixed),
            "organization_id": self.organization_id,
            "date_updated": instance.date_updated,
        }
