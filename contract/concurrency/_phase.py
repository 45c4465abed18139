"""The concurrency phase: a few requests at once on what the run owns, judged as histories.

Close documents no concurrency guarantee, so what a server should do when requests overlap
is inferred (INF): one instance's partial updates, each to its own field, should all be
kept (each PUT "behaves as a PATCH", DOC); creates on one lead should each be readable
once answered and all be listed afterwards. Timing decides what a run sees, so these
findings are a kind of their own, outside the determinism promise: warnings, which fail
the run only with ``--fail-on-concurrency``.

Two cases, each with a fixed fan-out of :data:`FAN_OUT` requests whatever ``--workers``
says (the client's pacer still spaces them by the server's rate budget):

1. *creates*: :data:`FAN_OUT` creates on the run's own verified lead at once, each followed
   by a read of what it answered (that read is the ownership proof, as for every create),
   then a list of the lead. Judged by ``read_your_writes`` (creates and reads) and
   ``concurrent_creates_listed`` (creates and the list);
2. *updates*: :data:`FAN_OUT` PUTs at once to one of those instances, each setting its own
   key (the name and custom fields), then a read. Judged by ``concurrent_updates_kept``.

Each history goes to :func:`~contract.concurrency.check_history` with its model; its
verdict reaches the checks as the context's ``prediction``. About fifteen requests in all
(cleanup deletes the instances, as every instance of the run). The phase sends through a
copy of the session that tells no observer: what overlapping requests show is neither a
shape for the baseline nor an answer time for the latency baseline.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from contract.checks import CheckContext, Step
from contract.client import Exchange
from contract.concurrency._fanout import fan_out
from contract.concurrency._history import Op, Versions, timeline
from contract.concurrency._linearizable import Model, check_history
from contract.concurrency._models import Members, Registers
from contract.discovery import Organization, TypeContract
from contract.ids import segment
from contract.ledger import json_body
from contract.phases import References, post_create, prove_created
from contract.session import Inconclusive, Outcome, Session, run_seeded
from strategies import Case, MissingReferenceError, valid_payloads

__all__ = ["CONCURRENCY_CHECKS", "FAN_OUT", "PHASE", "concurrency_phase"]

PHASE = "concurrency"
"""The phase's name in events, reports and check declarations."""

FAN_OUT = 4
"""Requests sent at once: the same on every target, whatever ``--workers`` says."""

CONCURRENCY_CHECKS = frozenset(
    {"concurrent_updates_kept", "concurrent_creates_listed", "read_your_writes"}
)
"""The checks that judge the phase's histories: their findings are warnings unless the
run is asked to fail on them (``--fail-on-concurrency``)."""

_OK = range(200, 300)
Pair = tuple[Case, Case]


def _now() -> float:
    return time.perf_counter()


def _path(object_id: str) -> str:
    return f"custom_object/{segment(object_id)}/"


def _object(exchange: Exchange) -> Mapping[str, Any] | None:
    body = json_body(exchange)
    return body if isinstance(body, Mapping) else None


def concurrency_phase(s: Session, org: Organization, refs: References, lead: str) -> list[Outcome]:
    """The phase's cases (none when no type can have a valid payload built)."""
    chosen = _probe_type(s, org, refs)
    if chosen is None:
        return []
    tc, pairs = chosen
    # What overlapping requests show is no shape for a baseline: no observer hears them.
    quiet = copy.copy(s)  # the same client, ledger, clock and selection of checks
    quiet.observers = []
    creates = _Creates(quiet, tc, pairs, lead)
    outcomes = [creates.run()]
    target = creates.update_target()
    if target is not None:
        outcomes.append(_Updates(quiet, tc, *target).run())
    return outcomes


def _probe_type(
    s: Session, org: Organization, refs: References
) -> tuple[TypeContract, list[Pair]] | None:
    """The type with the most fields whose valid payloads can be built, and
    :data:`FAN_OUT` pairs of payloads drawn for the run's seed (a create and the values
    of an update each)."""
    for tc in sorted(org.types, key=lambda t: -len(t.fields)):
        try:
            one = valid_payloads(tc.request_schema, references=refs)
        except MissingReferenceError:
            continue
        drawn: list[Pair] = []
        run_seeded(st.tuples(one, one), drawn.append, examples=FAN_OUT, seed=s.config.seed)
        if drawn:
            # Hypothesis may find fewer distinct examples than asked for in a small space.
            return tc, [drawn[i % len(drawn)] for i in range(FAN_OUT)]
    return None


