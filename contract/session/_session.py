"""One run's connection state: the client, the ledger, observers, and case bookkeeping."""

from __future__ import annotations

import dataclasses
import functools
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from secrets import token_hex
from typing import Any, ParamSpec, TypeVar, Unpack

from contract.checks import ADVISORY, CheckContext, Clock, judge
from contract.client import CASE_HEADER, CloseClient, Exchange, RequestGuard, RequestOptions
from contract.config import Config
from contract.errors import AmbiguousRequest, ContractViolation
from contract.events import CaseFinished
from contract.ledger import Ledger
from contract.session._driver import ShrinkBudget
from contract.session._second_key import OtherOrganization

__all__ = ["Inconclusive", "Outcome", "Session", "concludes", "tagged"]

Observer = Callable[[Exchange, str], None]
P = ParamSpec("P")
T = TypeVar("T")

# The case running on this thread (``batch key#index``): sent with each of its requests.
_CASE: ContextVar[str | None] = ContextVar("close_contract_case", default=None)


def tagged(tag: str, execute: Callable[[], T]) -> T:
    """``execute()`` as case ``tag``: each request it sends carries the tag in the
    :data:`~contract.client.CASE_HEADER` header, so a recording made by many workers at
    once, whose interactions interleave, pairs every request with its case on replay."""
    token = _CASE.set(tag)
    try:
        return execute()
    finally:
        _CASE.reset(token)


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
    # Why the network, not the API, decided this case (it then holds no verdict).
    inconclusive: str | None = None
    # The registered checks this run applies (None: all); see Session.outcome.
    enabled: frozenset[str] | None = None
    # The case tag its requests carry when it sets its own (a stateful sequence: several
    # steps, each a call of its own), else the one of the case running (see tagged).
    tag: str | None = None
    # For each check that judged an answer of this case: how many it passed and failed.
    verdicts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The key's user (me/), handed to every check of the case; see Session.user_id.
    user_id: str | None = None
    # The slowest answer the user accepts, in ms (--max-response-time), handed likewise.
    max_response_time: float | None = None
    # Findings reported that fail nothing: the advisory checks' (only inference expects
    # them) and the concurrency phase's, which timing decides (unless --fail-on-concurrency).
    warnings: list[ContractViolation] = field(default_factory=list)
    # Our clock and the skew allowed (--clock-skew), handed likewise; see Session.clock.
    clock: Clock | None = None

    @property
    def failed(self) -> bool:
        """Whether a check failed (Hypothesis shrinks such cases where shrinking is on)."""
        return bool(self.violations)

    def judge(self, ctx: CheckContext) -> list[ContractViolation]:
        """Hand ``ctx`` to every enabled check that applies to it in this case's phase
        (see :func:`~contract.checks.judge`); keep and return their violations.

        The findings of an advisory check (:data:`~contract.checks.ADVISORY`: what only
        inference expects) go among the warnings, which fail nothing, and are not
        returned."""
        if ctx.user_id is None and self.user_id is not None:
            ctx = dataclasses.replace(ctx, user_id=self.user_id)
        if ctx.max_response_time is None and self.max_response_time is not None:
            ctx = dataclasses.replace(ctx, max_response_time=self.max_response_time)
        if ctx.clock is None and self.clock is not None:
            ctx = dataclasses.replace(ctx, clock=self.clock)
        judged = judge(ctx, self.phase, self.enabled)
        for name, passed in judged.verdicts.items():
            ok, failed = self.verdicts.get(name, (0, 0))
            self.verdicts[name] = (ok + passed, failed + (not passed))
        found = [v for v in judged.violations if v.check not in ADVISORY]
        self.warnings.extend(v for v in judged.violations if v.check in ADVISORY)
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
            inconclusive=self.inconclusive,
            judged=dict(self.verdicts),
            warnings=tuple(self.warnings),
        )


class Inconclusive(Exception):
    """A request of ``outcome`` went unanswered and may have taken effect: the case stops.

    Raised by :meth:`Session.send`; :func:`concludes` turns it back into the outcome.
    """

    def __init__(self, outcome: Outcome, cause: AmbiguousRequest) -> None:
        super().__init__(str(cause))
        self.outcome = outcome
        self.cause = cause


