"""The engine: ``run(config)`` turns schemas and strategies into a stream of events.

Setup (who the key is, the types, a disposable lead, reference instances), then per type
the valid lifecycle phase and every invalid mutation, then the unknown-id probes; cleanup
always runs last, also after errors and Ctrl-C.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator
from typing import Any

from hypothesis import strategies as st

from contract._hypo import drive
from contract._lifecycle import create_only, invalid_case, unknown_id_probes, valid_lifecycle
from contract._session import Outcome, Session
from contract.client import CloseClient, RetryPolicy
from contract.config import Config
from contract.discovery import Organization, TypeContract, discover
from contract.errors import ConfigurationError, ContractViolation
from contract.events import (
    CaseFinished,
    CleanupFinished,
    Event,
    PhaseFinished,
    PhaseStarted,
    RunFinished,
    RunStarted,
    Summary,
)
from contract.ledger import Ledger
from contract.targets import open_target
from strategies import (
    Case,
    MissingReferenceError,
    invalid_payloads,
    mutation_targets,
    valid_payloads,
)

__all__ = ["run"]

References = dict[str, list[str]]
_OBJECT_ID = re.compile(r"^custobj_[0-9A-Za-z]+$")


def _lead(s: Session, outcome: Outcome) -> tuple[str, list[str]]:
    """The run's lead and its contacts: the given one, or a new disposable lead."""
    config = s.config
    if config.lead_id:
        exchange = s.send(outcome, "setup:lead", "GET", f"lead/{config.lead_id}/")
        if exchange.status == 404:
            raise ConfigurationError(
                f"--lead-id {config.lead_id}: no such lead in this organization (GET answered 404)"
            )
        lead: Any = exchange.json() if exchange.status == 200 else {}
        lead_id = config.lead_id
    else:
        body = {
            "name": f"close-contract disposable lead (seed {config.seed})",
            "contacts": [{"name": "close-contract contact"}],
        }
        exchange = s.send(outcome, "setup:lead", "POST", "lead/", json=body)
        try:
            lead = exchange.json()
        except ValueError:
            lead = None
        if not 200 <= exchange.status < 300 or not isinstance(lead, dict) or "id" not in lead:
            raise ConfigurationError(
                f"could not create a disposable lead: POST lead/ answered {exchange.status}; "
                "pass --lead-id to use an existing lead"
            )
        lead_id = str(lead["id"])
        s.ledger.add("lead", lead_id)
        s.ledger.disposable_lead = lead_id
    contacts = [
        str(c["id"]) for c in lead.get("contacts") or [] if isinstance(c, dict) and "id" in c
    ]
    return lead_id, contacts


def _reference_order(org: Organization) -> list[TypeContract]:
    """Types whose instances other types point to, dependencies first."""
    by_id = {t.type_id: t for t in org.types}
    needed = set().union(*(t.referenced_types for t in org.types)) & set(by_id)
    ordered: list[TypeContract] = []
    while needed:
        ready = sorted(n for n in needed if not (by_id[n].referenced_types & needed) - {n})
        if not ready:
            ready = sorted(needed)  # a cycle: optional fields are left out, required ones fail
        for type_id in ready:
            ordered.append(by_id[type_id])
            needed.discard(type_id)
    return ordered


def _setup_references(
    s: Session, org: Organization, refs: References, outcomes: list[Outcome]
) -> None:
    for tc in _reference_order(org):
        try:
            strategy = valid_payloads(tc.request_schema, references=refs)
        except MissingReferenceError:
            continue  # its valid phase will say what is missing
        for outcome in drive(
            strategy,
            functools.partial(create_only, s, tc, phase="setup"),
            examples=1,
            seed=s.config.seed,
            shrink=False,
        ):
            outcomes.append(outcome)
            for exchange in outcome.exchanges:
                if exchange.method != "POST" or not 200 <= exchange.status < 300:
                    continue
                body = exchange.json()
                object_id = body.get("id") if isinstance(body, dict) else None
                # An id the API got wrong is already a violation; it cannot be a reference.
                if isinstance(object_id, str) and _OBJECT_ID.match(object_id):
                    refs.setdefault(f"custom_object:{tc.type_id}", []).append(object_id)


