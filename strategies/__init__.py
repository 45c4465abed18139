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
:func:`mutation_targets` lists every (mutation, key) pair that applies to a type. Some
mutations send what Close may accept or refuse (read-only keys, oversized values, unusual
text of :data:`UNICODE_CLASSES`, a duplicated key, text at the :data:`TEXT_LENGTHS`):
their ``accepted`` says what an accepted answer must show.
"""

from __future__ import annotations

from strategies._accepting import READ_ONLY_KEYS
from strategies._case import Case
from strategies._formats import FORMAT_CHECKER
from strategies._invalid import MUTATIONS, invalid_payloads, mutation_targets
from strategies._model import MissingReferenceError
from strategies._mutation import Mutation
from strategies._unusual import TEXT_LENGTHS, UNICODE_CLASSES, UnicodeClass, long_text
from strategies._valid import valid_payloads

__all__ = [
    "FORMAT_CHECKER",
    "MUTATIONS",
    "READ_ONLY_KEYS",
    "TEXT_LENGTHS",
    "UNICODE_CLASSES",
    "Case",
    "MissingReferenceError",
    "Mutation",
    "UnicodeClass",
    "invalid_payloads",
    "long_text",
    "mutation_targets",
    "valid_payloads",
]