@dataclass(slots=True)
class _Thread:
    """What one thread of a fan-out did: its own outcome and the operations it made."""

    outcome: Outcome
    ops: list[Op] = field(default_factory=list)
    object_id: str | None = None
    shown: Mapping[str, Any] | None = None


def _merged(into: Outcome, threads: Sequence[_Thread]) -> None:
    """Each thread's requests and findings into the case's outcome, in thread order (so
    the case reads the same however the threads interleaved)."""
    for thread in threads:
        part = thread.outcome
        into.exchanges.extend(part.exchanges)
        into.violations.extend(part.violations)
        for name, (ok, failed) in part.verdicts.items():
            was_ok, was_failed = into.verdicts.get(name, (0, 0))
            into.verdicts[name] = (was_ok + ok, was_failed + failed)
        if into.inconclusive is None and part.inconclusive is not None:
            into.inconclusive = part.inconclusive
        if part.finished is not None:
            into.finished = max(into.finished or part.finished, part.finished)


def _judge(
    s: Session,
    outcome: Outcome,
    tc: TypeContract,
    step: Step,
    ops: Sequence[Op],
    model: Model[Any],
    answer: Exchange,
    what: str,
) -> None:
    """Search ``ops`` for an order that ``model`` explains; hand the verdict to the checks
    of ``step`` with ``answer`` (the history's last); keep their findings apart as
    warnings unless the run fails on them."""
    verdict = check_history(ops, model)
    if verdict.kind == "undecided":
        outcome.inconclusive = (
            f"{what}: the linearizability search stopped undecided after {verdict.explored} states"
        )
        return
    start = min((op.call for op in ops), default=0.0)
    prediction = {
        "history": what,
        "verdict": verdict.kind,
        "placed": [ops[i].label for i in verdict.order],
        "stuck": list(verdict.stuck),
        "timeline": timeline(ops, start=start),
        "explored": verdict.explored,
    }
    ctx = CheckContext(
        answer,
        "history",
        frozenset(),
        case=outcome.case,
        prediction=prediction,
        field_types=tc.field_types,
        note=f"The history: {what}.",
        step=step,
    )
    before = len(outcome.violations)
    outcome.judge(ctx)
    steps = tuple(e.curl() for e in outcome.exchanges)
    found = outcome.violations[before:]
    del outcome.violations[before:]
    for violation in found:
        violation = dataclasses.replace(violation, steps=steps)
        if violation.check in CONCURRENCY_CHECKS and not s.config.fail_on_concurrency:
            outcome.warnings.append(violation)
        else:
            outcome.violations.append(violation)


