"""One run's connection state: the client, the ledger, observers, and case bookkeeping."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Unpack

from contract.checks import CheckContext, run_checks
from contract.client import CloseClient, Exchange, RequestOptions
from contract.config import Config
from contract.errors import ContractViolation
from contract.events import CaseFinished
from contract.ledger import Ledger

__all__ = ["GENERIC", "Outcome", "Session"]

# Properties every response must have, whatever the case.
GENERIC = ("not_a_server_error", "content_type_conformance")

Observer = Callable[[Exchange, str], None]


@dataclass(slots=True)
class Outcome:
    """What one case did: the requests it sent and the violations they showed."""

    phase: str
    label: str
    type_id: str | None
    case: Mapping[str, Any] | None
    exchanges: list[Exchange] = field(default_factory=list)
    violations: list[ContractViolation] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    # Events of a batch are emitted after the whole batch ran: a case's own duration ends
    # with its last response, not when its event is built.
    finished: float | None = None

    @property
    def failed(self) -> bool:
        """Whether a check failed (Hypothesis shrinks such cases where shrinking is on)."""
        return bool(self.violations)

    def check(self, names: Iterable[str], ctx: CheckContext) -> list[ContractViolation]:
        """Run checks on ``ctx`` and keep their violations."""
        found = run_checks(names, ctx)
        self.violations.extend(found)
        return found

    def event(self) -> CaseFinished:
        """The event that reports this outcome."""
        return CaseFinished(
            phase=self.phase,
            label=self.label,
            type_id=self.type_id,
            case=dict(self.case) if self.case is not None else None,
            requests=sum(e.attempts for e in self.exchanges),
            statuses=tuple(e.status for e in self.exchanges),
            elapsed=(self.finished or time.perf_counter()) - self.started,
            violations=tuple(self.violations),
        )


@dataclass
class Session:
    """Sends requests for a run and lets observers (baselines, recorders) see each one."""

    config: Config
    client: CloseClient
    ledger: Ledger
    other_api_key: str | None = None
    observers: list[Observer] = field(default_factory=list)
    # Requests sent by other generators on this run's behalf (the schemathesis phase).
    extra_requests: int = 0

    def send(
        self,
        outcome: Outcome,
        kind: str,
        method: str,
        path: str,
        **options: Unpack[RequestOptions],
    ) -> Exchange:
        """Send one request on behalf of ``outcome``; ``kind`` labels it for baselines."""
        exchange = self.client.request(method, path, **options)
        outcome.exchanges.append(exchange)
        outcome.finished = time.perf_counter()
        for observer in self.observers:
            observer(exchange, kind)
        return exchange