def _valid_phase(s: Session, tc: TypeContract, refs: References, lead: str) -> list[Outcome]:
    try:
        strategy = st.tuples(
            valid_payloads(tc.request_schema, references=refs),
            valid_payloads(tc.request_schema, references=refs),
        )
    except MissingReferenceError as exc:
        outcome = Outcome("valid", f"{tc.name}: valid", tc.type_id, None)
        outcome.violations.append(
            ContractViolation(
                check="read_after_create",
                title=f"{tc.name}: no valid payload can be built",
                message=f"{exc} (no instance of the referenced type could be created)",
            )
        )
        return [outcome]
    probed: list[bool] = []

    def execute(pair: tuple[Case, Case]) -> Outcome:
        outcome = valid_lifecycle(s, tc, pair[0], pair[1], lead, probe=not probed)
        if any(e.method == "POST" and e.status < 300 for e in outcome.exchanges):
            probed.append(True)
        return outcome

    return drive(
        strategy, execute, examples=s.config.examples, seed=s.config.seed, shrink=s.config.shrinking
    )


def _invalid_phase(s: Session, tc: TypeContract, refs: References) -> Iterator[Outcome]:
    for mutation, target in mutation_targets(tc.request_schema):
        try:
            strategy = invalid_payloads(
                tc.request_schema, references=refs, mutation=mutation, target=target
            )
        except MissingReferenceError:
            continue
        yield from drive(
            strategy,
            lambda case: invalid_case(s, tc, case),
            examples=s.config.invalid_examples,
            seed=s.config.seed,
            shrink=s.config.shrinking,
        )


class _Tally:
    def __init__(self) -> None:
        self.cases = 0
        self.violations: list[ContractViolation] = []

    def add(self, event: CaseFinished) -> CaseFinished:
        self.cases += 1
        self.violations.extend(event.violations)
        return event


def run(config: Config) -> Iterator[Event]:
    """Run the contract described by ``config``; yield events as it goes.

    Raises :class:`~contract.errors.ConfigurationError` (exit 2) for unusable input and
    :class:`~contract.errors.TargetUnreachable` (exit 3) when the target fails; violations
    are not raised but reported in ``CaseFinished`` and ``RunFinished`` events.
    """
    config.validate()
    started = time.perf_counter()
    tally = _Tally()
    with open_target(config) as target:
        secrets = [k for k in (target.api_key, target.other_api_key) if k]
        retry = RetryPolicy(max_attempts=config.max_attempts, max_sleep=config.max_retry_sleep)
        with CloseClient(
            target.base_url,
            target.api_key,
            auth_scheme=config.auth_scheme,
            timeout=config.timeout,
            retry=retry,
            secrets=secrets,
        ) as client:
            ledger = Ledger(client)
            session = Session(config, client, ledger, other_api_key=target.other_api_key)
            interrupted = True
            try:
                org = discover(client, config.custom_object_type_ids)
                if not org.types:
                    raise ConfigurationError(
                        "the organization has no custom object types to test "
                        "(create one, or pass --custom-object-type-id)"
                    )
                yield RunStarted(
                    target.description,
                    target.base_url,
                    config.seed,
                    tuple(t.type_id for t in org.types),
                )
                yield PhaseStarted("setup")
                setup = Outcome("setup", "disposable lead", None, None)
                lead, contacts = _lead(session, setup)
                refs: References = {"lead": [lead], "user": [org.user_id], "contact": contacts}
                outcomes = [setup]
                _setup_references(session, org, refs, outcomes)
                for outcome in outcomes:
                    yield tally.add(outcome.event())
                yield PhaseFinished("setup")

                yield PhaseStarted("valid", config.examples * len(org.types))
                for tc in org.types:
                    for outcome in _valid_phase(session, tc, refs, lead):
                        yield tally.add(outcome.event())
                yield PhaseFinished("valid")

                total = sum(len(mutation_targets(t.request_schema)) for t in org.types)
                yield PhaseStarted("invalid", total * config.invalid_examples)
                for tc in org.types:
                    for outcome in _invalid_phase(session, tc, refs):
                        yield tally.add(outcome.event())
                yield PhaseFinished("invalid")

                yield PhaseStarted("probes", 1)
                yield tally.add(unknown_id_probes(session, config.seed).event())
                yield PhaseFinished("probes")
                interrupted = False
            finally:
                deleted, leftovers = ledger.cleanup()
            yield CleanupFinished(deleted, leftovers)
            by_check: dict[str, int] = {}
            for found in tally.violations:
                by_check[found.check] = by_check.get(found.check, 0) + 1
            summary = Summary(
                cases=tally.cases,
                requests=client.requests_sent,
                violations=len(tally.violations),
                by_check=by_check,
                duration=time.perf_counter() - started,
                interrupted=interrupted,
            )
            yield RunFinished(summary, tuple(tally.violations))
