"""What every step of the stateful phase shares: the run's record of its steps, sending
through the session, judging answers so that a violation carries the requests before it,
and the model's handles of the run's own instances."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from contract.checks import CheckContext, Operation
from contract.client import Exchange
from contract.discovery import TypeContract
from contract.ids import segment
from contract.ledger import json_body
from contract.session import Inconclusive, Outcome, SequenceRecord, Session, StepRecord
from contract.stateful._model import Instance, Model
from strategies import Case

__all__ = ["StepsBase", "json_of"]


def json_of(exchange: Exchange) -> Any:
    """The answer's JSON body, or None when it has none a reader can use."""
    return json_body(exchange)


class StepsBase:
    """Executes steps for one machine run, in one outcome, against one model."""

    def __init__(self, session: Session, model: Model, outcome: Outcome, number: int) -> None:
        self.s = session
        # The machine run's number: its label, its requests' tag and its corpus entry.
        self.number = number
        self.model = model
        self.outcome = outcome
        # What ran, in order (for a recording's corpus): rule name and arguments.
        self.executed: list[StepRecord] = []
        # Set by an unanswered request or a first failing step: the model predicts no more.
        self.stopped = False

    # -- plumbing ------------------------------------------------------------------------

    def entry(self) -> SequenceRecord:
        """This run's corpus entry: its number (so a replay tags and labels it alike) and
        the steps it executed."""
        return {"run": self.number, "steps": self.executed}

    def step(self, rule: str, **args: object) -> bool:
        """Write the step down; False when the run no longer predicts anything."""
        if self.stopped:
            return False
        encoded = {k: v.to_dict() if isinstance(v, Case) else v for k, v in args.items()}
        self.executed.append({"rule": rule, "args": encoded})
        return True

    def stop_at_failure(self) -> bool:
        """After a step: a first violation ends the run's predictions (what follows would
        be a follow-on, and a replay stops there too). True for the step that found it."""
        if self.outcome.violations and not self.stopped:
            self.stopped = True
            return True
        return False

    def judge(self, ctx: CheckContext) -> None:
        """Judge ``ctx`` by the checks that apply; violations carry the requests of the
        sequence so far."""
        found = self.outcome.judge(ctx)
        if not found:
            return
        steps = marked_steps(self.outcome.exchanges)
        start = len(self.outcome.violations) - len(found)
        for index in range(start, len(self.outcome.violations)):
            self.outcome.violations[index] = dataclasses.replace(
                self.outcome.violations[index], steps=steps
            )

    def send(self, kind: str, method: str, path: str, **options: Any) -> Exchange | None:
        try:
            return self.s.send(self.outcome, kind, method, path, **options)
        except Inconclusive:
            self.stopped = True
            return None

    def ctx(
        self, exchange: Exchange, operation: Operation, statuses: frozenset[int], **kw: Any
    ) -> CheckContext:
        return CheckContext(exchange, operation, statuses, case=None, **kw)

    def _tc(self, instance: Instance) -> TypeContract:
        return self.model.types[instance.type_id]

    def _prediction(self, instance: Instance, **extra: Any) -> dict[str, Any]:
        return {**self.model.expectation(instance), **extra}

    def path(self, instance: Instance) -> str:
        """The instance's path (its id passed check_id, and is encoded all the same)."""
        return f"custom_object/{segment(instance.object_id)}/"

    def writable(self, instance: Instance) -> bool:
        """Whether writes may go to ``instance``: a GET has proven it the run's own (one
        that could not be read yet is read again now)."""
        ledger = self.s.ledger
        return ledger.is_ours(instance.object_id) or ledger.prove(instance.object_id).ours

    def _unproven(self, object_id: str) -> bool:
        """Whether a create's instance is still the run's to track although no GET has
        proven it yet (its GET answered 404 or could not be read): never written to until
        it is, but the model still predicts it (a lost write is a finding)."""
        return object_id in self.s.ledger.claims

    def instance(self, handle: int) -> Instance | None:
        """The instance of ``handle``, or None for one the model no longer predicts."""
        if not 0 <= handle < len(self.model.instances):
            return None
        found = self.model.instances[handle]
        return None if found.state == "unsure" else found

    def judge_gone(self, exchange: Exchange, operation: Operation, instance: Instance) -> None:
        """Judge the answer to a request for a deleted instance; one that shows it again
        makes it unsure, and the ledger takes it back for cleanup."""
        self.judge(
            self.ctx(
                exchange,
                operation,
                frozenset({404}),
                instance_id=instance.object_id,
                prediction={"deleted": True},
                step="stale",
            ),
        )
        # A DELETE that answers 2xx deletes again what is already gone: nothing reappeared.
        if 200 <= exchange.status < 300 and operation != "delete":
            self.s.ledger.add("custom_object", instance.object_id)
            instance.state = "unsure"


# A Close id as answers carry it: a prefix, an underscore, letters and digits.
_ANSWERED_ID = re.compile(r"\b[a-z]+_[A-Za-z0-9]{16,}\b")


def marked_steps(exchanges: Sequence[Exchange]) -> tuple[str, ...]:
    """Each request as curl; where one names an id that an earlier answer gave (and no
    earlier request named), a shell comment says which step's answer: run by hand on
    another target, that id is the one to take from there."""
    seen_sent: set[str] = set()
    answered: dict[str, int] = {}
    steps: list[str] = []
    for number, exchange in enumerate(exchanges, 1):
        command = exchange.curl()
        sent = set(_ANSWERED_ID.findall(command))
        origins = sorted(
            (answered[i], i) for i in sent - seen_sent if i in answered and answered[i] < number
        )
        if origins:
            notes = ", ".join(f"{i} from the answer of step {n}" for n, i in origins)
            command += f"  # {notes}"
        steps.append(command)
        seen_sent |= sent
        body = exchange.response_body or b""
        for found in _ANSWERED_ID.findall(body[:65536].decode("utf-8", "replace")):
            answered.setdefault(found, number)
    return tuple(steps)
