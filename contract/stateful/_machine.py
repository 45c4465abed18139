"""The rule-based state machine of the stateful phase (``hypothesis.stateful``).

Hypothesis draws the rules and their arguments; each rule is one step of
:class:`~contract.stateful._steps.Steps`, which sends the requests and judges the answers
against the reference model. Instances travel between rules as model handles in a
Bundle, so shrinking a failing sequence leaves out creates, reads and writes freely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, precondition, rule

from contract.discovery import Organization, TypeContract
from contract.phases import References
from contract.schemas import validator_for
from contract.session import Outcome, Session
from contract.stateful._model import Model
from contract.stateful._steps import Steps
from strategies import Case, MissingReferenceError, invalid_payloads, valid_payloads

__all__ = [
    "CORPUS_KEY",
    "StepFailed",
    "Stopped",
    "World",
    "invalid_update",
    "machine_for",
    "replay_steps",
]

# The corpus batch of the stateful phase, and the prefix of its sequences' case tags.
CORPUS_KEY = "stateful:runs"

# Invalid creates whose one broken key can be sent alone in a PUT and still break a rule.
_UPDATE_MUTABLE = ("name", "custom.")


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
    # Called with each finished machine run's steps and outcome.
    finished: Callable[[Steps], None] = lambda steps: None
    raise_on_failure: bool = False
    update_validators: dict[str, Any] = field(default_factory=dict)
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


def _update_body(draw: st.DrawFn, tc: TypeContract, case: Case) -> dict[str, Any]:
    """A partial PUT body from a second valid draw: some of its keys, maybe some nulls."""
    keys = sorted(k for k in case.payload if k == "name" or k.startswith("custom."))
    chosen = [k for k in keys if draw(st.booleans())]
    required = set(tc.request_schema.get("required", ()))
    optional = sorted(k for k in tc.field_types if k not in required and k not in chosen)
    nulls = draw(st.lists(st.sampled_from(optional), max_size=2, unique=True)) if optional else []
    body: dict[str, Any] = {k: case.payload[k] for k in chosen}
    body.update(dict.fromkeys(nulls))
    return body or {"name": case.payload["name"]}


def machine_for(world: World, first: int = 0) -> Callable[[], RuleBasedStateMachine]:
    """A factory of machines for ``world``: each call is one machine run, numbered from
    ``first``."""
    types = {tc.type_id: tc for tc in world.types}
    type_ids = sorted(types)
    leads = list(world.leads)
    counter = [first]

    class ContractMachine(RuleBasedStateMachine):
        instances = Bundle("instances")

        def __init__(self) -> None:
            super().__init__()
            self.run = world.steps(counter[0])
            counter[0] += 1

        def _after(self) -> None:
            world.check_stop()
            if self.run.outcome.violations and not self.run.stopped:
                self.run.stopped = True  # what follows a first failure is a follow-on
                if world.raise_on_failure:
                    raise StepFailed(self.run.outcome)

        @rule(
            target=instances,
            type_id=st.sampled_from(type_ids),
            lead=st.sampled_from(leads),
            data=st.data(),
        )
        def create(self, type_id: str, lead: str, data: st.DataObject) -> Any:
            case = data.draw(world.cases("valid", types[type_id], lead))
            handle = self.run.create(type_id, lead, case)
            self._after()
            return multiple() if handle is None else handle

        @rule(
            target=instances,
            type_id=st.sampled_from(type_ids),
            lead=st.sampled_from(leads),
            data=st.data(),
        )
        def create_invalid(self, type_id: str, lead: str, data: st.DataObject) -> Any:
            case = data.draw(world.cases("invalid", types[type_id], lead))
            if not case.send_credentials:
                return multiple()  # credentials are the single-case phases' matter
            handle = self.run.create_invalid(type_id, lead, case)
            self._after()
            return multiple() if handle is None else handle

        @rule(handle=instances)
        def get(self, handle: int) -> None:
            self.run.get(handle)
            self._after()

        @rule(
            lead=st.sampled_from(leads),
            type_id=st.none() | st.sampled_from(type_ids),
            skip=st.none() | st.integers(1, 3),
        )
        def list(self, lead: str, type_id: str | None, skip: int | None) -> None:
            self.run.list_lead(lead, type_id, skip)
            self._after()

        @rule(
            lead=st.sampled_from(leads),
            type_id=st.none() | st.sampled_from(type_ids),
            limit=st.integers(1, 3),
        )
        def list_paged(self, lead: str, type_id: str | None, limit: int) -> None:
            self.run.list_paged(lead, type_id, limit)
            self._after()

        @rule(handle=instances, data=st.data())
        def update(self, handle: int, data: st.DataObject) -> None:
            instance = self.run.instance(handle)
            if instance is None:
                return
            tc = types[instance.type_id]
            case = data.draw(world.cases("valid", tc, instance.lead_id))
            body = data.draw(st.composite(lambda draw: _update_body(draw, tc, case))())
            self.run.update(handle, body)
            self._after()

        @rule(handle=instances, data=st.data())
        def update_invalid(self, handle: int, data: st.DataObject) -> None:
            instance = self.run.instance(handle)
            if instance is None or instance.state != "live":
                return
            tc = types[instance.type_id]
            case = data.draw(world.cases("invalid", tc, instance.lead_id))
            body = invalid_update(world.update_validators[tc.type_id], case)
            if body is None:
                return
            self.run.update_invalid(
                handle, body, str(case.mutation), sorted(case.expected_statuses)
            )
            self._after()

        @rule(handle=instances)
        def delete(self, handle: int) -> None:
            self.run.delete(handle)
            self._after()

        @precondition(lambda self: world.session.other_api_key is not None)
        @rule(handle=instances, method=st.sampled_from(["GET", "LIST", "PUT", "DELETE"]))
        def foreign(self, handle: int, method: str) -> None:
            self.run.foreign(handle, method)
            self._after()

        def teardown(self) -> None:
            self.run.teardown()
            world.finished(self.run)

    return ContractMachine


def invalid_update(validator: Any, case: Case) -> dict[str, Any] | None:
    """The broken key of an invalid create, alone, as a PUT body that breaks the update
    schema too (None when the mutation does not carry over to an update)."""
    target = case.target
    if case.body is not None or not isinstance(case.payload, Mapping) or not target:
        return None
    if not target.startswith(_UPDATE_MUTABLE) or target not in case.payload:
        return None
    body = {target: case.payload[target]}
    if target != "name" and isinstance(case.payload.get("name"), str):
        # A valid rename alongside: a server that applies part of a refused body shows.
        body["name"] = case.payload["name"]
    # Only a body the update schema itself refuses is owed a refusal.
    return None if validator.is_valid(body) else body


_REPLAYED: Mapping[str, Callable[..., Any]] = {
    "create": Steps.create,
    "create_invalid": Steps.create_invalid,
    "get": Steps.get,
    "list": Steps.list_lead,
    "list_paged": Steps.list_paged,
    "update": Steps.update,
    "update_invalid": Steps.update_invalid,
    "delete": Steps.delete,
    "foreign": Steps.foreign,
}


def replay_steps(
    steps: Steps,
    recorded: Sequence[Mapping[str, Any]],
    check_stop: Callable[[], None] = lambda: None,
) -> None:
    """Execute the steps a recording stored, in order, through the same step functions;
    stop where the recorded run stopped predicting (its first failure). ``check_stop``
    runs before each step (it raises :class:`Stopped` once the run is ending)."""
    for entry in recorded:
        check_stop()
        args = {k: Case.from_dict(v) if k == "case" else v for k, v in dict(entry["args"]).items()}
        _REPLAYED[str(entry["rule"])](steps, **args)
        if steps.outcome.violations:
            steps.stopped = True
    steps.teardown()