def concludes(case: Callable[P, Outcome]) -> Callable[P, Outcome]:
    """Let ``case`` stop at an unanswered request and still return its (inconclusive) outcome.

    What the case checked before stays; nothing after the unanswered request is judged.
    """

    @functools.wraps(case)
    def run(*args: P.args, **kwargs: P.kwargs) -> Outcome:
        try:
            return case(*args, **kwargs)
        except Inconclusive as stopped:
            return stopped.outcome

    return run


@dataclass
class Session:
    """Sends requests for a run and lets observers (baselines, recorders) see each one."""

    config: Config
    client: CloseClient
    ledger: Ledger
    other_api_key: str | None = field(default=None, repr=False)  # never shown
    observers: list[Observer] = field(default_factory=list)
    # Unique to this run (kept in a recording, so a replay sends the same bodies): it makes
    # what the run names, such as its disposable lead, provably the run's own.
    run_token: str = field(default_factory=lambda: token_hex(6))
    enabled_checks: frozenset[str] | None = field(init=False)
    # What the run may still spend shrinking failures (see --shrink-budget).
    shrink_budget: ShrinkBudget = field(init=False)
    # The key's user as me/ names it, once discovery has read it (None before).
    user_id: str | None = None
    # What the second key's organization holds that the run may name (its reads, GETs
    # only; see check_second_key): None without a second key.
    other: OtherOrganization | None = None
    # Our clock when the run began and the skew --clock-skew allows; in a replay our clock
    # says nothing about when the recorded answers were made, so only their Date headers
    # are compared with.
    clock: Clock = field(init=False)

    def __post_init__(self) -> None:
        self.enabled_checks = self.config.enabled_checks
        started = None if self.config.target_kind == "replay" else datetime.now(UTC)
        self.clock = Clock(self.config.clock_skew, started)
        self.shrink_budget = ShrinkBudget(self.config.shrink_requests)
        # Every request of the run, discovery's and cleanup's included, passes the guard
        # at send time: the last line of defence, on every target alike.
        if self.client.guard is None:
            self.client.guard = RequestGuard(self.client.base_url)
        # Observers (baseline recorders) are not thread-safe; workers take turns.
        self._observing = threading.Lock()

    def outcome(
        self, phase: str, label: str, type_id: str | None, case: Mapping[str, Any] | None
    ) -> Outcome:
        """A new case's outcome, judged by the checks the run's configuration selects.

        The selection travels with the outcome rather than live in the registry: every
        check of a case runs through :meth:`Outcome.judge`, and an outcome made by
        the session carries the selection along, so the registry stays a pure function of
        its arguments and no run-wide state (a context variable would leak across the
        yields of :func:`contract.run`) decides what is checked.
        """
        return Outcome(
            phase,
            label,
            type_id,
            case,
            enabled=self.enabled_checks,
            user_id=self.user_id,
            max_response_time=self.config.max_response_time,
            clock=self.clock,
        )

    def send(
        self,
        outcome: Outcome,
        kind: str,
        method: str,
        path: str,
        **options: Unpack[RequestOptions],
    ) -> Exchange:
        """Send one request on behalf of ``outcome``; ``kind`` labels it for baselines.

        Raises :class:`Inconclusive` when a request that is not safe to repeat went
        unanswered (see :class:`~contract.errors.AmbiguousRequest`).
        """
        tag = outcome.tag if outcome.tag is not None else _CASE.get()
        if tag is not None:
            options["headers"] = (*options.get("headers", ()), (CASE_HEADER, tag))
        try:
            exchange = self.client.request(method, path, **options)
        except AmbiguousRequest as exc:
            outcome.inconclusive = str(exc)
            outcome.finished = time.perf_counter()
            raise Inconclusive(outcome, exc) from None
        outcome.exchanges.append(exchange)
        outcome.finished = time.perf_counter()
        with self._observing:
            for observer in self.observers:
                observer(exchange, kind)
        return exchange
