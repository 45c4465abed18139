"""Registered checks, each named for the property it asserts.

A check receives a :class:`CheckContext` (one exchange plus what the run knows about it)
and raises a :class:`~contract.errors.ContractViolation` when the property does not hold.
:func:`run_checks` runs several and collects every violation: one response may break more
than one property. Checks assert documented facts only; everything else is baseline matter.
"""

from __future__ import annotations

# Importing the check modules registers their checks.
from contract.checks import _answers, _model, _state  # noqa: F401
from contract.checks._registry import (
    CHECKS,
    CheckContext,
    Operation,
    check,
    echoed,
    run_checks,
    statuses_text,
    violation,
)

__all__ = [
    "CHECKS",
    "CheckContext",
    "Operation",
    "check",
    "echoed",
    "run_checks",
    "statuses_text",
    "violation",
]
