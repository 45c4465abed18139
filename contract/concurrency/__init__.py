"""The concurrency phase: requests sent at once on what the run owns, judged as histories.

A history (:class:`Op`: each operation's call and return time, what it asked and what it
answered) is linearizable when some order of its operations that keeps real-time
precedence explains every answer under a sequential model (:class:`Registers`: one
instance under partial updates; :class:`Members`: the instances of one lead);
:func:`check_history` searches for one, with an explicit bound on its cost. The phase
(:func:`concurrency_phase`) sends a fixed fan-out of creates and of partial updates and
hands each history's verdict to the checks ``concurrent_updates_kept``,
``concurrent_creates_listed`` and ``read_your_writes``, whose findings are warnings unless
the run is asked to fail on them.
"""

from __future__ import annotations

from contract.concurrency._fanout import fan_out
from contract.concurrency._history import Op, OpKind, Versions, form_of, timeline
from contract.concurrency._linearizable import (
    DEFAULT_MAX_STATES,
    Mismatch,
    Model,
    Verdict,
    VerdictKind,
    check_history,
)
from contract.concurrency._models import Members, Registers, version_name
from contract.concurrency._phase import CONCURRENCY_CHECKS, FAN_OUT, PHASE, concurrency_phase

__all__ = [
    "CONCURRENCY_CHECKS",
    "DEFAULT_MAX_STATES",
    "FAN_OUT",
    "PHASE",
    "Members",
    "Mismatch",
    "Model",
    "Op",
    "OpKind",
    "Registers",
    "Verdict",
    "VerdictKind",
    "Versions",
    "check_history",
    "concurrency_phase",
    "fan_out",
    "form_of",
    "timeline",
    "version_name",
]
