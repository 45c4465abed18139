"""What every phase shares at run time: the target, the session that sends and judges, and
where cases come from.

:func:`open_target` starts the embedded emulator or names a live API root; a :class:`Session`
sends through one client and ledger and hands every answer to the checks that apply
(:class:`Outcome` collects one case's verdict); case sources draw from Hypothesis with a
fixed seed (:func:`run_seeded`, :func:`drive`) or replay a recording's corpus, typed by what
they draw (a :class:`Record` is what a corpus keeps of one execution); the second key is
proven before it proves anything.
"""

from __future__ import annotations

from contract.session._driver import (
    ShrinkBudget,
    drive,
    quiet_settings,
    requests_of,
    run_seeded,
)
from contract.session._second_key import OtherOrganization, check_second_key, refused_mid_run
from contract.session._session import Inconclusive, Outcome, Session, concludes, tagged
from contract.session._sources import (
    CaseSource,
    GeneratedSource,
    Record,
    ReplaySource,
    SequenceRecord,
    StepRecord,
)
from contract.session._targets import Target, open_target

__all__ = [
    "CaseSource",
    "GeneratedSource",
    "Inconclusive",
    "OtherOrganization",
    "Outcome",
    "Record",
    "ReplaySource",
    "SequenceRecord",
    "Session",
    "ShrinkBudget",
    "StepRecord",
    "Target",
    "check_second_key",
    "concludes",
    "drive",
    "open_target",
    "quiet_settings",
    "refused_mid_run",
    "requests_of",
    "run_seeded",
    "tagged",
]
