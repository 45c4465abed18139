"""A run narrowed to a few batches of its plan, with cases that come from elsewhere.

``close-contract reproduce`` runs one finding again: the setup as a run makes it (a fresh
lead, contacts, reference instances, all under the run's token and ownership proofs), then
only the batch the finding came from, whose one case is the finding's own with the ids of
the earlier run's lead and references replaced by the new ones. The engine hands
:class:`Focus` what the setup made before any case of the plan is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from contract.discovery import Organization
from contract.engine._plan import Phase, Plan
from contract.phases import References
from contract.session import CaseSource

__all__ = ["Focus", "Ground"]


@dataclass(frozen=True, slots=True)
class Ground:
    """What the setup of a run made: its lead, the references (contacts, users, reference
    instances, by the kind a field points to) and the stateful phase's leads (the tour's
    two first)."""

    org: Organization
    lead: str
    refs: References
    stateful_leads: Sequence[str]


class Focus(Protocol):
    """What narrows a run: the plan's batches that run, and the source of their cases."""

    @property
    def keys(self) -> frozenset[str]:
        """The keys of the plan's batches that run; every other batch is left out."""
        ...

    @property
    def source(self) -> CaseSource:
        """Where every case of the run comes from (the setup's included)."""
        ...

    def prepare(self, ground: Ground) -> None:
        """Told what the setup made, before any case of the plan is drawn."""
        ...


def narrowed(plan: Plan, keys: frozenset[str]) -> Plan:
    """``plan`` with only the slots of the batches named by ``keys`` (phases kept, so they
    still open and close)."""
    return Plan([Phase(p.name, [s for s in p.slots if s[0].key in keys]) for p in plan.phases])
