"""The engine: ``run(config)`` turns schemas and strategies into a stream of events.

Setup (who the key is, the types, a disposable lead, reference instances), then per type
the valid lifecycle phase and every invalid mutation, then the unknown-id probes; cleanup
always runs last, also after errors and Ctrl-C. The pieces tests of one's own can use
(the pytest fixtures do) are exported too: the target a configuration selects, a client
for it, the organization's contracts, reference ids, the cleanup ledger and the seeded
Hypothesis driver.
"""

from __future__ import annotations

from contract.engine._driver import drive, run_seeded
from contract.engine._fixtures import client_for, organization_for, references_for
from contract.engine._journal import Journal, JournalRun, journal_path, read_journal, runs_dir
from contract.engine._ledger import Ledger
from contract.engine._references import References
from contract.engine._run import run
from contract.engine._sources import CaseSource, GeneratedSource, ReplaySource
from contract.engine._sweep import Sweep, SweepResult, toolkit_token
from contract.engine._targets import Target, open_target

__all__ = [
    "CaseSource",
    "GeneratedSource",
    "Journal",
    "JournalRun",
    "Ledger",
    "References",
    "ReplaySource",
    "Sweep",
    "SweepResult",
    "Target",
    "client_for",
    "drive",
    "journal_path",
    "open_target",
    "organization_for",
    "read_journal",
    "references_for",
    "run",
    "run_seeded",
    "runs_dir",
    "toolkit_token",
]
