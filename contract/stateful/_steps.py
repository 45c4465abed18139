"""The steps of the stateful phase: each sends its requests, judges every answer against
the reference model, then tells the model what happened.

A step takes only JSON-able arguments (type ids, the run's own lead ids, handles of
instances, cases and bodies), so a recording stores the steps a machine run executed and
a replay executes them again through these same functions, without Hypothesis.

Safety: a write goes only to an instance whose id came back from the run's own create on
one of the run's own leads (a model handle), and the second organization's key writes only
to those. An unanswered create stops the run's predictions (see ``Steps.stopped``).
"""

from __future__ import annotations

from typing import Any

from contract.checks import Operation
from contract.phases import post_create, prove_created
from contract.session import Inconclusive, refused_mid_run
from contract.stateful._base import json_of
from contract.stateful._reads import ReadSteps
from strategies import Case

__all__ = ["Steps"]

_OK = frozenset(range(200, 300))


class Steps(ReadSteps):
    """Every step of the stateful phase: the reads, and the writes that change the model."""

    # -- creates -------------------------------------------------------------------------

    def create(self, type_id: str, lead: str, case: Case) -> int | None:
        """POST a valid case on one of the run's leads; a new live instance."""
        if not self.step("create", type_id=type_id, lead=lead, case=case):
            return None
        tc = self.model.types[type_id]
        try:
            exchange, object_id = post_create(
                self.s, self.outcome, "valid:create", case.payload, json=case.payload
            )
        except Inconclusive:
            self.model.unsure_leads.add(lead)
            self.stopped = True
            return None
        body = json_of(exchange)
        prediction: dict[str, Any] = {"organization_id": self.model.organization_id}
        self.judge(
            self.ctx(
                exchange,
                "create",
                case.expected_statuses,
                validator=tc.response_validator,
                sent=case.payload,
                field_types=tc.field_types,
                prediction=prediction,
                step="create",
            ),
        )
        if object_id is None:
            return None
        # A read that places it elsewhere makes it not the run's: the model never has it.
        if not prove_created(self.s, self.outcome, object_id) and not self._unproven(object_id):
            return None
        return self.model.created(tc, lead, case.payload, body).handle

    def create_invalid(self, type_id: str, lead: str, case: Case) -> int | None:
        """POST a case that breaks one rule; an instance it wrongly made is adopted."""
        if not self.step("create_invalid", type_id=type_id, lead=lead, case=case):
            return None
        tc = self.model.types[type_id]
        try:
            exchange, object_id = post_create(
                self.s,
                self.outcome,
                f"invalid:{case.mutation}",
                case.payload,
                body=case.request_body(),
                content_type=case.content_type,
                headers=case.headers,
            )
        except Inconclusive:
            self.model.unsure_leads.add(lead)
            self.stopped = True
            return None
        still_invalid = case.schema_valid or not (
            case.body is None and tc.request_validator.is_valid(case.payload)
        )
        step = "refusal" if still_invalid else None
        self.judge(self.ctx(exchange, "create", case.expected_statuses, step=step))
        if object_id is None:
            return None
        if not prove_created(self.s, self.outcome, object_id) and not self._unproven(object_id):
            return None
        return self.model.adopt(tc, lead, object_id).handle

    # -- writes --------------------------------------------------------------------------

    def update(self, handle: int, body: dict[str, Any]) -> None:
        """PUT a valid partial body (a deleted instance must answer 404)."""
        instance = self.instance(handle)
        if instance is None or not self.writable(instance):
            return
        if not self.step("update", handle=handle, body=body):
            return
        path = self.path(instance)
        if instance.state == "deleted":
            exchange = self.send("stateful:update_deleted", "PUT", path, json=body)
            if exchange is not None:
                self.judge_gone(exchange, "update", instance)
            return
        exchange = self.send("valid:update", "PUT", path, json=body)
        if exchange is None:
            return
        tc = self._tc(instance)
        removed = tuple(k for k, v in body.items() if v is None)
        before = self._prediction(instance)
        self.model.updated(instance, body) if 200 <= exchange.status < 300 else None
        after = self._prediction(instance, date_updated=before["date_updated"])
        self.judge(
            self.ctx(
                exchange,
                "update",
                _OK,
                validator=tc.response_validator,
                sent={k: v for k, v in body.items() if v is not None},
                removed=removed,
                field_types=tc.field_types,
                instance_id=instance.object_id,
                prediction=after,
                note=f"The update was {body!r}.",
                step="update",
            ),
        )
        if 200 <= exchange.status < 300:
            self.model.observed(instance, json_of(exchange))
        elif exchange.status >= 500:
            instance.state = "unsure"  # what a crashed update stored is anyone's guess

    def update_invalid(
        self, handle: int, body: dict[str, Any], mutation: str, expected: list[int]
    ) -> None:
        """PUT a body that breaks one rule: refused, and the instance stays as it was."""
        instance = self.instance(handle)
        if instance is None or instance.state != "live" or not self.writable(instance):
            return
        if not self.step(
            "update_invalid", handle=handle, body=body, mutation=mutation, expected=expected
        ):
            return
        path = self.path(instance)
        exchange = self.send(f"stateful:invalid_update:{mutation}", "PUT", path, json=body)
        if exchange is None:
            return
        self.judge(
            self.ctx(
                exchange,
                "update",
                frozenset(expected),
                instance_id=instance.object_id,
                note=f"The update {body!r} breaks {mutation}.",
                step="refusal",
            ),
        )
        if 400 <= exchange.status < 500:
            self._read(
                instance,
                after_rejected=exchange.status,
                note=f"PUT {body!r} ({mutation}) answered {exchange.status}.",
            )
        else:
            instance.state = "unsure"  # accepted or crashed: what it stored is unknown

    def delete(self, handle: int) -> None:
        """DELETE an instance: 204 for a live one, 404 for a deleted one."""
        instance = self.instance(handle)
        if instance is None or not self.writable(instance):
            return
        if not self.step("delete", handle=handle):
            return
        path = self.path(instance)
        # A DELETE of a deleted instance is a kind of its own: its 404 is not the status
        # the baseline pins for deleting a live one.
        kind = "stateful:delete_deleted" if instance.state == "deleted" else "valid:delete"
        exchange = self.send(kind, "DELETE", path)
        if exchange is None:
            return
        if instance.state == "deleted":
            self.judge_gone(exchange, "delete", instance)
            return
        self.judge(
            self.ctx(
                exchange, "delete", frozenset({204}), instance_id=instance.object_id, step="delete"
            ),
        )
        if 200 <= exchange.status < 300 or (exchange.status == 404 and exchange.may_have_repeated):
            # The ledger keeps it: a delete is believed only once cleanup's GET no longer
            # finds it (a DELETE that answers 204 and deletes nothing is a regression too).
            instance.state = "deleted"
        else:
            instance.state = "unsure"

    def foreign(self, handle: int, method: str) -> None:
        """A request with the second organization's key to one of the run's own live
        instances: unknown to it, and the instance is intact afterwards."""
        instance = self.instance(handle)
        key = self.s.other_api_key
        if key is None or instance is None or instance.state != "live":
            return
        if method in ("PUT", "DELETE") and not self.writable(instance):
            return
        if not self.step("foreign", handle=handle, method=method):
            return
        path = self.path(instance)
        operation: Operation = "probe"
        where, extra = path, {}
        if method == "LIST":
            where, extra, operation = (
                "custom_object/",
                {"params": {"lead_id": instance.lead_id}},
                "list",
            )
        elif method == "PUT":
            extra = {"json": {"name": "changed by another organization"}}
        exchange = self.send(
            f"isolation:{'GET' if method == 'LIST' else method}",
            "GET" if method == "LIST" else method,
            where,
            api_key=key,
            **extra,
        )
        if exchange is None:
            return
        refused = refused_mid_run(exchange)
        if refused is not None:
            # Not isolation: the key no longer works, so nothing was judged (never a pass).
            self.outcome.inconclusive = refused
            return
        self.judge(
            self.ctx(
                exchange,
                operation,
                frozenset({403, 404}),
                instance_id=instance.object_id,
                note="The request used a second organization's API key.",
                key="other",
                step="isolation",
            ),
        )
        if method in ("PUT", "DELETE"):
            intact = self.send("valid:retrieve", "GET", path)
            if intact is not None:
                self.judge(
                    self.ctx(
                        intact,
                        "intact",
                        frozenset({200}),
                        expected=dict(instance.values),
                        field_types=self._tc(instance).field_types,
                        instance_id=instance.object_id,
                        note=f"After {method} with another organization's key.",
                        step="isolation",
                    ),
                )

    # -- the end -------------------------------------------------------------------------

    def teardown(self) -> None:
        """Delete every instance of this run not known deleted (the ledger has the rest)."""
        for instance in self.model.instances:
            if instance.state == "deleted" or not self.writable(instance):
                continue  # what is not proven the run's own is the ledger's to judge
            path = self.path(instance)
            try:
                self.s.send(self.outcome, "stateful:teardown", "DELETE", path)
            except Inconclusive:
                continue  # the ledger deletes it at cleanup
            # The ledger keeps it until cleanup's GET shows it gone.
