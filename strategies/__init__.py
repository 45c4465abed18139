"""Hypothesis strategies for Close Custom Object create requests, built from JSON Schema.

Give them a per-type request schema (``contract.request_schema_for(type, fields)``) and
the ids of existing objects; they draw :class:`Case` values::

    from hypothesis import given
    from strategies import invalid_payloads, valid_payloads

    refs = {"lead": ["lead_…"], "user": ["user_…"]}

    @given(valid_payloads(schema, references=refs))
    def test_create(case): ...

:func:`valid_payloads` draws payloads that must be accepted; :func:`invalid_payloads`
draws payloads that break one named rule (a :class:`Mutation` in :data:`MUTATIONS`), and
:func:`mutation_targets` lists every (mutation, key) pair that applies to a type.
"""

from __future__ import annotations

from strategies._case import Case
from strategies._formats import FORMAT_CHECKER
from strategies._invalid import MUTATIONS, invalid_payloads, mutation_targets
from strategies._model import MissingReferenceError
from strategies._mutation import Mutation
from strategies._valid import valid_payloads

__all__ = [
    "FORMAT_CHECKER",
    "MUTATIONS",
    "Case",
    "MissingReferenceError",
    "Mutation",
    "invalid_payloads",
    "mutation_targets",
    "valid_payloads",
]
