"""Registered checks, each named for the property it asserts.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

# Importing the check modules registers their checks.
from contract.checks import _answers, _state, _model, _response_time  # noqa: F401  # isort: skip
from contract.checks import _time, _other_org  # noqa: F401  # isort: skip
from contract.checks import _query  # noqa: F401  # isort: skip
from contract.checks import _http  # noqa: F401  # isort: skip
from contract.checks import _concurrency  # noqa: F401  # isort: skip
from contract.checks import _accepted  # noqa: F401  # isort: skip
from contract.checks._accepted import judged_apart
from contract.checks._clock import Clock
from contract.checks._http import ADVISORY as _ADVISORY_HTTP
from contract.checks._other_org import ADVISORY as _ADVISORY_REFERENCES
from contract.checks._other_org import OTHER_IDS
from contract.checks._registry import (
    APPLIES,
    CHECKS,
    Applies,
    CheckContext,
    Evidence,
    Judgement,
    Key,
    Operation,
    Step,
    check,
    echoed,
    judge,
    run_checks,
    statuses_text,
    violation,
)
from contract.checks._response_time import RESPONSE_TIME_THRESHOLD
from contract.checks._state import SECOND_KEY
from contract.checks._tally import CheckTally, tally_checks
from contract.checks._time import ADVISORY as _ADVISORY_TIMES

ADVISORY: frozenset[str] = _ADVISORY_TIMES | _ADVISORY_REFERENCES | _ADVISORY_HTTP
"""The checks whose findings are warnings that fail nothing: what they expect is only
inferred (INF). A run reports them apart from the violations."""

__all__ = [
    "ADVISORY",
    "APPLIES",
    "CHECKS",
    "OTHER_IDS",
    "RESPONSE_TIME_THRESHOLD",
    "SECOND_KEY",
    "Applies",
    "CheckContext",
    "CheckTally",
    "Clock",
    "Evidence",
    "Judgement",
    "Key",
    "Operation",
    "Step",
    "check",
    "echoed",
    "judge",
    "judged_apart",
    "run_checks",
    "statuses_text",
    "tally_checks",
    "violation",
]
