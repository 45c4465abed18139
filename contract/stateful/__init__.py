"""The stateful phase: sequences of operations judged against a reference model.

A :class:`~._model.Model` of what the run knows predicts every answer; one table of rules
builds both the ``hypothesis.stateful`` machine that explores sequences and the replay of a
recorded sequence; a first tour runs every rule once.
"""

from __future__ import annotations

from contract.stateful._phase import stateful_phase
from contract.stateful._world import CORPUS_KEY, Stopped

__all__ = [
    "CORPUS_KEY",
    "Stopped",
    "stateful_phase",
]
