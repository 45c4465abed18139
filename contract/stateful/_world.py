"""What every sequence of the stateful phase shares: the session, the organization, the
run's leads, the strategies of its cases, and the signal that ends it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from contract.discovery import Organization, TypeContract
from contract.phases import References
from contract.schemas import validator_for
from contract.session import Outcome, Session
from contract.stateful._model import Model
from contract.stateful._steps import Steps
from strategies import Case, MissingReferenceError, invalid_payloads, valid_payloads

__all__ = ["CORPUS_KEY", "StepFailed", "Stopped", "World"]

# The corpus batch of the stateful phase, and the prefix of its sequences' case tags.
CORPUS_KEY = "stateful:runs"


class Stopped(BaseException):
    """The run is ending (Ctrl-C, or an error in a phase running at the same time): no
    further step is sent.

    A BaseException, which Hypothesis lets through at once instead of shrinking it; the
    sequence's teardown still runs, and the ledger deletes whatever it could not.
    """


class StepFailed(Exception):
    """A step found a violation: Hypothesis shrinks the sequence that led to it."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.label)
        self.outcome = outcome


@dataclass
class World:
    """What every machine run shares: the session, the organization, the run's leads."""

    session: Session
    org: Organization
    refs: References
    leads: tuple[str, ...]
    contacts: tuple[str, ...]
    # The tour's own leads (none: it shares the sequences' ones), so it can run alongside.
    own_tour_leads: tuple[str, ...] = ()
    # Types whose valid payloads can be drawn (their references exist).
    types: tuple[TypeContract, ...] = ()
    # Called with each finished machine run's steps.
    finished: Callable[[Steps], None] = lambda steps: None
    raise_on_failure: bool = False
    update_validators: dict[str, Draft202012Validator] = field(default_factory=dict)
    # Set from another thread when the phase runs alongside the others and the run ends.
    stop: threading.Event = field(default_factory=threading.Event)
    _strategies: dict[tuple[str, str, str], st.SearchStrategy[Case]] = field(default_factory=dict)
    # Every sequence's model so far: what earlier sequences left behind is theirs.
    _models: list[Model] = field(default_factory=list)

    def __post_init__(self) -> None:
        usable = []
        for tc in self.org.types:
            try:
                valid_payloads(tc.request_schema, references=self.refs)
            except MissingReferenceError:
                continue
            usable.append(tc)
        self.types = tuple(usable)
        self.update_validators = {tc.type_id: validator_for(tc.update_schema) for tc in usable}

    def contract_of(self, type_id: str) -> TypeContract:
        """The contract of one of the usable types."""
        return next(tc for tc in self.types if tc.type_id == type_id)

    def cases(self, kind: str, tc: TypeContract, lead: str) -> st.SearchStrategy[Case]:
        """Valid or invalid create cases of ``tc`` on ``lead`` (built once)."""
        key = (kind, tc.type_id, lead)
        if key not in self._strategies:
            refs = {**self.refs, "lead": [lead]}
            build = valid_payloads if kind == "valid" else invalid_payloads
            self._strategies[key] = build(tc.request_schema, references=refs)
        return self._strategies[key]

    @property
    def tour_leads(self) -> tuple[str, ...]:
        """The leads of the tour: its own when it has some, else the sequences' ones."""
        return self.own_tour_leads or self.leads

    def steps(self, number: int, leads: tuple[str, ...] | None = None) -> Steps:
        """A fresh model and outcome for machine run ``number``, on ``leads`` (default:
        the sequences' leads)."""
        s = self.session
        leads = self.leads if leads is None else leads
        outcome = s.outcome("stateful", f"stateful sequence #{number + 1}", None, None)
        # Each sequence's requests carry its own tag: a shrink's sequences are sent but
        # never stored, and a replay must not hand their answers to a stored sequence.
        outcome.tag = f"{CORPUS_KEY}#{number}"
        model = Model.of(self.org, leads, self.contacts)
        # Only earlier sequences on the same leads leave anything on them: what their
        # teardown could not delete (the ledger still has it). What the other phases, or
        # a tour on leads of its own, make and leave is elsewhere, and when that happens
        # does not change a prediction.
        earlier = {i.object_id for m in self._models if m.leads == leads for i in m.instances}
        entries, uncertain = s.ledger.snapshot()
        model.background = {i for kind, i in entries if kind == "custom_object" and i in earlier}
        model.unsure_leads |= {str(lead) for lead, _ in uncertain if lead in leads}
        if s.config.lead_id:
            # The user's own lead holds instances of theirs: its lists are never exact.
            model.unsure_leads.add(s.config.lead_id)
        self._models.append(model)
        return Steps(s, model, outcome, number)

    def check_stop(self) -> None:
        """Raise :class:`Stopped` once the run is ending."""
        if self.stop.is_set():
            raise Stopped
