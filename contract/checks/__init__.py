"""Registered checks, each named for the property it asserts.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

# Importing the check modules registers their checks.
from contract.checks import _answers, _state, _model  # noqa: F401  # isort: skip
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
from contract.checks._state import SECOND_KEY
from contract.checks._tally import CheckTally, tally_checks

__all__ = [
    "APPLIES",
    "CHECKS",
    "SECOND_KEY",
    "Applies",
    "CheckContext",
    "CheckTally",
    "Evidence",
    "Judgement",
    "Key",
    "Operation",
    "Step",
    "check",
    "echoed",
    "judge",
    "run_checks",
    "statuses_text",
    "tally_checks",
    "violation",
]
