"""The stateful phase alone, in-process: a session on an emulator the test started, the
setup it needs (a lead, the phase's own leads), its sequences, and the cleanup.

The whole run adds the single-case phases, reports and events around the phase; tests of
what the machine and its model do need none of them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.cassettes import Corpus
from contract.config import Config
from contract.emulator import EmulatorServer
from contract.engine import client_for, organization_for
from contract.errors import ContractViolation
from contract.ledger import Ledger
from contract.phases import References, prepare_lead, prepare_stateful_leads
from contract.session import (
    CaseSource,
    GeneratedSource,
    Outcome,
    ReplaySource,
    Session,
    open_target,
)
from contract.stateful import stateful_phase

# The type whose fields cover every field type (its reference to another type is optional).
ONE_TYPE = ("Subscription",)
# Both types: what only instances of two types on one lead show (a list's type filter).
TWO_TYPES = ("Subscription", "Asset")


@dataclass(frozen=True)
class Sequences:
    """What the phase reported, and how many requests it sent."""

    outcomes: list[Outcome]
    sent: int

    @property
    def violations(self) -> list[ContractViolation]:
        return [v for o in self.outcomes for v in o.violations]

    @property
    def answers(self) -> list[tuple[str, int]]:
        """Each request's method and its answer's status, in order."""
        return [(e.method, e.status) for o in self.outcomes for e in o.exchanges]


def run_sequences(
    server: EmulatorServer,
    *,
    corpus: Corpus | None = None,
    replay: Corpus | None = None,
    types: tuple[str, ...] = ONE_TYPE,
    **options: Any,
) -> Sequences:
    """Run the stateful phase on ``server`` with the ``types`` named (options as
    :class:`Config`'s): drawn by Hypothesis (kept in ``corpus`` when given), or the
    sequences ``replay`` holds."""
    options.setdefault("state_dir", Path(os.environ["CLOSE_STATE_DIR"]))
    config = Config(
        base_url=server.base_url,
        api_key=server.api_key,
        other_api_key=server.other_api_key,
        **options,
    )
    with open_target(config) as target, client_for(target, config) as client:
        ledger = Ledger(client)
        session = Session(config, client, ledger, other_api_key=target.other_api_key)
        org = organization_for(client, config)
        org = dataclasses.replace(org, types=tuple(t for t in org.types if t.name in types))
        try:
            setup = session.outcome("setup", "disposable lead", None, None)
            lead, contacts = prepare_lead(session, setup, org)
            refs: References = {"lead": [lead], "user": [org.user_id], "contact": contacts}
            outcomes = [setup]
            leads = prepare_stateful_leads(session, outcomes)
            assert not [v for o in outcomes for v in o.violations], "the setup failed"
            source: CaseSource = (
                ReplaySource(replay)
                if replay is not None
                else GeneratedSource(config.seed, config.shrinking, corpus)
            )
            tour, sequences = leads[:2], leads[2:]
            before = client.requests_sent
            found = list(
                stateful_phase(session, source, org, refs, sequences, contacts, None, tour)
            )
            sent = client.requests_sent - before
        finally:
            ledger.cleanup()
    return Sequences(found, sent)