class _Creates:
    """:data:`FAN_OUT` creates on the run's lead at once, each read back, then a list."""

    def __init__(self, s: Session, tc: TypeContract, pairs: list[Pair], lead: str) -> None:
        self.s, self.tc, self.pairs, self.lead = s, tc, pairs, lead
        self.threads: list[_Thread] = []

    def run(self) -> Outcome:
        s, tc = self.s, self.tc
        payloads = [pair[0].payload for pair in self.pairs]
        outcome = s.outcome(
            PHASE,
            f"{tc.name}: {FAN_OUT} concurrent creates on one lead",
            tc.type_id,
            {"fan_out": FAN_OUT, "payloads": payloads},
        )
        calls = [functools.partial(self._one, n, p) for n, p in enumerate(payloads, 1)]
        self.threads = fan_out(calls, name="close-contract-creates")
        _merged(outcome, self.threads)
        creates = [op for t in self.threads for op in t.ops if op.kind == "create"]
        reads = [op for t in self.threads for op in t.ops if op.kind == "read"]
        last_read = next((e for e in reversed(outcome.exchanges) if e.method == "GET"), None)
        if creates and reads and last_read is not None:
            history = [*creates, *reads]
            _judge(
                s,
                outcome,
                tc,
                "concurrent_reads",
                history,
                Members(),
                last_read,
                f"{len(creates)} concurrent creates, each read back once answered",
            )
        listed = self._list(outcome) if creates else None
        if listed is not None:
            op, answer = listed
            _judge(
                s,
                outcome,
                tc,
                "concurrent_creates",
                [*creates, op],
                Members(),
                answer,
                f"{len(creates)} concurrent creates, then a list of the lead",
            )
        return outcome

    def _one(self, number: int, payload: Mapping[str, Any]) -> _Thread:
        s = self.s
        part = s.outcome(PHASE, f"create {number}", self.tc.type_id, None)
        part.tag = f"{PHASE}:creates#{number}"
        thread = _Thread(part)
        call = _now()
        try:
            exchange, object_id = post_create(s, part, f"{PHASE}:create", payload, json=payload)
        except Inconclusive:
            return thread  # it may have made an instance no id names: nothing to place
        answered = _now()
        if object_id is None or exchange.status not in _OK:
            return thread  # refused, or an id the run cannot use (reported already)
        label = f"create {number}: POST custom_object/ → {exchange.status} {object_id}"
        thread.ops.append(Op(label, "create", call, answered, object_id))
        thread.object_id = object_id
        call = _now()
        try:
            read = s.send(part, f"{PHASE}:retrieve", "GET", _path(object_id))
        except Inconclusive:
            return thread
        answered = _now()
        # The read right after the create is the ownership proof, as for every create.
        prove_created(s, part, object_id, read)
        body = _object(read)
        found: bool | None = None
        if read.status == 200 and body is not None and body.get("id") == object_id:
            found, thread.shown = True, body
        elif read.status in (404, 410):
            found = False
        if found is not None:
            label = f"read {number}: GET custom_object/{object_id}/ → {read.status}"
            thread.ops.append(Op(label, "read", call, answered, object_id, found))
        return thread

    def _list(self, outcome: Outcome) -> tuple[Op, Exchange] | None:
        """The lead's list walked to its end: which of the phase's ids it shows."""
        s, tc = self.s, self.tc
        known = {t.object_id for t in self.threads if t.object_id is not None}

        def send(query: Mapping[str, str]) -> Exchange:
            return s.send(outcome, f"{PHASE}:list", "GET", "custom_object/", params=query)

        params = {"lead_id": self.lead, "custom_object_type_id": tc.type_id}
        seen: set[str] = set()
        whole = True
        last: Exchange | None = None
        call = _now()
        try:
            for page in s.client.pages(send, params):
                last = page.exchange
                if page.exchange.status != 200:
                    whole = False
                    break
                seen.update(str(i.get("id")) for i in page.items if i.get("id") in known)
                whole = not page.truncated
        except Inconclusive:
            return None
        if last is None or (last.status != 200 and not seen):
            return None
        label = f"list: GET custom_object/?lead_id=… → {last.status}, {len(seen)} of {len(known)}"
        result: Hashable = (frozenset(seen), whole)
        return Op(label, "list", call, _now(), None, result), last

    def update_target(self) -> tuple[str, Pair, Mapping[str, Any]] | None:
        """The proven instance whose drawn update changes the most custom keys, with its
        pair and its first read."""
        ledger = self.s.ledger
        ranked = sorted(range(len(self.threads)), key=lambda i: -len(_changed(self.pairs[i])))
        for index in ranked:
            thread = self.threads[index]
            if thread.object_id and thread.shown is not None and ledger.is_ours(thread.object_id):
                return thread.object_id, self.pairs[index], thread.shown
        return None


def _changed(pair: Pair) -> list[str]:
    """Custom keys the pair's second payload sets to another value than its first."""
    before, after = pair[0].payload, pair[1].payload
    return [
        k
        for k in sorted(after)
        if k.startswith("custom.") and after[k] is not None and after[k] != before.get(k)
    ]


