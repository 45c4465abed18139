"""What a run creates, proven and written down, and deleted however the run ends.

:class:`Ledger` holds every lead and instance the run made, each proven the run's own by a
GET (:mod:`._ownership`) before anything writes to it; :class:`Journal` writes each create to
the state directory before and after it is sent, so a hard kill loses nothing; :class:`Sweep`
finds what earlier runs left and deletes only what passes the same proofs.
"""

from __future__ import annotations

from contract.ledger._journal import Journal, JournalRun, journal_path, read_journal, runs_dir
from contract.ledger._ledger import Ledger
from contract.ledger._ownership import Owner, Verdict, json_body, prove_instance, prove_lead
from contract.ledger._sweep import Sweep, SweepResult, toolkit_token

__all__ = [
    "Journal",
    "JournalRun",
    "Ledger",
    "Owner",
    "Sweep",
    "SweepResult",
    "Verdict",
    "journal_path",
    "json_body",
    "prove_instance",
    "prove_lead",
    "read_journal",
    "runs_dir",
    "toolkit_token",
]