class _Updates:
    """:data:`FAN_OUT` partial updates of one instance at once, each of its own key."""

    def __init__(
        self,
        s: Session,
        tc: TypeContract,
        object_id: str,
        pair: Pair,
        first_read: Mapping[str, Any],
    ) -> None:
        self.s, self.tc, self.object_id, self.first_read = s, tc, object_id, first_read
        custom = _changed(pair)[: FAN_OUT - 1]
        writes: list[tuple[str, Any]] = [(k, pair[1].payload[k]) for k in custom]
        # The name takes the writes the custom keys leave (each its own value).
        while len(writes) < FAN_OUT:
            n = len(writes) + 1
            writes.append(("name", f"close-contract concurrent write {n}"))
        self.writes = writes
        self.keys = tuple(dict.fromkeys(k for k, _ in writes))

    def run(self) -> Outcome:
        s, tc = self.s, self.tc
        outcome = s.outcome(
            PHASE,
            f"{tc.name}: {FAN_OUT} concurrent partial updates of one instance",
            tc.type_id,
            {"fan_out": FAN_OUT, "updates": [{k: v} for k, v in self.writes]},
        )
        calls = [functools.partial(self._one, n, w) for n, w in enumerate(self.writes, 1)]
        threads: list[_Thread] = fan_out(calls, name="close-contract-updates")
        _merged(outcome, threads)
        path = _path(self.object_id)
        versions = self._versions(threads)
        ops: list[Op] = []
        for thread in threads:
            ops.extend(self._placed(op, versions, thread) for op in thread.ops)
        call = _now()
        try:
            read = s.send(outcome, f"{PHASE}:retrieve", "GET", path)
        except Inconclusive:
            return outcome
        answered = _now()
        body = _object(read)
        if read.status == 200 and body is not None:
            shown: Hashable = versions.shown(self.keys, body)
            ops.append(Op(f"read: GET {path} → 200", "read", call, answered, None, shown))
        if ops and ops[-1].kind == "read":
            _judge(
                s,
                outcome,
                tc,
                "concurrent_updates",
                ops,
                Registers(self.keys),
                read,
                f"{FAN_OUT} concurrent partial updates of one instance, then a read",
            )
        return outcome

    def _one(self, number: int, write: tuple[str, Any]) -> _Thread:
        s = self.s
        key, value = write
        part = s.outcome(PHASE, f"write {number}", self.tc.type_id, None)
        part.tag = f"{PHASE}:updates#{number}"
        thread = _Thread(part)
        call = _now()
        try:
            exchange = s.send(
                part, f"{PHASE}:update", "PUT", _path(self.object_id), json={key: value}
            )
        except Inconclusive:
            thread.ops.append(
                Op(f"write {number}: PUT {key} (no answer)", "write", call, None, (key, number))
            )
            return thread
        answered = _now()
        label = f"write {number}: PUT {key} → {exchange.status}"
        if exchange.status in _OK:
            thread.shown = _object(exchange)
            thread.ops.append(Op(label, "write", call, answered, (key, number)))
        elif exchange.status >= 500:
            # A server error says nothing of whether the write took effect.
            thread.ops.append(Op(label, "write", call, None, (key, number)))
        # A refusal (4xx) took no effect: it has no place in the history.
        if exchange.may_have_repeated:
            # An earlier attempt went unanswered and may have taken effect before the one
            # answered (a PUT retried is applied twice): it takes a place of its own.
            twin = f"write {number}: PUT {key} (an unanswered attempt)"
            thread.ops.append(Op(twin, "write", call, None, (key, number)))
        return thread

    def _versions(self, threads: Sequence[_Thread]) -> Versions:
        """Each key's values as the first read showed them (version 0) and as each write
        sent and echoed its own (version n)."""
        versions = Versions()
        for key in self.keys:
            versions.add(key, 0, self.first_read.get(key))
        for number, (thread, (key, value)) in enumerate(zip(threads, self.writes, strict=True), 1):
            versions.add(key, number, value)
            if thread.shown is not None:
                versions.add(key, number, thread.shown.get(key))
        return versions

    def _placed(self, op: Op, versions: Versions, thread: _Thread) -> Op:
        """A write with what its answer showed of every key (its versions)."""
        if op.ret is None or thread.shown is None:
            return op
        return dataclasses.replace(op, result=versions.shown(self.keys, thread.shown))
